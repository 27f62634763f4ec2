/* einsum.c — np.einsum, np.einsum_path and np.vecdot: subscripts parsed into
 * labels, each operand's repeated labels taken as diagonals and its private
 * labels summed, then pairwise dot_general contractions in a greedy order (or
 * a path the caller gives), so einsum differentiates, batches and traces like
 * the primitives it binds. */
#include "np-impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* labels: 0..51 the letters A-Z a-z, 52.. the broadcast dims of '...' */
#define EIN_LETTERS 52
#define EIN_MAXLAB (EIN_LETTERS + NUMC_MAX_DIMS)
#define EIN_MAXOPS 64

typedef struct {
    int nops;
    int nd[EIN_MAXOPS];                 /* labels of each operand (its ndim) */
    int lab[EIN_MAXOPS][NUMC_MAX_DIMS]; /* label of each axis */
    int nout, out[EIN_MAXLAB];          /* output labels */
    int64_t size[EIN_MAXLAB];           /* each label's (broadcast) size */
    int nell;                           /* broadcast dims of '...' */
} ein_spec;

static int letter_id(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return 26 + c - 'a';
    return -1;
}

static char label_char(int l) {
    return l < 26 ? (char)('A' + l) : (char)('a' + l - 26);
}

/* One term ("ij...k") of operand `op` with ndim nd into labels; the
 * ellipsis takes the dims the letters leave, right-aligned on nell. */
static numc_status parse_term(const char *t, size_t len, int nd, int op, int *lab, int *nlab,
                              int *ell_n) {
    int letters = 0, ell = -1;
    for (size_t k = 0; k < len; k++) {
        if (t[k] == '.') {
            if (ell >= 0 || k + 2 >= len || t[k + 1] != '.' || t[k + 2] != '.')
                return numc_error_set(NUMC_ERR_VALUE,
                                      "einstein sum subscripts string contains a '.' that is "
                                      "not part of an ellipsis ('...') in operand %d",
                                      op);
            ell = letters;
            k += 2;
            continue;
        }
        if (letter_id(t[k]) < 0)
            return numc_error_set(NUMC_ERR_VALUE,
                                  "invalid subscript '%c' in einstein sum subscripts string, "
                                  "subscripts must be letters",
                                  t[k]);
        letters++;
    }
    if (letters > nd)
        return numc_error_set(NUMC_ERR_VALUE,
                              "einstein sum subscripts string contains too many subscripts for "
                              "operand %d",
                              op);
    if (ell < 0 && letters < nd)
        return numc_error_set(NUMC_ERR_VALUE,
                              "operand has more dimensions than subscripts given in einstein sum, "
                              "but no '...' ellipsis provided to broadcast the extra dimensions.");
    *ell_n = ell < 0 ? 0 : nd - letters;
    int j = 0;
    for (size_t k = 0; k < len; k++) {
        if (t[k] == '.') {
            for (int e = 0; e < *ell_n; e++)
                lab[j++] = -1 - e; /* placeholder: fixed once nell is known */
            k += 2;
            continue;
        }
        lab[j++] = letter_id(t[k]);
    }
    *nlab = j;
    return NUMC_OK;
}

static numc_status parse_spec(const char *subscripts, int n, const numc_array *const *ops,
                              bool sum_unlisted_ellipsis, ein_spec *sp) {
    memset(sp, 0, sizeof *sp);
    if (n < 1) return numc_error_set(NUMC_ERR_VALUE, "No input operands");
    if (n > EIN_MAXOPS)
        return numc_error_set(NUMC_ERR_VALUE, "einsum: too many operands (at most %d)", EIN_MAXOPS);
    /* drop spaces */
    size_t L = strlen(subscripts);
    char *s = malloc(L + 1);
    if (!s) return numc_error_set(NUMC_ERR_MEMORY, "einsum: out of memory");
    size_t m = 0;
    for (size_t k = 0; k < L; k++)
        if (subscripts[k] != ' ') s[m++] = subscripts[k];
    s[m] = 0;
    numc_status st = NUMC_OK;
    const char *arrow = strstr(s, "->");
    size_t in_len = arrow ? (size_t)(arrow - s) : m;
    for (size_t k = 0; k < in_len; k++)
        if (s[k] == '-' || s[k] == '>') {
            st = numc_error_set(NUMC_ERR_VALUE,
                                "einstein sum subscript string does not contain proper '->' "
                                "output specified");
            goto done;
        }
    int ell_n[EIN_MAXOPS];
    const char *t = s;
    for (int op = 0;; op++) {
        const char *e = memchr(t, ',', (size_t)(s + in_len - t));
        size_t len = e ? (size_t)(e - t) : (size_t)(s + in_len - t);
        if (op >= n) {
            st = numc_error_set(NUMC_ERR_VALUE, "fewer operands provided to einstein sum function "
                                                "than specified in the subscripts string");
            goto done;
        }
        sp->nd[op] = ops[op]->ndim;
        int nlab;
        st = parse_term(t, len, ops[op]->ndim, op, sp->lab[op], &nlab, &ell_n[op]);
        if (st) goto done;
        if (ell_n[op] > sp->nell) sp->nell = ell_n[op];
        t += len + 1;
        if (!e) {
            if (op + 1 < n) {
                st = numc_error_set(NUMC_ERR_VALUE,
                                    "more operands provided to einstein sum function than "
                                    "specified in the subscripts string");
                goto done;
            }
            break;
        }
    }
    sp->nops = n;
    /* broadcast labels right-aligned: placeholder -1-e of an operand with r
     * ellipsis dims is label 52 + (nell - r) + e */
    for (int op = 0; op < n; op++)
        for (int d = 0; d < sp->nd[op]; d++)
            if (sp->lab[op][d] < 0)
                sp->lab[op][d] = EIN_LETTERS + sp->nell - ell_n[op] + (-1 - sp->lab[op][d]);
    /* a label repeated within one operand (a diagonal) needs equal dims */
    for (int op = 0; op < n; op++)
        for (int d = 0; d < sp->nd[op]; d++)
            for (int e = d + 1; e < sp->nd[op]; e++)
                if (sp->lab[op][d] == sp->lab[op][e] && ops[op]->shape[d] != ops[op]->shape[e]) {
                    st = numc_error_set(NUMC_ERR_VALUE,
                                        "dimensions in operand %d for collapsing index '%c' don't "
                                        "match (%lld != %lld)",
                                        op, label_char(sp->lab[op][d]),
                                        (long long)ops[op]->shape[d], (long long)ops[op]->shape[e]);
                    goto done;
                }
    /* sizes, with size-1 broadcasting */
    for (int l = 0; l < EIN_MAXLAB; l++)
        sp->size[l] = -1;
    for (int op = 0; op < n; op++)
        for (int d = 0; d < sp->nd[op]; d++) {
            int l = sp->lab[op][d];
            int64_t z = ops[op]->shape[d];
            if (sp->size[l] < 0 || sp->size[l] == 1) {
                sp->size[l] = z;
            } else if (z != 1 && z != sp->size[l]) {
                if (l < EIN_LETTERS)
                    st = numc_error_set(NUMC_ERR_VALUE,
                                        "Size of label '%c' for operand %d (%lld) does not match "
                                        "previous terms (%lld).",
                                        label_char(l), op, (long long)z, (long long)sp->size[l]);
                else
                    st = numc_error_set(NUMC_ERR_VALUE,
                                        "einsum: operands could not be broadcast together in "
                                        "their '...' dimensions (operand %d has %lld where "
                                        "another has %lld)",
                                        op, (long long)z, (long long)sp->size[l]);
                goto done;
            }
        }
    int count[EIN_MAXLAB] = {0};
    for (int op = 0; op < n; op++)
        for (int d = 0; d < sp->nd[op]; d++)
            count[sp->lab[op][d]]++;
    if (arrow) {
        const char *o = arrow + 2;
        bool seen[EIN_MAXLAB] = {false}, ell = false;
        for (const char *c = o; *c; c++) {
            if (*c == '.' && c[1] == '.' && c[2] == '.' && !ell) {
                ell = true;
                for (int e = 0; e < sp->nell; e++)
                    sp->out[sp->nout++] = EIN_LETTERS + e;
                c += 2;
                continue;
            }
            int l = letter_id(*c);
            if (l < 0) {
                st = numc_error_set(NUMC_ERR_VALUE,
                                    "invalid subscript '%c' in einstein sum subscripts string, "
                                    "subscripts must be letters",
                                    *c);
                goto done;
            }
            if (seen[l]) {
                st = numc_error_set(NUMC_ERR_VALUE,
                                    "einstein sum subscripts string includes output subscript "
                                    "'%c' multiple times",
                                    *c);
                goto done;
            }
            if (!count[l]) {
                st = numc_error_set(NUMC_ERR_VALUE,
                                    "einstein sum subscripts string included output subscript "
                                    "'%c' which never appeared in an input",
                                    *c);
                goto done;
            }
            seen[l] = true;
            sp->out[sp->nout++] = l;
        }
        if (!ell && sp->nell > 0 && !sum_unlisted_ellipsis) {
            st = numc_error_set(NUMC_ERR_VALUE,
                                "output has more dimensions than subscripts given in einstein "
                                "sum, but no '...' ellipsis provided to broadcast the extra "
                                "dimensions.");
            goto done;
        }
    } else {
        /* implicit output: the broadcast dims, then the letters seen once, sorted */
        for (int e = 0; e < sp->nell; e++)
            sp->out[sp->nout++] = EIN_LETTERS + e;
        for (int l = 0; l < EIN_LETTERS; l++)
            if (count[l] == 1) sp->out[sp->nout++] = l;
    }
    if (sp->nout > NUMC_MAX_DIMS)
        st = numc_error_set(NUMC_ERR_VALUE, "einsum: the output has more than %d dimensions",
                            NUMC_MAX_DIMS);
done:
    free(s);
    return st;
}

/* ---- the contraction plan ---- */

typedef struct {
    int nd;
    int lab[EIN_MAXLAB];
} term;

static bool has(const term *t, int l) {
    for (int d = 0; d < t->nd; d++)
        if (t->lab[d] == l) return true;
    return false;
}

static double term_size(const ein_spec *sp, const term *t) {
    double z = 1;
    for (int d = 0; d < t->nd; d++)
        z *= (double)sp->size[t->lab[d]];
    return z;
}

/* whether label l is needed outside terms i and j of the n current ones */
static bool needed(const ein_spec *sp, const term *ts, int n, int i, int j, int l) {
    for (int d = 0; d < sp->nout; d++)
        if (sp->out[d] == l) return true;
    for (int k = 0; k < n; k++)
        if (k != i && k != j && has(&ts[k], l)) return true;
    return false;
}

/* the unique labels of term t (repeated ones once), in order */
static void dedup(term *t) {
    int j = 0;
    for (int d = 0; d < t->nd; d++) {
        bool dup = false;
        for (int e = 0; e < j; e++)
            dup |= t->lab[e] == t->lab[d];
        if (!dup) t->lab[j++] = t->lab[d];
    }
    t->nd = j;
}

/* The result labels of contracting terms i and j: dot_general's order
 * (batch, lhs free, rhs free); *flops the work NumPy counts for it. */
static void contract_terms(const ein_spec *sp, const term *ts, int n, int i, int j, term *r,
                           double *flops) {
    const term *a = &ts[i], *b = &ts[j];
    r->nd = 0;
    double all = 1;
    bool inner = false;
    for (int d = 0; d < a->nd; d++)
        if (has(b, a->lab[d]) && needed(sp, ts, n, i, j, a->lab[d])) r->lab[r->nd++] = a->lab[d];
    for (int d = 0; d < a->nd; d++) {
        all *= (double)sp->size[a->lab[d]];
        if (!has(b, a->lab[d]) && needed(sp, ts, n, i, j, a->lab[d])) r->lab[r->nd++] = a->lab[d];
        if (!needed(sp, ts, n, i, j, a->lab[d])) inner = true;
    }
    for (int d = 0; d < b->nd; d++) {
        if (!has(a, b->lab[d])) all *= (double)sp->size[b->lab[d]];
        if (!has(a, b->lab[d]) && needed(sp, ts, n, i, j, b->lab[d])) r->lab[r->nd++] = b->lab[d];
        if (!needed(sp, ts, n, i, j, b->lab[d])) inner = true;
    }
    *flops = all * (1 + (inner ? 1 : 0));
}

/* NumPy's greedy choice: the pair that removes the most elements (inputs
 * minus result), then the cheapest; pairs sharing a label first. */
static void greedy_pair(const ein_spec *sp, const term *ts, int n, int *bi, int *bj) {
    double best_rm = 0, best_cost = 0;
    int best_share = -1;
    *bi = 0;
    *bj = 1;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int share = 0;
            for (int d = 0; d < ts[i].nd; d++)
                share |= has(&ts[j], ts[i].lab[d]);
            term r;
            double cost;
            contract_terms(sp, ts, n, i, j, &r, &cost);
            double rm = term_size(sp, &ts[i]) + term_size(sp, &ts[j]) - term_size(sp, &r);
            if (!share) rm = -term_size(sp, &r); /* outer products last, smallest first */
            if (share > best_share ||
                (share == best_share && (rm > best_rm || (rm == best_rm && cost < best_cost)))) {
                best_share = share;
                best_rm = rm;
                best_cost = cost;
                *bi = i;
                *bj = j;
            }
        }
}

/* The initial terms: each operand's labels with repeats merged. */
static void initial_terms(const ein_spec *sp, term *ts) {
    for (int op = 0; op < sp->nops; op++) {
        ts[op].nd = sp->nd[op];
        memcpy(ts[op].lab, sp->lab[op], sizeof(int) * (size_t)sp->nd[op]);
        dedup(&ts[op]);
    }
}

/* Checks a caller's path (steps of k indices into the current list, each
 * step as [k, i1..ik]): indices in range, no repeats, one term left. */
static numc_status check_path(int nops, const int64_t *path, int path_len) {
    int n = nops, p = 0;
    while (p < path_len) {
        int64_t k = path[p++];
        if (k < 1 || p + k > path_len)
            return numc_error_set(NUMC_ERR_VALUE, "einsum: invalid contraction path");
        for (int64_t q = 0; q < k; q++) {
            int64_t v = path[p + q];
            if (v < 0 || v >= n)
                return numc_error_set(NUMC_ERR_VALUE,
                                      "einsum: contraction path index %lld out of range for %d "
                                      "operands",
                                      (long long)v, n);
            for (int64_t r = 0; r < q; r++)
                if (path[p + r] == v)
                    return numc_error_set(NUMC_ERR_VALUE,
                                          "einsum: contraction path repeats index %lld",
                                          (long long)v);
        }
        p += (int)k;
        n = n - (int)k + 1;
    }
    if (n != 1)
        return numc_error_set(NUMC_ERR_VALUE,
                              "einsum: the contraction path leaves %d operands uncontracted", n);
    return NUMC_OK;
}

/* ---- building ---- */

/* x (labels t) reduced over the labels in drop */
static numc_array *sum_labels(np_scope *s, numc_array *x, term *t, const bool *drop) {
    int64_t axes[NUMC_MAX_DIMS];
    int na = 0, j = 0;
    for (int d = 0; d < t->nd; d++) {
        if (drop[t->lab[d]])
            axes[na++] = d;
        else
            t->lab[j++] = t->lab[d];
    }
    if (!na || !x) return x;
    t->nd = j;
    numc_prim p = x->dtype == NUMC_BOOL ? NUMC_PRIM_REDUCE_OR : NUMC_PRIM_REDUCE_SUM;
    return np_reduce(s, p, x, axes, na);
}

/* Operand x with labels lab[0..nd): repeated labels become diagonals, then
 * labels no other term or the output needs are summed. */
static numc_array *prepare_operand(np_scope *s, const ein_spec *sp, const term *ts, int n, int op,
                                   const numc_array *x0, term *t) {
    numc_array *x = (numc_array *)x0;
    t->nd = sp->nd[op];
    memcpy(t->lab, sp->lab[op], sizeof(int) * (size_t)t->nd);
    for (int i = 0; x && i < t->nd; i++)
        for (int j = i + 1; j < t->nd; j++) {
            if (t->lab[i] != t->lab[j]) continue;
            int l = t->lab[i];
            x = np_keep(s, numc_diagonal(x, 0, i, j));
            int k = 0;
            for (int d = 0; d < t->nd; d++)
                if (d != i && d != j) t->lab[k++] = t->lab[d];
            t->lab[k++] = l;
            t->nd = k;
            i = -1; /* restart: positions moved */
            break;
        }
    bool drop[EIN_MAXLAB] = {false};
    for (int d = 0; d < t->nd; d++)
        drop[t->lab[d]] = !needed(sp, ts, n, op, op, t->lab[d]);
    return sum_labels(s, x, t, drop);
}

/* broadcasts the size-1 axes of x (labels t) whose label has a larger size */
static numc_array *widen(np_scope *s, const ein_spec *sp, numc_array *x, const term *t,
                         const term *other) {
    if (!x) return NULL;
    int64_t shape[NUMC_MAX_DIMS];
    bool any = false;
    for (int d = 0; d < t->nd; d++) {
        shape[d] = x->shape[d];
        if (shape[d] == 1 && sp->size[t->lab[d]] != 1 && (!other || has(other, t->lab[d]))) {
            shape[d] = sp->size[t->lab[d]];
            any = true;
        }
    }
    return any ? np_bcast(s, x, t->nd, shape) : x;
}

static numc_array *contract(np_scope *s, const ein_spec *sp, term *ts, numc_array **xs, int n,
                            int i, int j) {
    term r;
    double flops;
    contract_terms(sp, ts, n, i, j, &r, &flops);
    const term *a = &ts[i], *b = &ts[j];
    numc_array *x = widen(s, sp, xs[i], a, b), *y = widen(s, sp, xs[j], b, a);
    int64_t lc[NUMC_MAX_DIMS], rc[NUMC_MAX_DIMS], lb[NUMC_MAX_DIMS], rb[NUMC_MAX_DIMS];
    int nc = 0, nb = 0;
    for (int d = 0; d < a->nd; d++)
        for (int e = 0; e < b->nd; e++) {
            if (a->lab[d] != b->lab[e]) continue;
            if (needed(sp, ts, n, i, j, a->lab[d])) {
                lb[nb] = d;
                rb[nb++] = e;
            } else {
                lc[nc] = d;
                rc[nc++] = e;
            }
        }
    /* labels private to one side and needed nowhere are summed first */
    bool drop[EIN_MAXLAB] = {false};
    term ta = *a, tb = *b;
    bool any = false;
    for (int d = 0; d < a->nd; d++)
        if (!has(b, a->lab[d]) && !needed(sp, ts, n, i, j, a->lab[d])) any = drop[a->lab[d]] = true;
    for (int d = 0; d < b->nd; d++)
        if (!has(a, b->lab[d]) && !needed(sp, ts, n, i, j, b->lab[d])) any = drop[b->lab[d]] = true;
    if (any) {
        x = sum_labels(s, x, &ta, drop);
        y = sum_labels(s, y, &tb, drop);
        /* recompute the axis numbers on the reduced operands */
        nc = nb = 0;
        for (int d = 0; d < ta.nd; d++)
            for (int e = 0; e < tb.nd; e++) {
                if (ta.lab[d] != tb.lab[e]) continue;
                if (needed(sp, ts, n, i, j, ta.lab[d])) {
                    lb[nb] = d;
                    rb[nb++] = e;
                } else {
                    lc[nc] = d;
                    rc[nc++] = e;
                }
            }
    }
    numc_array *z = np_dot_general(s, x, y, nc, lc, rc, nb, lb, rb);
    /* remove i and j (j > i), append the result */
    for (int k = j; k + 1 < n; k++) {
        ts[k] = ts[k + 1];
        xs[k] = xs[k + 1];
    }
    for (int k = i; k + 1 < n - 1; k++) {
        ts[k] = ts[k + 1];
        xs[k] = xs[k + 1];
    }
    ts[n - 2] = r;
    xs[n - 2] = z;
    return z;
}

/* moves terms idx[0..k) to the end, in the order given, keeping the rest */
static void gather_terms(term *ts, numc_array **xs, int n, const int64_t *idx, int k) {
    term tt[EIN_MAXOPS];
    numc_array *xx[EIN_MAXOPS];
    int m = 0;
    for (int q = 0; q < n; q++) {
        bool picked = false;
        for (int r = 0; r < k; r++)
            picked |= idx[r] == q;
        if (!picked) {
            tt[m] = ts[q];
            xx[m++] = xs[q];
        }
    }
    for (int r = 0; r < k; r++) {
        tt[m] = ts[idx[r]];
        xx[m++] = xs[idx[r]];
    }
    memcpy(ts, tt, sizeof(term) * (size_t)n);
    memcpy(xs, xx, sizeof(numc_array *) * (size_t)n);
}

static numc_dtype einsum_dtype(int n, const numc_array *const *ops, numc_dtype dt,
                               const char *casting) {
    numc_dtype rt = numc_result_type(n, ops);
    if (rt == NUMC_DTYPE_NONE) return NUMC_DTYPE_NONE;
    if (dt == NUMC_DTYPE_NONE) return rt;
    const char *c = casting ? casting : "safe";
    if (strcmp(c, "no") && strcmp(c, "equiv") && strcmp(c, "safe") && strcmp(c, "same_kind") &&
        strcmp(c, "unsafe")) {
        numc_error_set(NUMC_ERR_VALUE,
                       "casting must be one of 'no', 'equiv', 'safe', 'same_kind', or 'unsafe'");
        return NUMC_DTYPE_NONE;
    }
    for (int k = 0; k < n; k++)
        if (!numc_can_cast(ops[k]->dtype, dt, c) && !np_is_weak(ops[k])) {
            numc_error_set(NUMC_ERR_TYPE,
                           "Cannot cast array data from dtype('%s') to dtype('%s') according to "
                           "the rule '%s'",
                           numc_dtype_name(ops[k]->dtype), numc_dtype_name(dt), c);
            return NUMC_DTYPE_NONE;
        }
    return dt;
}

numc_array *numc_einsum(const char *subscripts, int n, const numc_array *const *operands,
                        numc_dtype dt, const char *casting, const int64_t *path, int path_len,
                        bool sum_unlisted_ellipsis) {
    ein_spec sp;
    if (parse_spec(subscripts, n, operands, sum_unlisted_ellipsis, &sp)) return NULL;
    if (path && check_path(n, path, path_len)) return NULL;
    numc_dtype ct = einsum_dtype(n, operands, dt, casting);
    if (ct == NUMC_DTYPE_NONE) return NULL;
    np_scope s;
    np_scope_init(&s);
    term ts[EIN_MAXOPS];
    numc_array *xs[EIN_MAXOPS];
    initial_terms(&sp, ts);
    term prepared[EIN_MAXOPS];
    for (int op = 0; op < n; op++) {
        numc_array *c = np_cvt(&s, operands[op], ct);
        xs[op] = prepare_operand(&s, &sp, ts, n, op, c, &prepared[op]);
    }
    memcpy(ts, prepared, sizeof(term) * (size_t)n);
    int m = n, p = 0;
    while (m > 1) {
        if (path && p < path_len) {
            int64_t k = path[p++];
            gather_terms(ts, xs, m, path + p, (int)k);
            p += (int)k;
            for (int64_t q = 1; q < k; q++) {
                contract(&s, &sp, ts, xs, m, m - 2, m - 1);
                m--;
            }
            continue;
        }
        int i, j;
        greedy_pair(&sp, ts, m, &i, &j);
        contract(&s, &sp, ts, xs, m, i, j);
        m--;
    }
    /* the last term: sum what the output lacks, broadcast, order as the output */
    numc_array *x = xs[0];
    term t = ts[0];
    bool drop[EIN_MAXLAB] = {false};
    for (int d = 0; d < t.nd; d++) {
        bool in_out = false;
        for (int e = 0; e < sp.nout; e++)
            in_out |= sp.out[e] == t.lab[d];
        drop[t.lab[d]] = !in_out;
    }
    x = sum_labels(&s, x, &t, drop);
    x = widen(&s, &sp, x, &t, NULL);
    int64_t perm[NUMC_MAX_DIMS];
    for (int e = 0; e < sp.nout; e++)
        for (int d = 0; d < t.nd; d++)
            if (t.lab[d] == sp.out[e]) perm[e] = d;
    bool ident = true;
    for (int e = 0; e < sp.nout; e++)
        ident &= perm[e] == e;
    if (x && !ident) x = np_transpose(&s, x, perm);
    if (x && x == operands[0]) x = np_keep(&s, numc_copy(x));
    return np_ret(&s, x);
}

/* ---- einsum_path ---- */

#define HEAD_CAP (EIN_MAXLAB * 64 + 1024)

static void term_str(const term *t, const bool *used, char *buf) {
    /* broadcast labels shown as letters the subscripts do not use */
    int k = 0;
    for (int d = 0; d < t->nd; d++) {
        int l = t->lab[d];
        if (l >= EIN_LETTERS) {
            int free_n = l - EIN_LETTERS, c = 0;
            for (; c < EIN_LETTERS; c++)
                if (!used[c] && free_n-- == 0) break;
            l = c < EIN_LETTERS ? c : 0;
        }
        buf[k++] = label_char(l);
    }
    buf[k] = 0;
}

static int cmp_int(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

static size_t report_terms(char *buf, size_t cap, const term *ts, int n, const term *out,
                           const bool *used) {
    size_t k = 0;
    char tb[EIN_MAXLAB + 1];
    for (int q = 0; q < n && k < cap; q++) {
        term_str(&ts[q], used, tb);
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", q ? "," : "", tb);
    }
    term_str(out, used, tb);
    if (k < cap) k += (size_t)snprintf(buf + k, cap - k, "->%s", tb);
    return k < cap ? k : cap;
}

numc_status numc_einsum_path(const char *subscripts, int n, const numc_array *const *operands,
                             int64_t **path, int *path_len, char **report) {
    ein_spec sp;
    *path = NULL;
    *path_len = 0;
    if (report) *report = NULL;
    if (parse_spec(subscripts, n, operands, true, &sp)) return numc_error_kind();
    term ts[EIN_MAXOPS], out;
    initial_terms(&sp, ts);
    out.nd = sp.nout;
    memcpy(out.lab, sp.out, sizeof(int) * (size_t)sp.nout);
    bool used[EIN_MAXLAB] = {false};
    double naive = 1, opt_flops = 0, largest = 0;
    int naive_scale = 0, opt_scale = 0;
    for (int l = 0; l < EIN_MAXLAB; l++)
        if (sp.size[l] >= 0) {
            naive *= (double)sp.size[l];
            naive_scale++;
            if (l < EIN_LETTERS) used[l] = true;
        }
    bool inner = false;
    for (int l = 0; l < EIN_MAXLAB; l++)
        if (sp.size[l] >= 0 && !has(&out, l)) inner = true;
    naive *= (n > 2 ? n - 1 : 1) + (inner ? 1 : 0);
    int64_t *pp = malloc(sizeof(int64_t) * (size_t)(3 * n + 2));
    size_t cap = 4096 + (size_t)n * 512;
    char *lines = malloc(cap), *head = malloc(HEAD_CAP);
    if (!pp || !lines || !head) {
        free(pp);
        free(lines);
        free(head);
        return numc_error_set(NUMC_ERR_MEMORY, "einsum_path: out of memory");
    }
    size_t lk = 0;
    int np_ = 0, m = n;
    if (n == 1) {
        pp[np_++] = 1;
        pp[np_++] = 0;
        double f = term_size(&sp, &ts[0]);
        opt_flops = f * (inner ? 2 : 1);
        largest = term_size(&sp, &out);
        opt_scale = ts[0].nd;
        char cur[EIN_MAXLAB * 4 + 8], rem[EIN_MAXLAB * 4 + 8];
        report_terms(cur, sizeof cur, ts, 1, &out, used);
        report_terms(rem, sizeof rem, &out, 1, &out, used);
        lk += (size_t)snprintf(lines + lk, cap - lk, "\n%4d    %24s %40s", opt_scale, cur, rem);
    }
    while (m > 1) {
        int i, j;
        greedy_pair(&sp, ts, m, &i, &j);
        term r;
        double flops;
        contract_terms(&sp, ts, m, i, j, &r, &flops);
        /* scaling: the distinct labels of the step */
        int nl = ts[i].nd;
        for (int d = 0; d < ts[j].nd; d++)
            nl += !has(&ts[i], ts[j].lab[d]);
        if (nl > opt_scale) opt_scale = nl;
        opt_flops += flops;
        pp[np_++] = 2;
        pp[np_++] = i;
        pp[np_++] = j;
        term pair[2] = {ts[j], ts[i]};
        /* a result that is not the output is shown with sorted labels */
        term shown = r;
        if (m > 2)
            qsort(shown.lab, (size_t)shown.nd, sizeof(int), cmp_int);
        else
            shown = out;
        if (m > 2 && term_size(&sp, &r) > largest) largest = term_size(&sp, &r);
        if (m == 2) largest = largest > term_size(&sp, &out) ? largest : term_size(&sp, &out);
        char cur[EIN_MAXLAB * 4 + 8], rem[EIN_MAXLAB * 64 + 8];
        report_terms(cur, sizeof cur, pair, 2, &shown, used);
        /* the remaining terms after this step */
        term after[EIN_MAXOPS];
        int na = 0;
        for (int q = 0; q < m; q++)
            if (q != i && q != j) after[na++] = ts[q];
        after[na++] = shown;
        report_terms(rem, sizeof rem, after, na, &out, used);
        lk += (size_t)snprintf(lines + lk, cap - lk, "\n%4d    %24s %40s", nl, cur, rem);
        if (lk >= cap) lk = cap - 1;
        /* the step itself, as einsum does it */
        term tmp[EIN_MAXOPS];
        memcpy(tmp, ts, sizeof(term) * (size_t)m);
        for (int k = j; k + 1 < m; k++)
            tmp[k] = tmp[k + 1];
        for (int k = i; k + 1 < m - 1; k++)
            tmp[k] = tmp[k + 1];
        tmp[m - 2] = r;
        memcpy(ts, tmp, sizeof(term) * (size_t)(m - 1));
        m--;
    }
    if (report) {
        char full[EIN_MAXLAB * 64 + 8];
        term orig[EIN_MAXOPS];
        for (int op = 0; op < n; op++) {
            orig[op].nd = sp.nd[op];
            memcpy(orig[op].lab, sp.lab[op], sizeof(int) * (size_t)sp.nd[op]);
        }
        report_terms(full, sizeof full, orig, n, &out, used);
        const char *rule =
            "--------------------------------------------------------------------------";
        snprintf(head, HEAD_CAP,
                 "  Complete contraction:  %s\n         Naive scaling:  %d\n     Optimized "
                 "scaling:  %d\n      Naive FLOP count:  %.3e\n  Optimized FLOP count:  %.3e\n   "
                 "Theoretical speedup:  %.3f\n  Largest intermediate:  %.3e elements\n%s\nscaling"
                 "                  current                                remaining\n%s",
                 full, naive_scale, opt_scale, naive, opt_flops + 1, naive / (opt_flops + 1),
                 largest, rule, rule);
        size_t hl = strlen(head);
        char *rep = malloc(hl + lk + 1);
        if (!rep) {
            free(pp);
            free(lines);
            free(head);
            return numc_error_set(NUMC_ERR_MEMORY, "einsum_path: out of memory");
        }
        memcpy(rep, head, hl);
        memcpy(rep + hl, lines, lk);
        rep[hl + lk] = 0;
        *report = rep;
    }
    free(lines);
    free(head);
    *path = pp;
    *path_len = np_;
    return NUMC_OK;
}

/* ---- vecdot ---- */

numc_array *numc_vecdot(const numc_array *x1, const numc_array *x2, int64_t axis) {
    for (int i = 0; i < 2; i++) {
        const numc_array *v = i ? x2 : x1;
        if (v->ndim == 0) {
            numc_error_set(NUMC_ERR_VALUE,
                           "vecdot: Input operand %d does not have enough dimensions (has 0, "
                           "gufunc core with signature (n),(n)->() requires 1)",
                           i);
            return NULL;
        }
    }
    int64_t a1, a2;
    if (np_norm_axis(axis, x1->ndim, &a1, NULL) || np_norm_axis(axis, x2->ndim, &a2, NULL))
        return NULL;
    if (x1->shape[a1] != x2->shape[a2]) {
        numc_error_set(NUMC_ERR_VALUE,
                       "vecdot: Input operand 1 has a mismatch in its core dimension 0, with "
                       "gufunc signature (n),(n)->() (size %lld is different from %lld)",
                       (long long)x2->shape[a2], (long long)x1->shape[a1]);
        return NULL;
    }
    numc_dtype dt = numc_result_type(2, NP_ARRAY_OF(x1, x2));
    if (dt == NUMC_DTYPE_NONE) return NULL;
    np_scope s;
    np_scope_init(&s);
    /* the core axis last in both, then conj(x1) * x2 summed over it */
    int64_t p1[NUMC_MAX_DIMS], p2[NUMC_MAX_DIMS];
    for (int d = 0, k = 0; d < x1->ndim; d++)
        if (d != a1) p1[k++] = d;
    p1[x1->ndim - 1] = a1;
    for (int d = 0, k = 0; d < x2->ndim; d++)
        if (d != a2) p2[k++] = d;
    p2[x2->ndim - 1] = a2;
    numc_array *u = np_transpose(&s, np_cvt(&s, x1, dt), p1);
    numc_array *v = np_transpose(&s, np_cvt(&s, x2, dt), p2);
    if (u && numc_dt_is_complex(dt)) u = np_un(&s, NUMC_PRIM_CONJ, u);
    if (!u || !v) return np_ret(&s, NULL);
    int64_t shape[NUMC_MAX_DIMS];
    int nd;
    if (np_broadcast_shapes(2, NP_ARRAY_OF(u, v), &nd, shape)) return np_ret(&s, NULL);
    u = np_bcast(&s, u, nd, shape);
    v = np_bcast(&s, v, nd, shape);
    numc_prim mul = dt == NUMC_BOOL ? NUMC_PRIM_AND : NUMC_PRIM_MUL;
    numc_array *w = np_bin(&s, mul, u, v);
    int64_t last = nd - 1;
    numc_prim red = dt == NUMC_BOOL ? NUMC_PRIM_REDUCE_OR : NUMC_PRIM_REDUCE_SUM;
    return np_ret(&s, np_reduce(&s, red, w, &last, 1));
}
