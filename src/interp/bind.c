/* bind.c — numc_bind, the one dispatch point, and the interpreter stack.
 * A primitive goes to the top of the (thread-local) stack; each interpreter
 * handles the operands it owns (its tracers, or values it watches) and hands
 * the rest to its parent with numc_interp_forward. The eager base computes. */
#include "interp.h"

static numc_status eager_process(numc_interp *self, numc_prim p, int nin,
                                 const numc_array *const *in, const numc_params *params,
                                 numc_array **out) {
    (void)self;
    return numc_eager_bind(p, nin, in, params, out);
}

static const numc_interp_vtable eager_vt = {"eager", eager_process};
static numc_interp eager_interp = {&eager_vt, NULL, 0, NULL};
static _Thread_local numc_interp *current;

numc_interp *numc_interp_eager(void) {
    return &eager_interp;
}
numc_interp *numc_interp_current(void) {
    return current ? current : &eager_interp;
}

void numc_interp_push(numc_interp *it) {
    it->parent = numc_interp_current();
    it->level = it->parent->level + 1;
    current = it;
}

void numc_interp_pop(numc_interp *it) {
    if (current == it) current = it->parent == &eager_interp ? NULL : it->parent;
}

numc_status numc_bind(numc_prim p, int nin, const numc_array *const *in, const numc_params *params,
                      numc_array **out) {
    numc_interp *it = current;
    if (NUMC_LIKELY(it == NULL)) return numc_eager_bind(p, nin, in, params, out);
    return it->vt->process(it, p, nin, in, params, out);
}

numc_status numc_interp_forward(numc_interp *self, numc_prim p, int nin,
                                const numc_array *const *in, const numc_params *params,
                                numc_array **out) {
    numc_interp *parent = self->parent;
    if (!parent || parent == &eager_interp) return numc_eager_bind(p, nin, in, params, out);
    return parent->vt->process(parent, p, nin, in, params, out);
}

numc_status numc_bind_staged(numc_prim p, int nin, const numc_array *const *in,
                             const numc_params *params, numc_array **out) {
    numc_apply_fn strategy = numc_prim_rules[p].bind;
    return strategy ? strategy(p, nin, in, params, out) : numc_bind(p, nin, in, params, out);
}

numc_array *numc_bind1(numc_prim p, int nin, const numc_array *const *in,
                       const numc_params *params) {
    numc_array *out = NULL;
    if (numc_bind(p, nin, in, params, &out) != NUMC_OK) return NULL;
    return out;
}
