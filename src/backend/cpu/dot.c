/* dot.c — CPU kernel for dot_general (batch and contracting dims).
 *
 * The operands are viewed as (batch, M, K) x (batch, K, N) -> (batch, M, N),
 * with M/N the lhs/rhs free dims and the output C-contiguous. Everything is
 * computed in a "compute type" picked from the output dtype: float32 for
 * float16/bfloat16/float32 (so halves accumulate in float32, like NumPy),
 * float64, complex64, complex128 (all through OpenBLAS, or own loops for
 * tiny matrices), or uint64 for integers and bool (own loops, wrapping
 * arithmetic; bool is "any a&b", as NumPy).
 * Operands already in the compute type go to BLAS as they are whenever their
 * strides fit a (possibly transposed) leading-dimension layout; otherwise they
 * are packed (and converted) into contiguous buffers first.
 * One thread budget: OpenBLAS runs single-threaded and numc's own pool
 * (NUMC_NUM_THREADS, whose idle workers sleep on a condition variable) splits
 * each product over batch and rows. OpenBLAS's own workers would otherwise
 * busy-wait between calls and fight another library's pool (NumPy's
 * OpenBLAS, PyTorch's) for the same cores. */
#include "ew-impl.h"
#include "struct-util.h"

#include <cblas.h>
#include <limits.h>

/* From load on, so that threadpoolctl and friends report it single-threaded
 * (OpenBLAS, a dependency, is initialised before this constructor runs). */
__attribute__((constructor)) static void blas_single_threaded(void) {
    openblas_set_num_threads(1);
}

typedef enum { CT_F32, CT_F64, CT_C64, CT_C128, CT_U64 } ctype;

static const size_t ct_size[] = {4, 8, 8, 16, 8};

static bool ct_for(numc_dtype out, numc_dtype in, ctype *ct) {
    switch (out) {
    case NUMC_FLOAT16:
    case NUMC_BFLOAT16:
    case NUMC_FLOAT32:
        *ct = CT_F32;
        break;
    case NUMC_FLOAT64:
        *ct = CT_F64;
        break;
    case NUMC_COMPLEX64:
        *ct = CT_C64;
        break;
    case NUMC_COMPLEX128:
        *ct = CT_C128;
        break;
    default:
        *ct = CT_U64;
        break;
    }
    /* inputs must convert losslessly in kind: no complex -> real, no float -> int */
    if (numc_dt_is_complex(in) && *ct != CT_C64 && *ct != CT_C128) return false;
    if (numc_dt_is_float(in) && *ct == CT_U64) return false;
    return true;
}

/* the dtype whose storage equals the compute type (zero-copy candidates) */
static numc_dtype ct_dtype(ctype ct) {
    static const numc_dtype d[] = {NUMC_FLOAT32, NUMC_FLOAT64, NUMC_COMPLEX64, NUMC_COMPLEX128,
                                   NUMC_DTYPE_NONE};
    return d[ct];
}

/* whether dtype dt is stored exactly as the compute type (int64 and uint64
 * are the uint64 compute type bit for bit) */
static bool native(ctype ct, numc_dtype dt) {
    if (ct == CT_U64) return dt == NUMC_INT64 || dt == NUMC_UINT64;
    return dt == ct_dtype(ct);
}

/* ---- converting row copies: the elementwise convert loops (astype) ---- */

static void cvt_row(ctype ct, numc_dtype src, void *dst, const char *p, int64_t n, int64_t s) {
    numc_dtype to = ct == CT_U64 ? NUMC_UINT64 : ct_dtype(ct);
    char *args[2] = {(char *)p, dst};
    const int64_t steps[2] = {s, (int64_t)ct_size[ct]};
    numc_params prm; /* the convert loop reads its target dtype from i[0] */
    prm.i[0] = to;
    numc_ew_convert_loop(src, to)(args, steps, n, &prm);
}

/* ---- packing: strided operand -> contiguous compute-type buffer ---- */

typedef struct {
    ctype ct;
    numc_dtype src_dt;
    int nd;
    int64_t shape[3 * NUMC_MAX_DIMS], ss[3 * NUMC_MAX_DIMS], ds[3 * NUMC_MAX_DIMS];
    const char *src;
    char *dst;
} pack_ctx;

static void pack_task(void *vctx, int64_t begin, int64_t end) {
    const pack_ctx *c = vctx;
    int nd = c->nd;
    int64_t n = c->shape[nd - 1];
    for (int64_t r = begin; r < end; r++) {
        const char *p = c->src + numc_struct_offset(nd - 1, c->shape, c->ss, r);
        char *d = c->dst + numc_struct_offset(nd - 1, c->shape, c->ds, r);
        cvt_row(c->ct, c->src_dt, d, p, n, c->ss[nd - 1]);
    }
}

/* Packs an operand given as nd dims (shape, byte strides) in the wanted
 * order into a C-contiguous buffer of the compute type. */
static void pack(ctype ct, numc_dtype src_dt, const char *src, int nd, const int64_t *shape,
                 const int64_t *strides, char *dst) {
    pack_ctx c;
    c.ct = ct;
    c.src_dt = src_dt;
    c.src = src;
    c.dst = dst;
    memcpy(c.shape, shape, sizeof(int64_t) * (size_t)nd);
    memcpy(c.ss, strides, sizeof(int64_t) * (size_t)nd);
    numc_struct_contig_bytes(nd, shape, ct_size[ct], c.ds);
    int64_t *st[2] = {c.ss, c.ds};
    c.nd = numc_struct_coalesce(nd, c.shape, 2, st);
    if (c.nd == 0) {
        c.nd = 1;
        c.shape[0] = 1;
        c.ss[0] = c.ds[0] = 0;
    }
    int64_t rows = numc_struct_prod(c.nd - 1, c.shape);
    numc_parallel_for(rows, c.shape[c.nd - 1], pack_task, &c);
}

/* Whether an operand already is C-contiguous in the (batch, rows, cols)
 * order given (so it needs no packing when its dtype is the compute type). */
static bool is_packed(int nd, const int64_t *shape, const int64_t *strides, size_t csz) {
    int64_t want = (int64_t)csz;
    for (int d = nd - 1; d >= 0; d--) {
        if (shape[d] != 1 && strides[d] != want) return false;
        want *= shape[d];
    }
    return true;
}

/* ---- BLAS layout of a strided matrix ----
 * A rows x cols matrix with element strides (srow, scol) fits BLAS row-major
 * as-is (ld = srow, unit column stride) or transposed (ld = scol, unit row
 * stride); strides of length-1 dims do not matter. */
typedef struct {
    bool ok, trans;
    int64_t ld;
} blas_mat;

static blas_mat fit_matrix(int64_t rows, int64_t cols, int64_t srow, int64_t scol) {
    blas_mat m = {false, false, 0};
    int64_t need_n = cols > 1 ? cols : 1, need_t = rows > 1 ? rows : 1;
    if (cols == 1 || scol == 1) {
        int64_t ld = rows == 1 ? need_n : srow;
        if (ld >= need_n) return (blas_mat){true, false, ld};
    }
    if (rows == 1 || srow == 1) {
        int64_t ld = cols == 1 ? need_t : scol;
        if (ld >= need_t) return (blas_mat){true, true, ld};
    }
    return m;
}

/* ---- own loops: integers and bool, and tiny matrices of any type ----
 * Operands packed to (batch, M, K) and (batch, K, N); each task computes
 * whole rows of C, accumulating c[j] += a[k] * b[k][j] over k so the inner
 * loop runs along contiguous rows of b and c. */

/* matrices with at most this many multiply-adds skip BLAS's call overhead */
#define SMALL_GEMM 16384

typedef struct {
    ctype ct;
    const char *a, *b;
    char *c;
    int64_t M, N, K;
} loop_ctx;

#define MADD_R(c, a, b) ((c) + (a) * (b))
#define MADD_C(c, a, b)                                                                            \
    ((__typeof__(c)){(c).re + ((a).re * (b).re - (a).im * (b).im),                                 \
                     (c).im + ((a).re * (b).im + (a).im * (b).re)})

/* The first k initialises the row (MADD onto ZERO, so bit for bit what
 * adding to a zeroed row gives, -0.0 products included); later k go four at
 * a time through one pass over the row, each element still accumulated in
 * k order, so the results do not depend on the blocking. With K == 1 this
 * is a batched outer product: one vectorised write pass per row. */
#define LOOP_ROWS(T, ZERO, MADD)                                                                   \
    {                                                                                              \
        const int64_t M = x->M, N = x->N, K = x->K;                                                \
        const T *A = (const T *)x->a, *Bp = (const T *)x->b;                                       \
        T *C = (T *)x->c;                                                                          \
        int64_t bi = begin / M, ri = begin - bi * M; /* no division per row */                     \
        for (int64_t r = begin; r < end; r++, ri++) {                                              \
            if (ri == M) {                                                                         \
                ri = 0;                                                                            \
                bi++;                                                                              \
            }                                                                                      \
            const T *arow = A + r * K;                                                             \
            const T *bm = Bp + bi * K * N;                                                         \
            T *restrict crow = C + r * N;                                                          \
            const T a0 = arow[0];                                                                  \
            for (int64_t j = 0; j < N; j++)                                                        \
                crow[j] = MADD(ZERO, a0, bm[j]);                                                   \
            int64_t k = 1;                                                                         \
            for (; k + 4 <= K; k += 4) {                                                           \
                const T v0 = arow[k], v1 = arow[k + 1], v2 = arow[k + 2], v3 = arow[k + 3];        \
                const T *b0 = bm + k * N, *b1 = b0 + N, *b2 = b1 + N, *b3 = b2 + N;                \
                for (int64_t j = 0; j < N; j++) {                                                  \
                    T t = crow[j];                                                                 \
                    t = MADD(t, v0, b0[j]);                                                        \
                    t = MADD(t, v1, b1[j]);                                                        \
                    t = MADD(t, v2, b2[j]);                                                        \
                    t = MADD(t, v3, b3[j]);                                                        \
                    crow[j] = t;                                                                   \
                }                                                                                  \
            }                                                                                      \
            for (; k < K; k++) {                                                                   \
                const T av = arow[k];                                                              \
                const T *brow = bm + k * N;                                                        \
                for (int64_t j = 0; j < N; j++)                                                    \
                    crow[j] = MADD(crow[j], av, brow[j]);                                          \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    break;

static void loop_task(void *vctx, int64_t begin, int64_t end) {
    const loop_ctx *x = vctx;
    switch (x->ct) {
    case CT_F32:
        LOOP_ROWS(float, 0.0f, MADD_R)
    case CT_F64:
        LOOP_ROWS(double, 0.0, MADD_R)
    case CT_C64:
        LOOP_ROWS(numc_complex64, ((numc_complex64){0, 0}), MADD_C)
    case CT_C128:
        LOOP_ROWS(numc_complex128, ((numc_complex128){0, 0}), MADD_C)
    case CT_U64:
        LOOP_ROWS(uint64_t, 0, MADD_R)
    }
}

/* ---- compute-type result -> output dtype ---- */

static void store_result(ctype ct, const void *src, numc_array *out) {
    numc_dtype from = ct == CT_U64 ? NUMC_UINT64 : ct_dtype(ct);
    char *args[2] = {(char *)src, numc_array_ptr(out)};
    const int64_t steps[2] = {(int64_t)ct_size[ct], (int64_t)numc_dtype_info[out->dtype].itemsize};
    numc_params prm;
    prm.i[0] = out->dtype;
    numc_ew_convert_loop(from, out->dtype)(args, steps, out->size, &prm);
}

/* ---- BLAS calls ---- */

static void gemm(ctype ct, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const void *a,
                 int64_t lda, const void *b, int64_t ldb, void *c, int64_t ldc) {
    enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans, TB = tb ? CblasTrans : CblasNoTrans;
    static const numc_complex64 one64 = {1, 0}, zero64 = {0, 0};
    static const numc_complex128 one128 = {1, 0}, zero128 = {0, 0};
    switch (ct) {
    case CT_F32:
        cblas_sgemm(CblasRowMajor, TA, TB, (blasint)M, (blasint)N, (blasint)K, 1.0f, a,
                    (blasint)lda, b, (blasint)ldb, 0.0f, c, (blasint)ldc);
        break;
    case CT_F64:
        cblas_dgemm(CblasRowMajor, TA, TB, (blasint)M, (blasint)N, (blasint)K, 1.0, a, (blasint)lda,
                    b, (blasint)ldb, 0.0, c, (blasint)ldc);
        break;
    case CT_C64:
        cblas_cgemm(CblasRowMajor, TA, TB, (blasint)M, (blasint)N, (blasint)K, &one64, a,
                    (blasint)lda, b, (blasint)ldb, &zero64, c, (blasint)ldc);
        break;
    case CT_C128:
        cblas_zgemm(CblasRowMajor, TA, TB, (blasint)M, (blasint)N, (blasint)K, &one128, a,
                    (blasint)lda, b, (blasint)ldb, &zero128, c, (blasint)ldc);
        break;
    default:
        break;
    }
}

/* y = op(A) x where A is rows x cols row-major with lda (op = transpose if ta) */
static void gemv(ctype ct, bool ta, int64_t rows, int64_t cols, const void *a, int64_t lda,
                 const void *x, int64_t incx, void *y) {
    enum CBLAS_TRANSPOSE TA = ta ? CblasTrans : CblasNoTrans;
    static const numc_complex64 one64 = {1, 0}, zero64 = {0, 0};
    static const numc_complex128 one128 = {1, 0}, zero128 = {0, 0};
    blasint r = (blasint)rows, c = (blasint)cols, l = (blasint)lda, ix = (blasint)incx;
    switch (ct) {
    case CT_F32:
        cblas_sgemv(CblasRowMajor, TA, r, c, 1.0f, a, l, x, ix, 0.0f, y, 1);
        break;
    case CT_F64:
        cblas_dgemv(CblasRowMajor, TA, r, c, 1.0, a, l, x, ix, 0.0, y, 1);
        break;
    case CT_C64:
        cblas_cgemv(CblasRowMajor, TA, r, c, &one64, a, l, x, ix, &zero64, y, 1);
        break;
    case CT_C128:
        cblas_zgemv(CblasRowMajor, TA, r, c, &one128, a, l, x, ix, &zero128, y, 1);
        break;
    default:
        break;
    }
}

/* a group of dims of one role: their sizes and byte strides */
typedef struct {
    int n;
    int64_t shape[NUMC_MAX_DIMS], s[NUMC_MAX_DIMS];
} dims;

/* ---- BLAS products split over numc's pool ----
 * The (batch, M) rows of C are cut into contiguous ranges; each range calls
 * BLAS on the sub-block of A's rows it covers (for M == 1 a row is a whole
 * batch entry). */
typedef struct {
    ctype ct;
    blas_mat A, Bm;
    int64_t M, N, K;
    size_t csz;
    const char *lbuf, *rbuf, *lp, *rp;
    const dims *bl, *br;
    char *cp;
} blas_ctx;

static void blas_task(void *vctx, int64_t begin, int64_t end) {
    const blas_ctx *x = vctx;
    const int64_t M = x->M, N = x->N, K = x->K;
    const size_t csz = x->csz;
    for (int64_t r = begin; r < end;) {
        int64_t b = r / M, i0 = r - b * M, i1 = M;
        if (b * M + i1 > end) i1 = end - b * M;
        const char *a = x->lbuf ? x->lbuf + (size_t)(b * M * K) * csz
                                : x->lp + numc_struct_offset(x->bl->n, x->bl->shape, x->bl->s, b);
        const char *bb = x->rbuf ? x->rbuf + (size_t)(b * K * N) * csz
                                 : x->rp + numc_struct_offset(x->br->n, x->br->shape, x->br->s, b);
        char *c = x->cp + (size_t)(b * M * N + i0 * N) * csz;
        int64_t rows = i1 - i0;
        /* row i0 of A: element (i, k) sits at i*ld + k, or i + k*ld transposed */
        a += (size_t)(x->A.trans ? i0 : i0 * x->A.ld) * csz;
        if (N == 1) {
            /* matrix-vector: the rhs column is a vector with stride ld (or 1) */
            int64_t inc = x->Bm.trans ? 1 : x->Bm.ld; /* transposed only when K == 1 */
            if (x->A.trans)
                gemv(x->ct, true, K, rows, a, x->A.ld, bb, inc, c);
            else
                gemv(x->ct, false, rows, K, a, x->A.ld, bb, inc, c);
        } else if (M == 1) {
            /* vector-matrix: y = B^T a, the lhs row is a vector */
            int64_t inc = x->A.trans ? x->A.ld : 1;
            if (x->Bm.trans)
                gemv(x->ct, false, N, K, bb, x->Bm.ld, a, inc, c);
            else
                gemv(x->ct, true, K, N, bb, x->Bm.ld, a, inc, c);
        } else {
            gemm(x->ct, x->A.trans, x->Bm.trans, rows, N, K, a, x->A.ld, bb, x->Bm.ld, c, N);
        }
        r = b * M + i1;
    }
}

/* Smaller products run on the calling thread: waking the pool (and, with
 * NumPy in the process, competing with its OpenBLAS threads that spin
 * between calls) costs more than the split saves (2 cores, 2026). */
#define BLAS_SPLIT_MADDS (1 << 22)

/* ---- the driver ---- */

numc_status numc_cpu_dot_general(numc_prim p, int nin, const numc_array *const *in,
                                 const numc_params *pr, numc_array *const *outv) {
    (void)p;
    if (nin != 2) return numc_error_set(NUMC_ERR_VALUE, "dot_general takes 2 operands");
    const numc_array *lhs = in[0], *rhs = in[1];
    numc_array *out = outv[0];
    /* params: [nc, lc x nc, rc x nc, nb, lb x nb, rb x nb, out dtype] */
    if (pr->n < 2) return numc_error_set(NUMC_ERR_VALUE, "dot_general: malformed parameters");
    int64_t nc = pr->i[0];
    if (nc < 0 || 2 + 2 * nc > pr->n)
        return numc_error_set(NUMC_ERR_VALUE, "dot_general: malformed parameters");
    int64_t nb = pr->i[1 + 2 * nc];
    if (nb < 0 || 3 + 2 * nc + 2 * nb > pr->n)
        return numc_error_set(NUMC_ERR_VALUE, "dot_general: malformed parameters");
    const int64_t *lc = pr->i + 1, *rc = pr->i + 1 + nc, *lb = pr->i + 2 + 2 * nc,
                  *rb = pr->i + 2 + 2 * nc + nb;
    ctype ct;
    if (lhs->dtype != rhs->dtype || !ct_for(out->dtype, lhs->dtype, &ct))
        return numc_error_set(NUMC_ERR_TYPE, "dot_general: cannot compute %s x %s -> %s",
                              numc_dtype_info[lhs->dtype].name, numc_dtype_info[rhs->dtype].name,
                              numc_dtype_info[out->dtype].name);

    int64_t ls[NUMC_MAX_DIMS], rs[NUMC_MAX_DIMS];
    numc_struct_byte_strides(lhs, ls);
    numc_struct_byte_strides(rhs, rs);
    int lrole[NUMC_MAX_DIMS] = {0}, rrole[NUMC_MAX_DIMS] = {0}; /* 0 free, 1 contract, 2 batch */
    dims bl = {0}, br = {0}, kl = {0}, kr = {0}, m = {0}, n = {0};
    for (int64_t k = 0; k < nb + nc; k++) {
        bool batch = k < nb;
        int64_t a = batch ? lb[k] : lc[k - nb], b = batch ? rb[k] : rc[k - nb];
        if (a < 0 || a >= lhs->ndim || b < 0 || b >= rhs->ndim || lrole[a] || rrole[b] ||
            lhs->shape[a] != rhs->shape[b])
            return numc_error_set(NUMC_ERR_VALUE, "dot_general: bad %s dimension pair (%lld, %lld)",
                                  batch ? "batch" : "contracting", (long long)a, (long long)b);
        lrole[a] = rrole[b] = batch ? 2 : 1;
        dims *dl = batch ? &bl : &kl, *dr = batch ? &br : &kr;
        dl->shape[dl->n] = dr->shape[dr->n] = lhs->shape[a];
        dl->s[dl->n++] = ls[a];
        dr->s[dr->n++] = rs[b];
    }
    for (int d = 0; d < lhs->ndim; d++)
        if (!lrole[d]) {
            m.shape[m.n] = lhs->shape[d];
            m.s[m.n++] = ls[d];
        }
    for (int d = 0; d < rhs->ndim; d++)
        if (!rrole[d]) {
            n.shape[n.n] = rhs->shape[d];
            n.s[n.n++] = rs[d];
        }
    int64_t B = numc_struct_prod(bl.n, bl.shape), M = numc_struct_prod(m.n, m.shape),
            N = numc_struct_prod(n.n, n.shape), K = numc_struct_prod(kl.n, kl.shape);
    if (out->size != B * M * N)
        return numc_error_set(NUMC_ERR_VALUE,
                              "dot_general: output has %lld elements, expected %lld",
                              (long long)out->size, (long long)(B * M * N));
    if (out->size == 0) return NUMC_OK;
    size_t csz = ct_size[ct];
    if (K == 0) {
        /* empty sums: zeros of the output dtype */
        memset(numc_array_ptr(out), 0, (size_t)out->size * numc_struct_isz(out->dtype));
        return NUMC_OK;
    }
    if (M > INT_MAX || N > INT_MAX || K > INT_MAX)
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED,
                              "dot_general: dimension too large for BLAS");

    /* Full operand geometry in (batch, rows, cols) order, for packing. */
    int64_t lsh[3 * NUMC_MAX_DIMS], lst[3 * NUMC_MAX_DIMS], rsh[3 * NUMC_MAX_DIMS],
        rst[3 * NUMC_MAX_DIMS];
    int ln = 0, rn = 0;
    for (int d = 0; d < bl.n; d++) {
        lsh[ln] = bl.shape[d];
        lst[ln++] = bl.s[d];
    }
    for (int d = 0; d < m.n; d++) {
        lsh[ln] = m.shape[d];
        lst[ln++] = m.s[d];
    }
    for (int d = 0; d < kl.n; d++) {
        lsh[ln] = kl.shape[d];
        lst[ln++] = kl.s[d];
    }
    for (int d = 0; d < br.n; d++) {
        rsh[rn] = br.shape[d];
        rst[rn++] = br.s[d];
    }
    for (int d = 0; d < kr.n; d++) {
        rsh[rn] = kr.shape[d];
        rst[rn++] = kr.s[d];
    }
    for (int d = 0; d < n.n; d++) {
        rsh[rn] = n.shape[d];
        rst[rn++] = n.s[d];
    }

    const char *lp = numc_array_ptr(lhs), *rp = numc_array_ptr(rhs);
    char *lbuf = NULL, *rbuf = NULL, *cbuf = NULL;
    numc_status st = NUMC_OK;

    if (ct == CT_U64 || M * N * K <= SMALL_GEMM) {
        bool direct = native(ct, out->dtype), in_native = native(ct, lhs->dtype);
        bool lpacked = in_native && is_packed(ln, lsh, lst, csz);
        bool rpacked = in_native && is_packed(rn, rsh, rst, csz);
        lbuf = lpacked ? NULL : malloc((size_t)(B * M * K) * csz);
        rbuf = rpacked ? NULL : malloc((size_t)(B * K * N) * csz);
        cbuf = direct ? NULL : malloc((size_t)(B * M * N) * csz);
        if ((!lpacked && !lbuf) || (!rpacked && !rbuf) || (!direct && !cbuf)) {
            st = numc_error_set(NUMC_ERR_MEMORY, "dot_general: out of memory");
            goto done;
        }
        if (lbuf) pack(ct, lhs->dtype, lp, ln, lsh, lst, lbuf);
        if (rbuf) pack(ct, rhs->dtype, rp, rn, rsh, rst, rbuf);
        loop_ctx x = {
            ct, lbuf ? lbuf : lp, rbuf ? rbuf : rp, direct ? numc_array_ptr(out) : cbuf, M, N, K};
        /* K == 1 (batched outer products) is one streaming write per row:
         * waking the pool costs more than it saves below a few MB */
        numc_parallel_for(B * M, K == 1 ? N / 16 + 1 : N * K + 1, loop_task, &x);
        if (!direct) store_result(ct, cbuf, out);
        goto done;
    }

    /* BLAS types. Zero-copy needs the storage to be the compute type and
     * the free/contracting dims to collapse to one strided dim each. */
    dims kk = kl;
    int64_t krs[NUMC_MAX_DIMS];
    memcpy(krs, kr.s, sizeof krs);
    int64_t *kst[2] = {kk.s, krs};
    int knd = numc_struct_coalesce(kk.n, kk.shape, 2, kst);
    dims mm = m, nn = n;
    int64_t *mst[1] = {mm.s}, *nst[1] = {nn.s};
    int mnd = numc_struct_coalesce(mm.n, mm.shape, 1, mst);
    int nnd = numc_struct_coalesce(nn.n, nn.shape, 1, nst);
    bool same = lhs->dtype == ct_dtype(ct);
    int64_t isz = (int64_t)csz;
    blas_mat A = {false, false, 0}, Bm = {false, false, 0};
    if (same && knd <= 1 && mnd <= 1) {
        int64_t sm = mnd ? mm.s[0] : 0, sk = knd ? kk.s[0] : 0;
        if (sm % isz == 0 && sk % isz == 0) A = fit_matrix(M, K, sm / isz, sk / isz);
    }
    if (same && knd <= 1 && nnd <= 1) {
        int64_t sn = nnd ? nn.s[0] : 0, sk = knd ? krs[0] : 0;
        if (sn % isz == 0 && sk % isz == 0) Bm = fit_matrix(K, N, sk / isz, sn / isz);
    }
    if (!A.ok) {
        lbuf = malloc((size_t)(B * M * K) * csz);
        if (!lbuf) {
            st = numc_error_set(NUMC_ERR_MEMORY, "dot_general: out of memory");
            goto done;
        }
        pack(ct, lhs->dtype, lp, ln, lsh, lst, lbuf);
        A = (blas_mat){true, false, K};
    }
    if (!Bm.ok) {
        rbuf = malloc((size_t)(B * K * N) * csz);
        if (!rbuf) {
            st = numc_error_set(NUMC_ERR_MEMORY, "dot_general: out of memory");
            goto done;
        }
        pack(ct, rhs->dtype, rp, rn, rsh, rst, rbuf);
        Bm = (blas_mat){true, false, N};
    }
    bool direct = out->dtype == ct_dtype(ct);
    char *cp = numc_array_ptr(out);
    if (!direct) {
        cbuf = malloc((size_t)(B * M * N) * csz);
        if (!cbuf) {
            st = numc_error_set(NUMC_ERR_MEMORY, "dot_general: out of memory");
            goto done;
        }
        cp = cbuf;
    }
    /* threadpoolctl may have raised it (it sees this OpenBLAS too) */
    if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
    blas_ctx x = {ct, A, Bm, M, N, K, csz, lbuf, rbuf, lp, rp, &bl, &br, cp};
    /* cost units per row such that the pool wakes above BLAS_SPLIT_MADDS */
    int64_t row_cost = N * K / (BLAS_SPLIT_MADDS / NUMC_PARALLEL_THRESHOLD) + 1;
    numc_parallel_for(B * M, row_cost, blas_task, &x);
    if (!direct) store_result(ct, cbuf, out);
done:
    free(lbuf);
    free(rbuf);
    free(cbuf);
    return st;
}
