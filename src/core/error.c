/* error.c — the thread-local error state every entry point reports through. */
#include "core-impl.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local numc_status err_kind = NUMC_OK;
static _Thread_local char err_msg[1024];

numc_status numc_error_kind(void) {
    return err_kind;
}
const char *numc_error_message(void) {
    return err_kind == NUMC_OK ? "" : err_msg;
}
void numc_error_clear(void) {
    err_kind = NUMC_OK;
    err_msg[0] = 0;
}
numc_status numc_error_set(numc_status kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    err_kind = kind;
    return kind;
}
