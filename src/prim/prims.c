/* prims.c — the primitive info table, generated from prims.def, and the rule
 * record table that src/rules fills at registration. */
#include "prim.h"

const numc_prim_info_t numc_prim_info[NUMC_PRIM_COUNT] = {
#define X(E, name, nin, nout, flags) {#name, nin, nout, flags},
#include "prims.def"
#undef X
};

numc_prim_rule numc_prim_rules[NUMC_PRIM_COUNT];
bool numc_prim_rules_ready;

numc_status numc_prim_rules_check(const char *who) {
    if (NUMC_LIKELY(numc_prim_rules_ready)) return NUMC_OK;
    return numc_error_set(NUMC_ERR_RUNTIME,
                          "%s: numc's transformation rules are not registered (a static link "
                          "must keep the whole library: -Wl,--whole-archive)",
                          who);
}

int numc_prim_nout(numc_prim p, const numc_params *params) {
    int n = numc_prim_info[p].nout;
    if (n >= 0) return n;
    if (numc_prim_rules[p].nout) return numc_prim_rules[p].nout(p, params);
    numc_error_set(NUMC_ERR_RUNTIME, "internal error: %s has no output-count rule registered",
                   numc_prim_info[p].name);
    return -1;
}
