/* control_api.c — the C API that traces bodies into subgraphs and binds the
 * control primitives: numc_cond, numc_while_loop, numc_scan. With concrete
 * predicates and no trace active they run Python-style (whatever transform is
 * active sees each step); otherwise they trace the bodies and bind one cond /
 * while / scan_loop with the control rules' bind strategy (control.c). */
#include "rules-impl.h"

typedef struct {
    numc_graph *g;
    int ncap;
    numc_array **cap; /* values to pass for the captured inputs */
    int nout;
} traced;

static void traced_free(traced *t) {
    numc_graph_release(t->g);
    for (int k = 0; k < t->ncap; k++)
        numc_array_release(t->cap[k]);
    free(t->cap);
    memset(t, 0, sizeof *t);
}

/* Traces fn on fresh tracers with the avals of args (weak flags kept). */
static numc_status trace_fn(numc_traced_fn fn, void *payload, int nargs,
                            const numc_array *const *args, traced *out) {
    memset(out, 0, sizeof *out);
    numc_trace *t = numc_trace_begin();
    if (!t) return numc_error_kind();
    numc_array **tin = calloc((size_t)nargs + 1, sizeof *tin);
    numc_status st = tin ? NUMC_OK : numc_ctl_oom();
    for (int k = 0; !st && k < nargs; k++) {
        tin[k] = numc_trace_input(t, args[k]->dtype, args[k]->ndim, args[k]->shape,
                                  numc_array_is_weak(args[k]));
        if (!tin[k]) st = numc_error_kind();
    }
    int nout = 0;
    numc_array **outs = NULL;
    if (!st) st = fn(payload, nargs, tin, &nout, &outs);
    if (!st) {
        out->g = numc_trace_end(t, nout, (const numc_array *const *)outs, &out->ncap, &out->cap);
        if (!out->g)
            st = numc_error_kind();
        else
            st = numc_graph_optimise(out->g);
        out->nout = nout;
    } else {
        numc_trace_abort(t);
    }
    if (outs) release_all(outs, nout);
    free(outs);
    if (tin) release_all(tin, nargs);
    free(tin);
    if (st) traced_free(out);
    return st;
}

/* Puts a traced body's inputs in the order (captures..., explicit...) or, with
 * a union list, (explicit..., union...) adding unused inputs for the captures
 * this body lacks. */
static numc_status order_inputs(traced *t, int nexplicit, bool captures_first, int nunion,
                                numc_array *const *uni) {
    numc_graph *g = t->g;
    int n = captures_first ? g->ninputs : nexplicit + nunion;
    int *ids = malloc(sizeof(int) * (size_t)(n + 1));
    if (!ids) return numc_ctl_oom();
    if (captures_first) {
        for (int k = 0; k < t->ncap; k++)
            ids[k] = g->inputs[nexplicit + k];
        for (int k = 0; k < nexplicit; k++)
            ids[t->ncap + k] = g->inputs[k];
    } else {
        for (int k = 0; k < nexplicit; k++)
            ids[k] = g->inputs[k];
        for (int u = 0; u < nunion; u++) {
            int found = -1;
            for (int k = 0; k < t->ncap && found < 0; k++)
                if (t->cap[k] == uni[u]) found = g->inputs[nexplicit + k];
            if (found < 0) {
                numc_aval av = {.dtype = uni[u]->dtype, .ndim = uni[u]->ndim};
                memcpy(av.shape, uni[u]->shape, sizeof(int64_t) * (size_t)av.ndim);
                found = numc_graph_add_input(g, &av, numc_array_is_weak(uni[u]));
                if (found < 0) {
                    free(ids);
                    return numc_error_kind();
                }
            }
            ids[nexplicit + u] = found;
        }
    }
    numc_status st = numc_graph_set_inputs(g, n, ids);
    free(ids);
    if (!st) st = numc_graph_analyse(g);
    return st;
}

static numc_status outputs_differ(const char *what, const numc_graph *a, const numc_graph *b) {
    if (a->noutputs != b->noutputs)
        return numc_error_set(NUMC_ERR_TYPE, "%s: the functions return %d and %d arrays", what,
                              a->noutputs, b->noutputs);
    for (int k = 0; k < a->noutputs; k++)
        if (!aval_eq(out_aval(a, k), out_aval(b, k))) {
            char x[128], y[128];
            numc_ctl_aval_str(x, sizeof x, out_aval(a, k));
            numc_ctl_aval_str(y, sizeof y, out_aval(b, k));
            return numc_error_set(NUMC_ERR_TYPE,
                                  "%s: output %d has type %s in one branch and %s in another; "
                                  "they must have identical shapes and dtypes",
                                  what, k, x, y);
        }
    return NUMC_OK;
}

numc_status numc_cond(const numc_array *index, int nbranches, const numc_traced_fn *branches,
                      void *const *payloads, int nops, const numc_array *const *ops, int *nout,
                      numc_array ***out) {
    *nout = 0;
    *out = NULL;
    if (nbranches < 1) return numc_error_set(NUMC_ERR_VALUE, "cond: needs at least one branch");
    if (index->ndim != 0 || !(index->dtype == NUMC_BOOL || numc_dt_is_int(index->dtype)))
        return numc_error_set(NUMC_ERR_TYPE,
                              "cond: the predicate must be a scalar (0-d) boolean or integer, got "
                              "%s with %d dimensions",
                              numc_dtype_name(index->dtype), index->ndim);
    if (index->buffer) {
        int b;
        numc_status st = numc_ctl_read_index(index, nbranches, &b);
        if (st) return st;
        return branches[b](payloads[b], nops, (numc_array *const *)ops, nout, out);
    }
    if (numc_tracer_kind_of(index) == NUMC_TRACER_LEAKED) return numc_tracer_check(index, "cond");
    traced *tr = calloc((size_t)nbranches, sizeof *tr);
    if (!tr) return numc_ctl_oom();
    numc_status st = NUMC_OK;
    int nb = 0;
    for (; nb < nbranches && !st; nb++)
        st = trace_fn(branches[nb], payloads[nb], nops, ops, &tr[nb]);
    if (st) nb--;
    for (int b = 1; !st && b < nbranches; b++)
        st = outputs_differ("cond", tr[0].g, tr[b].g);
    /* the union of every branch's captures */
    int nuni = 0;
    numc_array **uni = NULL;
    for (int b = 0; !st && b < nbranches; b++)
        nuni += tr[b].ncap;
    if (!st) uni = malloc(sizeof *uni * (size_t)(nuni + 1));
    if (!st && !uni) st = numc_ctl_oom();
    if (!st) {
        nuni = 0;
        for (int b = 0; b < nbranches; b++)
            for (int k = 0; k < tr[b].ncap; k++) {
                bool dup = false;
                for (int u = 0; u < nuni && !dup; u++)
                    dup = uni[u] == tr[b].cap[k];
                if (!dup) uni[nuni++] = tr[b].cap[k];
            }
    }
    for (int b = 0; !st && b < nbranches; b++)
        st = order_inputs(&tr[b], nops, false, nuni, uni);
    numc_subgraphs *s = NULL;
    if (!st) {
        numc_graph **gs = malloc(sizeof *gs * (size_t)nbranches);
        if (!gs) st = numc_ctl_oom();
        for (int b = 0; !st && b < nbranches; b++)
            gs[b] = tr[b].g;
        if (!st && !(s = numc_subgraphs_new(nbranches, gs))) st = numc_error_kind();
        free(gs);
    }
    const numc_array **in = NULL;
    if (!st) {
        in = malloc(sizeof *in * (size_t)(1 + nops + nuni));
        if (!in) st = numc_ctl_oom();
    }
    if (!st) {
        in[0] = index;
        for (int k = 0; k < nops; k++)
            in[1 + k] = ops[k];
        for (int u = 0; u < nuni; u++)
            in[1 + nops + u] = uni[u];
        int no = tr[0].g->noutputs;
        *out = calloc((size_t)no + 1, sizeof **out);
        if (!*out) st = numc_ctl_oom();
        numc_params pr = {.n = 1, .i = {nbranches}, .ptr = s};
        if (!st) st = numc_control_bind(NUMC_PRIM_COND, 1 + nops + nuni, in, &pr, *out);
        if (!st)
            *nout = no;
        else {
            free(*out);
            *out = NULL;
        }
    }
    free(in);
    free(uni);
    numc_subgraphs_release(s);
    for (int b = 0; b < nb; b++)
        traced_free(&tr[b]);
    free(tr);
    return st;
}

/* The carry's avals after weak inputs adopt what the body makes of them
 * (a Python-scalar 0 carried through x + float32 becomes float32). Returns
 * true when some carry value was converted (retrace). */
static numc_status adopt_body_types(const char *what, const numc_graph *g, int first_out,
                                    int ncarry, numc_array **carry, bool *changed) {
    *changed = false;
    for (int k = 0; k < ncarry; k++) {
        const numc_aval *o = out_aval(g, first_out + k);
        if (aval_is(o, carry[k])) continue;
        bool shape_ok = o->ndim == carry[k]->ndim &&
                        !memcmp(o->shape, carry[k]->shape, sizeof(int64_t) * (size_t)o->ndim);
        if (shape_ok && numc_array_is_weak(carry[k])) {
            numc_params cv = {.n = 1, .i = {o->dtype}};
            const numc_array *ci[1] = {carry[k]};
            numc_array *c = numc_bind1(NUMC_PRIM_CONVERT, 1, ci, &cv);
            if (!c) return numc_error_kind();
            numc_array_release(carry[k]);
            carry[k] = c;
            *changed = true;
            continue;
        }
        numc_aval want = {.dtype = carry[k]->dtype, .ndim = carry[k]->ndim};
        memcpy(want.shape, carry[k]->shape, sizeof(int64_t) * (size_t)want.ndim);
        char x[128], y[128];
        numc_ctl_aval_str(x, sizeof x, &want);
        numc_ctl_aval_str(y, sizeof y, o);
        return numc_error_set(NUMC_ERR_TYPE,
                              "%s: the body must return the carry with the type it received: "
                              "carry %d is %s on input but %s on output",
                              what, k, x, y);
    }
    return NUMC_OK;
}

static numc_status call_checked(numc_traced_fn fn, void *payload, int nin, numc_array *const *in,
                                int want, const char *what, numc_array ***out) {
    int n = 0;
    numc_status st = fn(payload, nin, in, &n, out);
    if (st) return st;
    if (n != want) {
        release_all(*out, n);
        free(*out);
        *out = NULL;
        return numc_error_set(NUMC_ERR_TYPE, "%s: the function returned %d arrays, expected %d",
                              what, n, want);
    }
    return NUMC_OK;
}

static numc_status while_staged(numc_traced_fn cond, void *cp, numc_traced_fn bodyf, void *bp,
                                int ncarry, numc_array **carry, numc_array **out) {
    traced tc = {0}, tb = {0};
    numc_status st = NUMC_OK;
    for (int attempt = 0; attempt < 3; attempt++) {
        traced_free(&tb);
        st = trace_fn(bodyf, bp, ncarry, (const numc_array *const *)carry, &tb);
        if (st) return st;
        if (tb.g->noutputs != ncarry) {
            traced_free(&tb);
            return numc_error_set(NUMC_ERR_TYPE,
                                  "while_loop: body_fun returned %d arrays, expected %d",
                                  tb.g->noutputs, ncarry);
        }
        bool changed;
        if ((st = adopt_body_types("while_loop", tb.g, 0, ncarry, carry, &changed))) break;
        if (!changed) break;
    }
    if (!st) st = trace_fn(cond, cp, ncarry, (const numc_array *const *)carry, &tc);
    if (!st && (tc.g->noutputs != 1 || out_aval(tc.g, 0)->ndim != 0 ||
                out_aval(tc.g, 0)->dtype != NUMC_BOOL))
        st = numc_error_set(NUMC_ERR_TYPE,
                            "while_loop: cond_fun must return a boolean scalar (a 0-d bool array)");
    if (!st) st = order_inputs(&tc, ncarry, true, 0, NULL);
    if (!st) st = order_inputs(&tb, ncarry, true, 0, NULL);
    numc_subgraphs *s = NULL;
    const numc_array **in = NULL;
    if (!st) {
        numc_graph *gs[2] = {tc.g, tb.g};
        s = numc_subgraphs_new(2, gs);
        in = malloc(sizeof *in * (size_t)(tc.ncap + tb.ncap + ncarry + 1));
        if (!s || !in) st = s ? numc_ctl_oom() : numc_error_kind();
    }
    if (!st) {
        int n = 0;
        for (int k = 0; k < tc.ncap; k++)
            in[n++] = tc.cap[k];
        for (int k = 0; k < tb.ncap; k++)
            in[n++] = tb.cap[k];
        for (int k = 0; k < ncarry; k++)
            in[n++] = carry[k];
        numc_params pr = {.n = 2, .i = {tc.ncap, tb.ncap}, .ptr = s};
        st = numc_control_bind(NUMC_PRIM_WHILE, n, in, &pr, out);
    }
    free(in);
    numc_subgraphs_release(s);
    traced_free(&tc);
    traced_free(&tb);
    return st;
}

numc_status numc_while_loop(numc_traced_fn cond, void *cond_payload, numc_traced_fn bodyf,
                            void *body_payload, int ncarry, const numc_array *const *init,
                            numc_array **out) {
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    if (!carry) return numc_ctl_oom();
    for (int k = 0; k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)init[k]);
    numc_status st = NUMC_OK;
    bool staged = numc_trace_is_current();
    /* Python-style: run while the predicate is concrete */
    while (!staged) {
        numc_array **p = NULL;
        st = call_checked(cond, cond_payload, ncarry, carry, 1, "while_loop cond_fun", &p);
        if (st) break;
        numc_array *pred = p[0];
        free(p);
        if (pred->ndim != 0 || pred->dtype != NUMC_BOOL) {
            st = numc_error_set(NUMC_ERR_TYPE,
                                "while_loop: cond_fun must return a boolean scalar (a 0-d bool "
                                "array), got %s with %d dimensions",
                                numc_dtype_name(pred->dtype), pred->ndim);
            numc_array_release(pred);
            break;
        }
        if (!pred->buffer) {
            bool leak = numc_tracer_kind_of(pred) == NUMC_TRACER_LEAKED;
            numc_array_release(pred);
            if (leak) {
                st =
                    numc_error_set(NUMC_ERR_VALUE, "while_loop: cond_fun returned a leaked tracer");
                break;
            }
            staged = true;
            break;
        }
        bool go = false;
        st = numc_ctl_read_bool(pred, &go);
        numc_array_release(pred);
        if (st || !go) break;
        numc_array **next = NULL;
        st = call_checked(bodyf, body_payload, ncarry, carry, ncarry, "while_loop body_fun", &next);
        if (st) break;
        for (int k = 0; k < ncarry; k++) {
            numc_array_release(carry[k]);
            carry[k] = next[k];
        }
        free(next);
    }
    if (!st && staged)
        st = while_staged(cond, cond_payload, bodyf, body_payload, ncarry, carry, out);
    else if (!st)
        for (int k = 0; k < ncarry; k++)
            out[k] = numc_array_retain(carry[k]);
    release_all(carry, ncarry);
    free(carry);
    return st;
}

numc_status numc_scan(numc_traced_fn f, void *payload, int ncarry, const numc_array *const *init,
                      int nxs, const numc_array *const *xs, int64_t length, bool reverse,
                      numc_array **carry_out, int *nys, numc_array ***ys) {
    *nys = 0;
    *ys = NULL;
    for (int k = 0; k < nxs; k++) {
        if (xs[k]->ndim < 1)
            return numc_error_set(NUMC_ERR_VALUE, "scan: xs must have a leading axis to scan over");
        if (length < 0) length = xs[k]->shape[0];
        if (xs[k]->shape[0] != length)
            return numc_error_set(
                NUMC_ERR_VALUE, "scan got values with different leading axis sizes: %lld and %lld",
                (long long)length, (long long)xs[k]->shape[0]);
    }
    if (length < 0)
        return numc_error_set(NUMC_ERR_VALUE, "scan: length must be given when xs is empty");
    numc_array **carry = calloc((size_t)ncarry + 1, sizeof *carry);
    numc_array **xt = calloc((size_t)(ncarry + nxs) + 1, sizeof *xt);
    if (!carry || !xt) {
        free(carry);
        free(xt);
        return numc_ctl_oom();
    }
    for (int k = 0; k < ncarry; k++)
        carry[k] = numc_array_retain((numc_array *)init[k]);
    numc_status st = NUMC_OK;
    if (!numc_trace_is_current() && length > 0) {
        /* Python-style loop: whatever transform is active sees each step */
        numc_array **rows = NULL;
        int ny = -1;
        for (int64_t it = 0; it < length && !st; it++) {
            int64_t t = reverse ? length - 1 - it : it;
            for (int k = 0; k < ncarry; k++)
                xt[k] = carry[k];
            int made = 0;
            for (; made < nxs && !st; made++) {
                xt[ncarry + made] = numc_ctl_take_row(xs[made], t, false);
                if (!xt[ncarry + made]) st = numc_error_kind();
            }
            if (st) made--;
            int n = 0;
            numc_array **res = NULL;
            if (!st) st = f(payload, ncarry + nxs, xt, &n, &res);
            for (int k = 0; k < made; k++)
                numc_array_release(xt[ncarry + k]);
            if (st) break;
            if (n < ncarry || (ny >= 0 && n - ncarry != ny)) {
                release_all(res, n);
                free(res);
                st = numc_error_set(NUMC_ERR_TYPE, "scan: the function returned %d arrays", n);
                break;
            }
            if (ny < 0) {
                ny = n - ncarry;
                rows = calloc((size_t)ny * (size_t)length + 1, sizeof *rows);
                if (!rows) {
                    release_all(res, n);
                    free(res);
                    st = numc_ctl_oom();
                    break;
                }
            }
            for (int k = 0; k < ncarry; k++) {
                if (res[k]->dtype != carry[k]->dtype || res[k]->ndim != carry[k]->ndim ||
                    memcmp(res[k]->shape, carry[k]->shape,
                           sizeof(int64_t) * (size_t)res[k]->ndim)) {
                    if (!numc_array_is_weak(carry[k]) || res[k]->ndim != carry[k]->ndim)
                        st = numc_error_set(NUMC_ERR_TYPE,
                                            "scan: the function must return the carry with the "
                                            "type and shape it received (carry %d)",
                                            k);
                }
                numc_array_release(carry[k]);
                carry[k] = res[k];
            }
            for (int k = 0; k < ny; k++)
                rows[(size_t)k * (size_t)length + (size_t)t] = res[ncarry + k];
            free(res);
        }
        if (!st && ny > 0) {
            *ys = calloc((size_t)ny, sizeof **ys);
            if (!*ys) st = numc_ctl_oom();
            for (int k = 0; !st && k < ny; k++) {
                numc_array *r0 = rows[(size_t)k * (size_t)length];
                numc_aval av = {.dtype = r0->dtype, .ndim = r0->ndim};
                memcpy(av.shape, r0->shape, sizeof(int64_t) * (size_t)r0->ndim);
                for (int64_t t = 1; t < length && !st; t++) {
                    const numc_array *r = rows[(size_t)k * (size_t)length + (size_t)t];
                    if (!aval_is(&av, r))
                        st = numc_error_set(NUMC_ERR_TYPE,
                                            "scan: output %d changes shape or dtype between steps",
                                            k);
                }
                if (!st && !((*ys)[k] = numc_ctl_stack_rows(rows + (size_t)k * (size_t)length,
                                                            length, &av, false)))
                    st = numc_error_kind();
                if (st) release_all(*ys, k);
            }
            if (st) {
                free(*ys);
                *ys = NULL;
            } else {
                *nys = ny;
            }
        }
        if (rows) release_all(rows, ny * (int)length);
        free(rows);
        if (!st)
            for (int k = 0; k < ncarry; k++)
                carry_out[k] = numc_array_retain(carry[k]);
    } else {
        /* staged: one scan_loop node (also the length-0 case, which needs the
         * body's output types) */
        const numc_array **sl = malloc(sizeof *sl * (size_t)(ncarry + nxs + 1));
        numc_array **rowt = calloc((size_t)nxs + 1, sizeof *rowt);
        traced tf = {0};
        if (!sl || !rowt) st = numc_ctl_oom();
        for (int k = 0; !st && k < nxs; k++) {
            /* a tracer-free stand-in with the slice's aval */
            rowt[k] = numc_array_new(xs[k]->dtype, xs[k]->ndim - 1, xs[k]->shape + 1);
            if (!rowt[k]) st = numc_error_kind();
        }
        for (int attempt = 0; !st && attempt < 3; attempt++) {
            for (int k = 0; k < ncarry; k++)
                sl[k] = carry[k];
            for (int k = 0; k < nxs; k++)
                sl[ncarry + k] = rowt[k];
            traced_free(&tf);
            st = trace_fn(f, payload, ncarry + nxs, sl, &tf);
            if (st) break;
            if (tf.g->noutputs < ncarry) {
                st = numc_error_set(NUMC_ERR_TYPE,
                                    "scan: the function returned %d arrays, expected at least %d",
                                    tf.g->noutputs, ncarry);
                break;
            }
            bool changed;
            if ((st = adopt_body_types("scan", tf.g, 0, ncarry, carry, &changed)) || !changed)
                break;
        }
        if (!st) st = order_inputs(&tf, ncarry + nxs, true, 0, NULL);
        numc_subgraphs *s = NULL;
        const numc_array **in = NULL;
        numc_array **res = NULL;
        int nout = tf.g ? tf.g->noutputs : 0;
        if (!st) {
            s = numc_subgraphs_new(1, &tf.g);
            in = malloc(sizeof *in * (size_t)(tf.ncap + ncarry + nxs + 1));
            res = calloc((size_t)nout + 1, sizeof *res);
            if (!s || !in || !res) st = s ? numc_ctl_oom() : numc_error_kind();
        }
        if (!st) {
            int n = 0;
            for (int k = 0; k < tf.ncap; k++)
                in[n++] = tf.cap[k];
            for (int k = 0; k < ncarry; k++)
                in[n++] = carry[k];
            for (int k = 0; k < nxs; k++)
                in[n++] = xs[k];
            numc_params pr = {.n = 4, .i = {tf.ncap, ncarry, length, reverse ? 1 : 0}, .ptr = s};
            st = numc_control_bind(NUMC_PRIM_SCAN_LOOP, n, in, &pr, res);
        }
        if (!st) {
            for (int k = 0; k < ncarry; k++)
                carry_out[k] = res[k];
            if (nout > ncarry) {
                *ys = malloc(sizeof **ys * (size_t)(nout - ncarry));
                if (!*ys) {
                    release_all(res, nout);
                    st = numc_ctl_oom();
                } else {
                    for (int k = ncarry; k < nout; k++)
                        (*ys)[k - ncarry] = res[k];
                    *nys = nout - ncarry;
                }
            }
        }
        free(res);
        free(in);
        numc_subgraphs_release(s);
        traced_free(&tf);
        if (rowt) release_all(rowt, nxs);
        free(rowt);
        free(sl);
    }
    release_all(carry, ncarry);
    free(carry);
    free(xt);
    return st;
}
