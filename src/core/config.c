/* config.c — process-wide settings: the default float type, allow_float64,
 * the TF-compatible numpy-behavior switch and the thread count. */
#include "core-impl.h"

static numc_dtype default_float = NUMC_FLOAT64;
static bool allow_f64 = true;

void numc_set_default_float(numc_dtype dt) {
    default_float = (dt == NUMC_FLOAT32) ? NUMC_FLOAT32 : NUMC_FLOAT64;
}
numc_dtype numc_default_float(void) {
    return allow_f64 ? default_float : NUMC_FLOAT32;
}
numc_dtype numc_default_int(void) {
    return NUMC_INT64;
}
numc_dtype numc_default_complex(void) {
    return numc_default_float() == NUMC_FLOAT32 ? NUMC_COMPLEX64 : NUMC_COMPLEX128;
}
void numc_set_allow_float64(bool allow) {
    allow_f64 = allow;
}
bool numc_allow_float64(void) {
    return allow_f64;
}
void numc_enable_numpy_behavior(bool prefer_float32) {
    numc_set_default_float(prefer_float32 ? NUMC_FLOAT32 : NUMC_FLOAT64);
}
