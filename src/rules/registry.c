/* registry.c — fills prim's rule-record table (numc_prim_rules) from
 * prims.def when the library loads: one row per primitive, gathered from the
 * rule tables of vjp.c and batch.c and, for primitives with bodies
 * (PF_BODIES), the control-flow rules of control.c. Nothing else writes the
 * table. A static link must keep this object (whole-archive): nothing refers
 * to it by name. */
#include "rules-impl.h"

#define BODIES(flags, fn) (((flags)&PF_BODIES) ? (fn) : NULL)

__attribute__((constructor)) static void register_rules(void) {
#define X(E, name_, nin_, nout_, flags_)                                                           \
    numc_prim_rules[NUMC_PRIM_##E] = (numc_prim_rule){                                             \
        .infer = BODIES(flags_, numc_control_infer),                                               \
        .nout = BODIES(flags_, numc_control_nout),                                                 \
        .eager = BODIES(flags_, numc_control_eager),                                               \
        .bind = BODIES(flags_, numc_control_bind),                                                 \
        .vjp = numc_rules_vjp[NUMC_PRIM_##E],                                                      \
        .jvp = NULL,                                                                               \
        .batch = numc_rules_batch[NUMC_PRIM_##E],                                                  \
    };
#include "../prim/prims.def"
#undef X
    numc_prim_rules_ready = true;
}
