/* prims.c — the primitive info table, generated from prims.def. */
#include "prim.h"

const numc_prim_info_t numc_prim_info[NUMC_PRIM_COUNT] = {
#define X(E, name, nin, nout, flags) {#name, nin, nout, flags},
#include "prims.def"
#undef X
};
