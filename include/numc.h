/* numc.h — the public C API of numc: NumPy's API on an immutable-tensor engine.
 *
 * Tutorial
 * --------
 *     #include <numc.h>
 *
 *     int64_t shape[2] = {2, 3};
 *     double data[6] = {1, 2, 3, 4, 5, 6};
 *     numc_array *x = numc_array_from_data(NUMC_FLOAT64, 2, shape, data);
 *     numc_array *e = numc_exp(x);                     // elementwise, eager
 *     int64_t axis = 1;
 *     numc_array *s = numc_sum(e, &axis, 1, true, NUMC_DTYPE_NONE);
 *     numc_array *y = numc_divide(e, s);               // broadcasting (2,3)/(2,1)
 *     if (!y) { fprintf(stderr, "%s\n", numc_error_message()); return 1; }
 *     numc_array_print(y, stdout);                     // formatted like NumPy
 *     numc_array_release(x); numc_array_release(e);
 *     numc_array_release(s); numc_array_release(y);
 *
 * Conventions
 * -----------
 * - Arrays are immutable values with an atomic reference count. Every function
 *   that returns a `numc_array *` returns a new reference (release it with
 *   numc_array_release) or NULL on failure. Arguments are borrowed.
 * - On failure the thread-local numc_error_kind()/numc_error_message() say why;
 *   the kinds map one-to-one to NumPy's Python exceptions.
 * - `numc_<name>` implements NumPy's `<name>` with NumPy 2 semantics: dtype
 *   promotion (NEP 50: 0-d arrays made with numc_scalar_* are "weak" like Python
 *   scalars), broadcasting, axis normalisation and NumPy's error messages.
 * - An axis list is (const int64_t *axes, int naxes); axes == NULL means None.
 *   A dtype argument of NUMC_DTYPE_NONE means "NumPy's default".
 *
 * Linking
 * -------
 *     cc prog.c -lnumc                                   (shared library)
 *     cc prog.c -Wl,--whole-archive libnumc.a -Wl,--no-whole-archive \
 *        -lopenblas -llapacke -lsleef -lm -lpthread      (static library)
 * The transformation rules (gradients, batching, control flow) register
 * themselves when the library loads, from an object nothing names: a static
 * link must keep the whole archive, or numc_tape_gradient and friends report
 * that the rules are missing.
 */
#ifndef NUMC_H
#define NUMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NUMC_MAX_DIMS 32

/* ---- dtypes: one X-macro list (ENUM, name, C storage type, itemsize, kind,
 * class) ----
 * kind is NumPy's dtype.kind: 'b' bool, 'i' signed, 'u' unsigned, 'f' float,
 * 'c' complex. class says how values are loaded, stored and computed: B bool,
 * S signed, U unsigned, H float16/bfloat16 (uint16_t bit patterns computed in
 * float32), F float, C complex. The list drives the enum below, the dtype
 * table, the scalar codec (numc_value) and the kernels' per-dtype loops. */
#define NUMC_DTYPE_LIST(X)                                                                         \
    X(BOOL, bool, uint8_t, 1, 'b', B)                                                              \
    X(INT8, int8, int8_t, 1, 'i', S)                                                               \
    X(INT16, int16, int16_t, 2, 'i', S)                                                            \
    X(INT32, int32, int32_t, 4, 'i', S)                                                            \
    X(INT64, int64, int64_t, 8, 'i', S)                                                            \
    X(UINT8, uint8, uint8_t, 1, 'u', U)                                                            \
    X(UINT16, uint16, uint16_t, 2, 'u', U)                                                         \
    X(UINT32, uint32, uint32_t, 4, 'u', U)                                                         \
    X(UINT64, uint64, uint64_t, 8, 'u', U)                                                         \
    X(FLOAT16, float16, uint16_t, 2, 'f', H)                                                       \
    X(BFLOAT16, bfloat16, uint16_t, 2, 'f', H)                                                     \
    X(FLOAT32, float32, float, 4, 'f', F)                                                          \
    X(FLOAT64, float64, double, 8, 'f', F)                                                         \
    X(COMPLEX64, complex64, numc_complex64, 8, 'c', C)                                             \
    X(COMPLEX128, complex128, numc_complex128, 16, 'c', C)

typedef struct {
    float re, im;
} numc_complex64;
typedef struct {
    double re, im;
} numc_complex128;

typedef enum {
#define NUMC_X_(E, n, t, s, k, K) NUMC_##E,
    NUMC_DTYPE_LIST(NUMC_X_)
#undef NUMC_X_
        NUMC_DTYPE_COUNT,
    NUMC_DTYPE_NONE = -1
} numc_dtype;

const char *numc_dtype_name(numc_dtype dt); /* "float32" */
size_t numc_dtype_itemsize(numc_dtype dt);
char numc_dtype_kind(numc_dtype dt);               /* 'b' 'i' 'u' 'f' 'c' */
numc_dtype numc_dtype_from_name(const char *name); /* NUMC_DTYPE_NONE if unknown */

/* One element of any dtype, widened: kind 'b' and 'i' hold it in i, 'u' in u,
 * 'f' in re, 'c' in re and im. */
typedef struct {
    char kind;
    int64_t i;
    uint64_t u;
    double re, im;
} numc_value;
/* Reads one element of dtype dt from host memory (any alignment). */
numc_value numc_value_load(numc_dtype dt, const void *src);
/* Writes v as one element of dtype dt with NumPy's (unsafe) cast: to bool
 * nonzero; complex to real drops the imaginary part; float to integer
 * truncates; integers wrap; float16/bfloat16 round to nearest even. */
void numc_value_store(numc_dtype dt, void *dst, numc_value v);

/* ---- errors ---- */
typedef enum {
    NUMC_OK = 0,
    NUMC_ERR_VALUE,           /* ValueError */
    NUMC_ERR_TYPE,            /* TypeError */
    NUMC_ERR_INDEX,           /* IndexError */
    NUMC_ERR_AXIS,            /* numpy.exceptions.AxisError */
    NUMC_ERR_MEMORY,          /* MemoryError */
    NUMC_ERR_OVERFLOW,        /* OverflowError */
    NUMC_ERR_ZERO_DIVISION,   /* ZeroDivisionError */
    NUMC_ERR_NOT_IMPLEMENTED, /* NotImplementedError */
    NUMC_ERR_RUNTIME,         /* RuntimeError */
    NUMC_ERR_LINALG,          /* numc.linalg.LinAlgError */
} numc_status;

numc_status numc_error_kind(void);
const char *numc_error_message(void);
void numc_error_clear(void);
/* Sets the thread-local error; returns `kind` so callers can `return numc_error_set(...)`. */
numc_status numc_error_set(numc_status kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* -- fin7 block: dtype names -- */
/* *out = numc_dtype_from_name(name), or NumPy's TypeError "data type 'name'
 * not understood". */
numc_status numc_dtype_parse(const char *name, numc_dtype *out);
/* -- end fin7 block -- */

/* ---- configuration ---- */
void numc_set_default_float(numc_dtype dt); /* NUMC_FLOAT64 (default) or NUMC_FLOAT32 */
numc_dtype numc_default_float(void);
numc_dtype numc_default_int(void);       /* int64 */
numc_dtype numc_default_complex(void);   /* complex matching the default float */
void numc_set_allow_float64(bool allow); /* false: float64 requests become float32 */
bool numc_allow_float64(void);
/* TF's experimental_enable_numpy_behavior(prefer_float32=...). */
void numc_enable_numpy_behavior(bool prefer_float32);
int numc_num_threads(void);
void numc_set_num_threads(int n);

/* ---- arrays ---- */
typedef struct numc_array numc_array;

numc_array *numc_array_retain(numc_array *a);
void numc_array_release(numc_array *a);
int numc_array_ndim(const numc_array *a);
const int64_t *numc_array_shape(const numc_array *a);
const int64_t *numc_array_strides(const numc_array *a); /* in elements */
int64_t numc_array_size(const numc_array *a);
numc_dtype numc_array_dtype(const numc_array *a);
bool numc_array_is_weak(const numc_array *a);
/* Host pointer to element [0,...,0] of a CPU array (NULL on other devices).
 * Read only: values are immutable. */
const void *numc_array_data(const numc_array *a);
bool numc_array_is_contiguous(const numc_array *a);
/* Marks the buffer as exported (seen by a foreign view), which disables
 * in-place updates on it. */
void numc_array_mark_exported(numc_array *a);

/* Creation from host memory (copied, C order). data may be NULL for zeros. */
numc_array *numc_array_from_data(numc_dtype dt, int ndim, const int64_t *shape, const void *data);
/* Like from_data, but data is laid out with the given byte strides. */
numc_array *numc_array_from_strided(numc_dtype dt, int ndim, const int64_t *shape,
                                    const int64_t *byte_strides, const void *data);
/* ---- threads block (issue 10): zero-copy views of foreign host memory ---- */
/* An array viewing host memory it does not own (byte strides, any sign; NULL
 * for C order), without copying: the caller promises the memory stays
 * unchanged until release(owner) is called, once, when the last array using
 * it goes (from any thread). The buffer counts as exported, so it is never
 * updated in place. NULL with NUMC_ERR_VALUE (release not called) when the
 * strides or the address are not multiples of the itemsize. */
numc_array *numc_array_from_foreign(numc_dtype dt, int ndim, const int64_t *shape,
                                    const int64_t *byte_strides, const void *data,
                                    void (*release)(void *owner), void *owner);
/* ---- end of threads block ---- */
/* Copies the array into `dst` in C order (numc_array_size * itemsize bytes). */
numc_status numc_array_to_host(const numc_array *a, void *dst);
/* 0-d "weak" scalars: they behave like Python scalars in promotion (NEP 50). */
numc_array *numc_scalar_bool(bool v);
numc_array *numc_scalar_i64(int64_t v);
numc_array *numc_scalar_f64(double v);
numc_array *numc_scalar_c128(double re, double im);
/* 0-d strongly typed scalar of dtype dt from a double / complex value. */
numc_array *numc_scalar_of(numc_dtype dt, double re, double im);
/* Reads element `flat_index` (C order) as double / complex. */
numc_status numc_array_get_f64(const numc_array *a, int64_t flat_index, double *re, double *im);
/* Reads element `flat_index` (C order) exactly (int64/uint64 included), through
 * the array's device. */
numc_status numc_array_item(const numc_array *a, int64_t flat_index, numc_value *out);

/* ---- devices ----
 * Every array's buffer lives on a device; "cpu:0" is always present and is
 * the default. Names are "<kind>:<index>"; "cpu" means "cpu:0". */
int numc_device_count(void);
/* Name of device i (0 <= i < numc_device_count()), NULL otherwise. */
const char *numc_device_name(int i);
/* Index of the device called `name`; -1 and a ValueError naming it if there
 * is none. */
int numc_device_find(const char *name);
const char *numc_default_device(void);
/* The device holding a's value ("cpu:0"); a tracer reports the default
 * device, where its value will be computed. */
const char *numc_array_device(const numc_array *a);

/* NumPy-formatted output (repr is "array([...], dtype=...)"). Returned strings
 * are malloc'ed; free them with free(). */
char *numc_array_repr(const numc_array *a);
char *numc_array_str(const numc_array *a);
void numc_array_print(const numc_array *a, FILE *f);

/* ---- allocator ---- */
typedef struct {
    size_t bytes_in_use; /* held by live buffers */
    size_t bytes_cached; /* free blocks kept for reuse */
    size_t peak_bytes_in_use;
    uint64_t n_allocs;        /* requests served */
    uint64_t n_cache_hits;    /* requests served from the cache */
    uint64_t n_system_allocs; /* requests that reached the system allocator */
    uint64_t n_live_buffers;
} numc_alloc_stats;
void numc_allocator_stats(numc_alloc_stats *out); /* CPU device */
void numc_allocator_trim(void);                   /* release the cache */
int64_t numc_live_arrays(void);                   /* live array handles (leak checks) */

/* ---- promotion ---- */
numc_dtype numc_promote_types(numc_dtype a, numc_dtype b);
/* NEP 50 result type of arrays (weak 0-d scalars count as Python scalars). */
numc_dtype numc_result_type(int n, const numc_array *const *arrays);
/* casting: "no" "equiv" "safe" "same_kind" "unsafe" */
bool numc_can_cast(numc_dtype from, numc_dtype to, const char *casting);

/* ---- creation ---- */
numc_array *numc_zeros(int ndim, const int64_t *shape, numc_dtype dt);
numc_array *numc_ones(int ndim, const int64_t *shape, numc_dtype dt);
numc_array *numc_empty(int ndim, const int64_t *shape, numc_dtype dt);
/* fill_value is a 0-d array; dt NONE takes the fill value's type. */
numc_array *numc_full(int ndim, const int64_t *shape, const numc_array *fill_value, numc_dtype dt);
numc_array *numc_zeros_like(const numc_array *a, numc_dtype dt);
numc_array *numc_ones_like(const numc_array *a, numc_dtype dt);
numc_array *numc_empty_like(const numc_array *a, numc_dtype dt);
numc_array *numc_full_like(const numc_array *a, const numc_array *fill_value, numc_dtype dt);
/* arange with NumPy's length rule ceil((stop - start) / step); dt must be given. */
numc_array *numc_arange(double start, double stop, double step, numc_dtype dt);
numc_array *numc_linspace(double start, double stop, int64_t num, bool endpoint, numc_dtype dt);
numc_array *numc_eye(int64_t n, int64_t m, int64_t k, numc_dtype dt);
numc_array *numc_identity(int64_t n, numc_dtype dt);
numc_array *numc_copy(const numc_array *a);
numc_array *numc_astype(const numc_array *a, numc_dtype dt);

/* ---- elementwise ----
 * The API spec lists: one X-macro per signature. Columns: NumPy name, the
 * array-API alias (or the name itself). They declare numc_<name>, drive the
 * Python bindings and the rows of the conformance tests. */
#define NUMC_UNARY_API(X)                                                                          \
    X(negative, negative)                                                                          \
    X(positive, positive) X(absolute, abs) X(fabs, fabs) X(sign, sign) X(floor, floor)             \
        X(ceil, ceil) X(rint, rint) X(trunc, trunc) X(fix, fix) X(exp, exp) X(exp2, exp2)          \
            X(expm1, expm1) X(log, log) X(log2, log2) X(log10, log10) X(log1p, log1p)              \
                X(sqrt, sqrt) X(square, square) X(cbrt, cbrt) X(reciprocal, reciprocal)            \
                    X(sin, sin) X(cos, cos) X(tan, tan) X(arcsin, asin) X(arccos, acos)            \
                        X(arctan, atan) X(sinh, sinh) X(cosh, cosh) X(tanh, tanh)                  \
                            X(arcsinh, asinh) X(arccosh, acosh) X(arctanh, atanh)                  \
                                X(deg2rad, deg2rad) X(rad2deg, rad2deg) X(isnan, isnan)            \
                                    X(isinf, isinf) X(isfinite, isfinite) X(isposinf, isposinf)    \
                                        X(isneginf, isneginf) X(signbit, signbit)                  \
                                            X(logical_not, logical_not) X(invert, bitwise_invert)  \
                                                X(bitwise_count, bitwise_count) X(real, real)      \
                                                    X(imag, imag) X(conjugate, conj)               \
                                                        X(angle, angle) X(sinc, sinc)              \
                                                            X(iscomplex, iscomplex)                \
                                                                X(isreal, isreal)

#define NUMC_BINARY_API(X)                                                                         \
    X(add, add)                                                                                    \
    X(subtract, subtract) X(multiply, multiply) X(divide, divide) X(floor_divide, floor_divide)    \
        X(remainder, remainder) X(fmod, fmod) X(power, pow) X(float_power, float_power)            \
            X(maximum, maximum) X(minimum, minimum) X(fmax, fmax) X(fmin, fmin) X(arctan2, atan2)  \
                X(hypot, hypot) X(nextafter, nextafter) X(copysign, copysign) X(equal, equal)      \
                    X(not_equal, not_equal) X(less, less) X(less_equal, less_equal)                \
                        X(greater, greater) X(greater_equal, greater_equal)                        \
                            X(logical_and, logical_and) X(logical_or, logical_or)                  \
                                X(logical_xor, logical_xor) X(bitwise_and, bitwise_and)            \
                                    X(bitwise_or, bitwise_or) X(bitwise_xor, bitwise_xor)          \
                                        X(left_shift, bitwise_left_shift)                          \
                                            X(right_shift, bitwise_right_shift)                    \
                                                X(heaviside, heaviside) X(logaddexp, logaddexp)    \
                                                    X(logaddexp2, logaddexp2) X(ldexp, ldexp)

/* Further names for the same functions (NumPy aliases). */
#define NUMC_ALIAS_API(X)                                                                          \
    X(absolute, absolute)                                                                          \
    X(conjugate, conj) X(divide, true_divide) X(remainder, mod) X(power, power)                    \
        X(invert, bitwise_not) X(arcsin, arcsin) X(arccos, arccos) X(arctan, arctan)               \
            X(arcsinh, arcsinh) X(arccosh, arccosh) X(arctanh, arctanh) X(arctan2, arctan2)        \
                X(left_shift, left_shift) X(right_shift, right_shift) X(invert, invert)

#define NUMC_X_(name, alias) numc_array *numc_##name(const numc_array *x);
NUMC_UNARY_API(NUMC_X_)
#undef NUMC_X_
#define NUMC_X_(name, alias) numc_array *numc_##name(const numc_array *a, const numc_array *b);
NUMC_BINARY_API(NUMC_X_)
#undef NUMC_X_

/* out[0] = a // b, out[1] = a % b */
numc_status numc_divmod(const numc_array *a, const numc_array *b, numc_array **out);
/* out[0] = fractional part, out[1] = integral part */
numc_status numc_modf(const numc_array *x, numc_array **out);
numc_array *numc_where(const numc_array *cond, const numc_array *x, const numc_array *y);
/* lo or hi may be NULL (None). */
numc_array *numc_clip(const numc_array *a, const numc_array *lo, const numc_array *hi);
/* decimals as in np.round */
numc_array *numc_round(const numc_array *a, int64_t decimals);

/* ---- reductions ---- (dt NONE = NumPy's default accumulator type) */
#define NUMC_REDUCE_API(X) X(sum) X(prod) X(max) X(min) X(any) X(all) X(mean) X(ptp)
#define NUMC_X_(name)                                                                              \
    numc_array *numc_##name(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,    \
                            numc_dtype dt);
NUMC_REDUCE_API(NUMC_X_)
#undef NUMC_X_
numc_array *numc_var(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt, double ddof);
numc_array *numc_std(const numc_array *a, const int64_t *axes, int naxes, bool keepdims,
                     numc_dtype dt, double ddof);
numc_array *numc_count_nonzero(const numc_array *a, const int64_t *axes, int naxes, bool keepdims);
/* axis NULL = flattened */
numc_array *numc_argmax(const numc_array *a, const int64_t *axis, bool keepdims);
numc_array *numc_argmin(const numc_array *a, const int64_t *axis, bool keepdims);
numc_array *numc_cumsum(const numc_array *a, const int64_t *axis, numc_dtype dt);
numc_array *numc_cumprod(const numc_array *a, const int64_t *axis, numc_dtype dt);
/* -- fin7 block: np.cumulative_sum/prod -- axis NULL is allowed for 0-d and
 * 1-d inputs only (ValueError otherwise); include_initial prepends the
 * identity (0 or 1) along the axis. */
numc_array *numc_cumulative_sum(const numc_array *a, const int64_t *axis, numc_dtype dt,
                                bool include_initial);
numc_array *numc_cumulative_prod(const numc_array *a, const int64_t *axis, numc_dtype dt,
                                 bool include_initial);
/* -- end fin7 block -- */

/* ---- sorting, searching, sets (issue 8, branch sort) ----
 * Every sort is stable (NumPy's kind= choices give the stable answer); NaNs
 * sort last, complex lexicographically on (real, imag). axis NULL = flattened. */
numc_array *numc_sort(const numc_array *a, const int64_t *axis);
numc_array *numc_argsort(const numc_array *a, const int64_t *axis);
/* indices that keep a (1-d, sorted; or sorted by `sorter`, NULL = none)
 * sorted when v's elements are inserted before them (right: after equal ones) */
numc_array *numc_searchsorted(const numc_array *a, const numc_array *v, bool right,
                              const numc_array *sorter);
/* the stable permutation sorting by keys[n-1], then keys[n-2], ... */
numc_array *numc_lexsort(int n, const numc_array *const *keys, int64_t axis);
/* kth: nkth indices along the axis (negative from the end); done by a full sort */
numc_array *numc_partition(const numc_array *a, const int64_t *kth, int nkth,
                           const int64_t *axis);
numc_array *numc_argpartition(const numc_array *a, const int64_t *kth, int nkth,
                              const int64_t *axis);
/* element's entries that occur in test (NaN never does) */
numc_array *numc_isin(const numc_array *element, const numc_array *test, bool invert);
/* Data-dependent shapes: eager only (a traced operand is a TypeError). */
numc_array *numc_argwhere(const numc_array *a);
numc_array *numc_flatnonzero(const numc_array *a);
numc_array *numc_extract(const numc_array *cond, const numc_array *arr);
/* out[0..4) = sorted unique values, index of each one's first occurrence,
 * inverse (a's shape for axis NULL, else (a.shape[axis],)), counts. With an
 * axis the unique slices along it are found (lexicographic order). */
numc_status numc_unique(const numc_array *a, const int64_t *axis, bool equal_nan,
                        numc_array **out);
numc_array *numc_union1d(const numc_array *a, const numc_array *b);
numc_array *numc_setdiff1d(const numc_array *a, const numc_array *b, bool assume_unique);
numc_array *numc_setxor1d(const numc_array *a, const numc_array *b, bool assume_unique);
/* out[0..3) = the common values, their indices in a and in b */
numc_status numc_intersect1d(const numc_array *a, const numc_array *b, bool assume_unique,
                             numc_array **out);
/* ---- end sorting, searching, sets ---- */

/* ---- manipulation ---- */
/* shape may contain one -1 */
numc_array *numc_reshape(const numc_array *a, int ndim, const int64_t *shape);
numc_array *numc_ravel(const numc_array *a);
/* perm NULL reverses the axes */
numc_array *numc_transpose(const numc_array *a, const int64_t *perm, int nperm);
numc_array *numc_matrix_transpose(const numc_array *a);
numc_array *numc_swapaxes(const numc_array *a, int64_t a1, int64_t a2);
numc_array *numc_moveaxis(const numc_array *a, const int64_t *src, const int64_t *dst, int n);
numc_array *numc_expand_dims(const numc_array *a, const int64_t *axes, int naxes);
/* axes NULL squeezes every length-1 axis */
numc_array *numc_squeeze(const numc_array *a, const int64_t *axes, int naxes);
numc_array *numc_broadcast_to(const numc_array *a, int ndim, const int64_t *shape);
/* out receives n new references */
numc_status numc_broadcast_arrays(int n, const numc_array *const *in, numc_array **out);
/* axis NULL flattens first */
numc_array *numc_concatenate(int n, const numc_array *const *in, const int64_t *axis);
numc_array *numc_stack(int n, const numc_array *const *in, int64_t axis);
numc_array *numc_hstack(int n, const numc_array *const *in);
numc_array *numc_vstack(int n, const numc_array *const *in);
/* Splits at the given indices along axis; *nout receives the count and *out a
 * malloc'ed array of new references. indices NULL means np.split(a, sections)
 * (sections 0: ZeroDivisionError, negative: ValueError, as NumPy). */
numc_status numc_split(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                       int64_t axis, numc_array ***out, int *nout);
/* axes NULL flips every axis */
numc_array *numc_flip(const numc_array *a, const int64_t *axes, int naxes);

/* ==== manip2: more manipulation and creation (branch manip) ===========
 * np.pad: pad_width an integer array broadcastable to (ndim, 2); mode one of
 * NumPy's names ('median' is not supported yet: NotImplementedError, 'empty'
 * fills with zeros); constant_values / end_values / stat_length /
 * reflect_type NULL when not given (given to a mode that does not take them:
 * ValueError, as NumPy). */
numc_array *numc_pad(const numc_array *a, const numc_array *pad_width, const char *mode,
                     const numc_array *constant_values, const numc_array *end_values,
                     const numc_array *stat_length, const char *reflect_type);
numc_array *numc_fliplr(const numc_array *m);
numc_array *numc_flipud(const numc_array *m);
/* axes: exactly two (ValueError otherwise, as NumPy) */
numc_array *numc_rot90(const numc_array *m, int64_t k, const int64_t *axes, int naxes);
/* shift and axes broadcast together; axes NULL rolls the flattened array */
numc_array *numc_roll(const numc_array *a, const int64_t *shift, int nshift, const int64_t *axes,
                      int naxes);
numc_array *numc_tile(const numc_array *a, const int64_t *reps, int nreps);
/* repeats: a concrete integer array of size 1 or a.shape[axis]; axis NULL
 * flattens first */
numc_array *numc_repeat(const numc_array *a, const numc_array *repeats, const int64_t *axis);
/* dt NONE = float64 */
numc_array *numc_tri(int64_t n, int64_t m, int64_t k, numc_dtype dt);
numc_array *numc_tril(const numc_array *a, int64_t k);
numc_array *numc_triu(const numc_array *a, int64_t k);
numc_array *numc_diagonal(const numc_array *a, int64_t offset, int64_t axis1, int64_t axis2);
/* np.trace (numc_trace names the tracing API); dt NONE = np.sum's accumulator */
numc_array *numc_diagonal_sum(const numc_array *a, int64_t offset, int64_t axis1, int64_t axis2,
                       numc_dtype dt);
numc_array *numc_diag(const numc_array *v, int64_t k);
numc_array *numc_diagflat(const numc_array *v, int64_t k);
numc_array *numc_atleast_1d(const numc_array *a);
numc_array *numc_atleast_2d(const numc_array *a);
numc_array *numc_atleast_3d(const numc_array *a);
numc_array *numc_column_stack(int n, const numc_array *const *in);
numc_array *numc_dstack(int n, const numc_array *const *in);
/* As numc_split; sections need not divide the axis (np.array_split). */
numc_status numc_array_split(const numc_array *a, int64_t sections, const int64_t *indices,
                             int nindices, int64_t axis, numc_array ***out, int *nout);
/* np.split along axis 1 (0 for 1-d) / 0 / 2 */
numc_status numc_hsplit(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                        numc_array ***out, int *nout);
numc_status numc_vsplit(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                        numc_array ***out, int *nout);
numc_status numc_dsplit(const numc_array *a, int64_t sections, const int64_t *indices, int nindices,
                        numc_array ***out, int *nout);
/* *out: a malloc'ed array of a.shape[axis] new references */
numc_status numc_unstack(const numc_array *a, int64_t axis, numc_array ***out, int *nout);
numc_array *numc_isclose(const numc_array *a, const numc_array *b, double rtol, double atol,
                         bool equal_nan);
/* The whole-array tests read their result (eager values only). */
numc_status numc_allclose(const numc_array *a, const numc_array *b, double rtol, double atol,
                          bool equal_nan, bool *out);
numc_status numc_array_equal(const numc_array *a, const numc_array *b, bool equal_nan, bool *out);
numc_status numc_array_equiv(const numc_array *a, const numc_array *b, bool *out);
bool numc_iscomplexobj(const numc_array *x);
bool numc_isrealobj(const numc_array *x);
/* posinf / neginf NULL: the dtype's largest / most negative finite value */
numc_array *numc_nan_to_num(const numc_array *x, double nan, const double *posinf,
                            const double *neginf);
/* ValueError "array must not contain infs or NaNs" (eager values only) */
numc_array *numc_asarray_chkfinite(const numc_array *a, numc_dtype dt);
/* (row, column) index arrays, new references in out[0], out[1]; m < 0 = n */
numc_status numc_tril_indices(int64_t n, int64_t k, int64_t m, numc_array **out);
numc_status numc_triu_indices(int64_t n, int64_t k, int64_t m, numc_array **out);
numc_status numc_tril_indices_from(const numc_array *a, int64_t k, numc_array **out);
numc_status numc_triu_indices_from(const numc_array *a, int64_t k, numc_array **out);
/* out receives ndim copies of arange(n) */
numc_status numc_diag_indices(int64_t n, int ndim, numc_array **out);
numc_status numc_diag_indices_from(const numc_array *a, numc_array **out);
/* dense: out[0] is the (ndim, *dims) grid; sparse: out[0..ndim) */
numc_status numc_indices(int ndim, const int64_t *dims, numc_dtype dt, bool sparse,
                         numc_array **out);
/* out[0..n): the grids (copies); xy: NumPy's default Cartesian indexing */
numc_status numc_meshgrid(int n, const numc_array *const *xi, bool sparse, bool xy,
                          numc_array **out);
/* axis NULL: the flattened array (indices 1-d) */
numc_array *numc_take_along_axis(const numc_array *arr, const numc_array *indices,
                                 const int64_t *axis);
/* NumPy's in-place functions update *target as index assignment does
 * (numc_setitem: in place when nothing else sees the buffer, otherwise the
 * reference is replaced by the updated value). */
numc_status numc_put_along_axis(numc_array **target, const numc_array *indices,
                                const numc_array *values, const int64_t *axis);
numc_status numc_fill_diagonal(numc_array **target, const numc_array *val, bool wrap);
/* axis NULL: both flattened */
numc_array *numc_append(const numc_array *arr, const numc_array *values, const int64_t *axis);
numc_array *numc_resize(const numc_array *a, int ndim, const int64_t *shape);
/* n < 0: len(x) columns */
numc_array *numc_vander(const numc_array *x, int64_t n, bool increasing);
/* dt NONE = float64 */
numc_array *numc_logspace(double start, double stop, int64_t num, bool endpoint, double base,
                          numc_dtype dt);
/* out receives ndim int64 arrays; fortran: order='F' */
numc_status numc_unravel_index(const numc_array *indices, int ndim, const int64_t *dims,
                               bool fortran, numc_array **out);
/* mode "raise", "wrap" or "clip" */
numc_array *numc_ravel_multi_index(int n, const numc_array *const *multi, int ndim,
                                   const int64_t *dims, const char *mode, bool fortran);
numc_array *numc_select(int n, const numc_array *const *conds, const numc_array *const *choices,
                        const numc_array *dflt);
/* Data-dependent shapes (compress, delete, trim_zeros): concrete arguments
 * only. axis NULL flattens. */
numc_array *numc_compress(const numc_array *condition, const numc_array *a, const int64_t *axis);
/* obj: integer positions or a boolean mask along the axis */
numc_array *numc_delete(const numc_array *arr, const numc_array *obj, const int64_t *axis);
/* trim: "f", "b" or "fb"; axes NULL: every axis */
numc_array *numc_trim_zeros(const numc_array *a, const char *trim, const int64_t *axes,
                            int naxes);
/* np.ix_: out[k] reshaped to length along axis k only (a boolean input gives
 * its nonzero positions: concrete values only) */
numc_status numc_ix(int n, const numc_array *const *in, numc_array **out);
/* real start and stop; dt NONE = float64 */
numc_array *numc_geomspace(double start, double stop, int64_t num, bool endpoint, numc_dtype dt);
/* obj: integer positions (concrete; a 0-d obj inserts along the values'
 * first axis, as NumPy does); axis NULL flattens */
numc_array *numc_insert(const numc_array *arr, const numc_array *obj, const numc_array *values,
                        const int64_t *axis);
/* ==== end of manip2 ===================================================== */

/* ==== Indexing and index assignment ====================================
 * NumPy 2's indexing: integers, slices, numc's newaxis and Ellipsis, integer
 * and boolean arrays (advanced indexing: index arrays broadcast together and
 * their dims placed where NumPy places them), mixed freely. A key is an array
 * of numc_index items, one per entry of the Python index tuple. */
typedef enum {
    NUMC_INDEX_INT,      /* i */
    NUMC_INDEX_SLICE,    /* start:stop:step, each optional (has_*) as in Python */
    NUMC_INDEX_NEWAXIS,  /* None */
    NUMC_INDEX_ELLIPSIS, /* ... */
    NUMC_INDEX_ARRAY,    /* an integer or boolean array (a 0-d one indexes like a scalar) */
    NUMC_INDEX_BOOL,     /* True / False: a new axis of length 1 / 0 */
} numc_index_kind;
typedef struct numc_index {
    numc_index_kind kind;
    int64_t i; /* INT: the index; BOOL: 0 or 1 */
    int64_t start, stop, step;
    uint8_t has_start, has_stop, has_step; /* 0: that slice field is None */
    const numc_array *array;               /* ARRAY (borrowed) */
} numc_index;
/* Keys longer than this are an IndexError (nothing of idx is read then). */
#define NUMC_MAX_INDICES (2 * NUMC_MAX_DIMS)

/* a[idx[0], ..., idx[n-1]]. An eager basic index is a view (no copy); traced
 * or taped values and advanced indices go through primitives (slice, rev,
 * reshape, gather), so transforms see every step. A boolean mask needs a
 * concrete value (the result's shape depends on it). */
numc_array *numc_getitem(const numc_array *a, int n, const numc_index *idx);
/* a[idx...] = value. *target is a reference the caller owns: when nothing
 * else can observe its buffer (the only reference to an eager array whose
 * buffer is not shared or exported) the update is written in place and
 * *target stays; otherwise *target is released and replaced by the
 * functional update (a previously taken reference keeps the old value).
 * value is cast unsafely to the target's dtype (as NumPy's setitem does) and
 * broadcast to the indexed shape (leading length-1 dims may be dropped). On
 * failure *target is unchanged. */
numc_status numc_setitem(numc_array **target, int n, const numc_index *idx,
                         const numc_array *value);
/* np.nonzero (and np.where(cond)) of a concrete array: out receives ndim int64
 * arrays (new references); a 0-d input is a ValueError, as in NumPy 2. */
numc_status numc_nonzero(const numc_array *a, numc_array **out);

/* Basic slicing: per axis start/stop/step already normalised by the caller. */
numc_array *numc_slice(const numc_array *a, const int64_t *start, const int64_t *stop,
                       const int64_t *step);
/* np.take(a, indices, axis); axis NULL flattens. Negative indices wrap;
 * out-of-range ones are an IndexError. */
numc_array *numc_take(const numc_array *a, const numc_array *indices, const int64_t *axis);

/* Functional update for `a[basic index] = value`: returns a copy of `a` whose
 * region start:stop:step (per axis, normalised; step may be negative) holds
 * `value` broadcast to the region's shape and cast (unsafely, as NumPy's
 * setitem does) to a's dtype. Built from primitives, so it differentiates. */
numc_array *numc_setitem_slice(const numc_array *a, const int64_t *start, const int64_t *stop,
                               const int64_t *step, const numc_array *value);
/* ==== end of Indexing and index assignment ============================== */

/* ==== Casting for out= and in-place operators ===========================
 * A ufunc result r stored into an existing array (`out=`, `a += b`): r cast
 * to the destination dtype under same_kind casting ("Cannot cast ufunc
 * 'add' output from dtype('float64') to dtype('int64') ..." TypeError
 * otherwise; `ufunc` names the ufunc in the message). New reference. */
numc_array *numc_cast_for_output(const numc_array *r, numc_dtype dt, const char *ufunc);
/* r broadcast to out's shape ("non-broadcastable output operand ..."
 * ValueError otherwise), then cast as numc_cast_for_output to out's dtype:
 * the value `out` takes. New reference. */
numc_array *numc_fit_output(const numc_array *r, const numc_array *out, const char *ufunc);
/* ==== end of Casting for out= and in-place operators ==================== */

/* ---- linear algebra ---- */
numc_array *numc_matmul(const numc_array *a, const numc_array *b);
numc_array *numc_dot(const numc_array *a, const numc_array *b);
numc_array *numc_vdot(const numc_array *a, const numc_array *b);
numc_array *numc_inner(const numc_array *a, const numc_array *b);
numc_array *numc_outer(const numc_array *a, const numc_array *b);
/* axes_a/axes_b NULL with n = k means the integer form tensordot(a, b, k) */
numc_array *numc_tensordot(const numc_array *a, const numc_array *b, const int64_t *axes_a,
                           const int64_t *axes_b, int n);

/* ---- automatic differentiation (reverse mode) ----
 * A tape records, while it is active, every primitive that touches a watched
 * value; gradient() walks the records backwards through each primitive's VJP
 * rule. Rules compute with the same primitives, so a tape active during
 * another tape's gradient() records the backward pass (higher order). */
typedef struct numc_tape numc_tape;
/* Creates a tape and makes it active (pushes it on this thread's stack). */
numc_tape *numc_tape_new(bool persistent);
/* Stops recording (pops it); gradient() may be called before or after. */
void numc_tape_stop(numc_tape *t);
void numc_tape_free(numc_tape *t);
numc_status numc_tape_watch(numc_tape *t, const numc_array *x);
bool numc_tape_is_watched(const numc_tape *t, const numc_array *x);
/* d(target)/d(sources[i]). output_gradient NULL means ones (an implicit sum
 * over a non-scalar target, as TensorFlow does). grads[i] is a new reference,
 * or NULL when sources[i] is unconnected (zeros instead when
 * unconnected_zero). Integer or bool sources get NULL. A non-persistent tape
 * answers one gradient() call. */
numc_status numc_tape_gradient(numc_tape *t, const numc_array *target, int nsources,
                               const numc_array *const *sources, const numc_array *output_gradient,
                               bool unconnected_zero, numc_array **grads);
/* TensorFlow's GradientTape.jacobian: jac[i] = d(target)/d(sources[i]), of
 * shape target.shape + sources[i].shape (one backward pass per element of
 * target). jac[i] is a new reference, or NULL when sources[i] is unconnected
 * (zeros instead when unconnected_zero) or not inexact. ValueError when a
 * result would have more than NUMC_MAX_DIMS dimensions. A non-persistent tape
 * answers one gradient() or jacobian() call. */
numc_status numc_tape_jacobian(numc_tape *t, const numc_array *target, int nsources,
                               const numc_array *const *sources, bool unconnected_zero,
                               numc_array **jac);
/* x's value, cut from every tape (and from differentiation under every
 * transform): its derivative is zero. New reference, or NULL on error. */
numc_array *numc_stop_gradient(const numc_array *x);

/* A function of arrays for numc_value_and_grad: sets *result (a new
 * reference) and returns NUMC_OK, or returns an error. */
typedef numc_status (*numc_fn)(void *payload, int nargs, numc_array *const *args,
                               numc_array **result);
/* value = f(args); grads[k] = d value / d args[argnums[k]]. The value must be
 * a real scalar (ValueError otherwise) and the differentiated arguments
 * inexact (TypeError otherwise), as JAX's value_and_grad requires. */
numc_status numc_value_and_grad(numc_fn f, void *payload, int nargs, numc_array *const *args,
                                int nargnums, const int *argnums, numc_array **value,
                                numc_array **grads);

/* ---- dtype info ---- */
typedef struct {
    int bits;
    double eps, max, min, tiny, smallest_normal, smallest_subnormal, resolution, epsneg;
    int precision, maxexp, minexp, nmant, nexp, iexp;
    numc_dtype dtype;
} numc_finfo_t;
typedef struct {
    int bits;
    int64_t min;
    uint64_t max;
    numc_dtype dtype;
} numc_iinfo_t;
numc_status numc_finfo(numc_dtype dt, numc_finfo_t *out);
numc_status numc_iinfo(numc_dtype dt, numc_iinfo_t *out);

/* ---- NumPy-layer arguments: checks and the ufunc dtype= rule (src/np/args.c) ----
 * The exceptions and messages NumPy gives for bad arguments, so that a
 * binding and a C caller report them alike. Each check returns NUMC_OK or
 * sets and returns the error. */
/* casting: "no" "equiv" "safe" "same_kind" "unsafe"; anything else (NULL too)
 * is a ValueError. */
numc_status numc_check_casting(const char *casting);
/* order: NULL (the default), "C", "K", "A"; "F" is a NotImplementedError
 * (numc arrays are C-ordered); anything else a ValueError. */
numc_status numc_check_order(const char *order);
/* *out = axis normalised into [0, ndim), or an AxisError. */
numc_status numc_normalize_axis(int64_t axis, int ndim, int64_t *out);
/* -- fin7 block: argument checks -- */
/* A shape of ndim dimensions is possible: 0 <= ndim <= NUMC_MAX_DIMS, else
 * NumPy's ValueError "maximum supported dimension ...". */
numc_status numc_check_ndim(int64_t ndim);
/* -- end fin7 block -- */
/* The C-order flat position that a.item(*idx) reads: no index (a must have
 * one element), one flat index, or one index per axis; negative indices
 * count from the end. ValueError or IndexError as NumPy's item(). */
numc_status numc_item_index(const numc_array *a, int nidx, const int64_t *idx, int64_t *flat);
/* np.isdtype(dt, kind) for a kind name ("bool", "signed integer",
 * "unsigned integer", "integral", "real floating", "complex floating",
 * "numeric"); ValueError for another name. */
numc_status numc_isdtype(numc_dtype dt, const char *kind, bool *out);
/* A ufunc called with dtype=: inputs cast to dtype (unsafely), the loop run
 * in dtype, and a non-bool result cast to dtype; NUMC_DTYPE_NONE calls f
 * as is. divmod casts only its inputs. */
typedef numc_array *(*numc_unary_fn)(const numc_array *);
typedef numc_array *(*numc_binary_fn)(const numc_array *, const numc_array *);
numc_array *numc_ufunc_unary(numc_unary_fn f, const numc_array *x, numc_dtype dtype);
numc_array *numc_ufunc_binary(numc_binary_fn f, const numc_array *x, const numc_array *y,
                              numc_dtype dtype);
numc_status numc_ufunc_divmod(const numc_array *x, const numc_array *y, numc_dtype dtype,
                              numc_array **out);
/* ---- end of NumPy-layer arguments ---- */

/* ---- random: NumPy's bit generators and draws (src/np/random.c) ----
 * The same numbers numpy.random produces for the same seed: MT19937 (seeded
 * as RandomState.seed, with the legacy Box-Muller gaussian cache) and PCG64
 * (seeded through NumPy's SeedSequence, as default_rng). A generator is plain
 * data the caller owns; draws fill a new array of the given shape in C order,
 * in the order NumPy draws. */
typedef enum { NUMC_BITGEN_MT19937, NUMC_BITGEN_PCG64 } numc_bitgen_kind;
typedef struct {
    numc_bitgen_kind kind;
    uint32_t mt[624]; /* MT19937 key and position (624: refill next) */
    int mt_pos;
    uint64_t pcg_state[2], pcg_inc[2]; /* PCG64 128-bit state and increment: high, low */
    int has_uint32;                    /* PCG64's buffered upper half */
    uint32_t uinteger;
    int has_gauss; /* RandomState's cached second gaussian */
    double gauss;
} numc_bitgen;
/* RandomState.seed(int): seed in [0, 2**32). */
void numc_mt19937_seed(numc_bitgen *g, uint32_t seed);
/* RandomState.seed(array): init_by_array over n >= 1 words. */
void numc_mt19937_seed_array(numc_bitgen *g, const uint32_t *key, int64_t n);
/* SeedSequence(entropy).generate_state(n_out, uint32) for an entropy already
 * split into 32-bit words (little-endian), without spawn keys. */
void numc_seed_sequence_generate(const uint32_t *entropy, int64_t n, uint32_t *out, int64_t n_out);
/* PCG64(SeedSequence(entropy)). */
void numc_pcg64_seed(numc_bitgen *g, const uint32_t *entropy, int64_t n);
uint32_t numc_bitgen_next32(numc_bitgen *g);
uint64_t numc_bitgen_next64(numc_bitgen *g);
double numc_bitgen_next_double(numc_bitgen *g);
/* Uniform [0, max] by masked rejection (NumPy's random_interval: shuffles). */
uint64_t numc_random_interval(numc_bitgen *g, uint64_t max);
/* [0, 1) doubles (float64) or NumPy's 24-bit floats (float32). */
numc_array *numc_random_random(numc_bitgen *g, numc_dtype dt, int ndim, const int64_t *shape);
/* low + (high - low) * u; OverflowError (RandomState's or Generator's text, by
 * the generator's kind) when high - low is not finite. */
numc_array *numc_random_uniform(numc_bitgen *g, double low, double high, int ndim,
                                const int64_t *shape);
/* off + a uniform integer in [0, rng] of an integer or bool dtype, by NumPy's
 * masked rejection (RandomState) or Lemire's method (Generator), with NumPy's
 * buffering of narrow draws; off and rng are taken modulo the dtype's width. */
numc_array *numc_random_bounded(numc_bitgen *g, numc_dtype dt, uint64_t off, uint64_t rng,
                                bool masked, int ndim, const int64_t *shape);
/* The permutation NumPy's shuffle applies to n items (swaps of i with
 * random_interval(i), i = n-1 ... 1) as an int64 array. */
numc_array *numc_random_permutation_index(numc_bitgen *g, int64_t n);
/* Indices drawn with probabilities p (n of them, already checked): the
 * cumulative sum normalised by its last value, searched (side right) with
 * [0, 1) doubles, as RandomState.choice. */
numc_array *numc_random_choice_cdf(numc_bitgen *g, const double *p, int64_t n, int ndim,
                                   const int64_t *shape);
/* choice(replace=False) with probabilities p: rounds of cumulative-sum draws
 * with the indices taken so far given probability 0, each round keeping the
 * first occurrence of every new index (as NumPy's loop); ValueError "Fewer
 * non-zero entries in p than size". */
numc_array *numc_random_choice_unique(numc_bitgen *g, const double *p, int64_t n, int ndim,
                                      const int64_t *shape);
/* choice's checks of p against a population of pop_size: ValueError with
 * RandomState's or Generator's messages, by the generator's kind. */
numc_status numc_random_check_p(const numc_bitgen *g, const double *p, int64_t n,
                                int64_t pop_size);
/* Generator.choice(pop, count, replace=False) without p: Floyd's algorithm
 * (then shuffled when asked) or, for many of a large population, a partial
 * shuffle, with Lemire-bounded draws as NumPy; an int64 array of count. */
numc_array *numc_random_sample_indices(numc_bitgen *g, int64_t pop, int64_t count, bool shuffle);
/* NumPy's distributions, one row each: X(ID, name, nparams, integer result).
 * Every parameter is broadcast against the others and against size= as
 * NumPy's samplers do; the algorithm follows the generator: RandomState's
 * (legacy Box-Muller gaussians, -log(1-u) exponentials) on MT19937 and
 * Generator's (ziggurat gaussians and exponentials) on PCG64. Parameter names,
 * defaults and NumPy's checks are in numc_random_dist_params. */
#define NUMC_RANDOM_DIST_LIST(X)                                                                   \
    X(NORMAL, normal, 2, 0)                                                                        \
    X(STANDARD_NORMAL, standard_normal, 0, 0)                                                      \
    X(EXPONENTIAL, exponential, 1, 0)                                                              \
    X(STANDARD_EXPONENTIAL, standard_exponential, 0, 0)                                            \
    X(STANDARD_GAMMA, standard_gamma, 1, 0)                                                        \
    X(GAMMA, gamma, 2, 0)                                                                          \
    X(BETA, beta, 2, 0)                                                                            \
    X(CHISQUARE, chisquare, 1, 0)                                                                  \
    X(F, f, 2, 0)                                                                                  \
    X(STANDARD_CAUCHY, standard_cauchy, 0, 0)                                                      \
    X(STANDARD_T, standard_t, 1, 0)                                                                \
    X(LOGNORMAL, lognormal, 2, 0)                                                                  \
    X(LAPLACE, laplace, 2, 0)                                                                      \
    X(GUMBEL, gumbel, 2, 0)                                                                        \
    X(LOGISTIC, logistic, 2, 0)                                                                    \
    X(RAYLEIGH, rayleigh, 1, 0)                                                                    \
    X(WEIBULL, weibull, 1, 0)                                                                      \
    X(PARETO, pareto, 1, 0)                                                                        \
    X(POWER, power, 1, 0)                                                                          \
    X(WALD, wald, 2, 0)                                                                            \
    X(TRIANGULAR, triangular, 3, 0)                                                                \
    X(POISSON, poisson, 1, 1)                                                                      \
    X(GEOMETRIC, geometric, 1, 1)                                                                  \
    X(BINOMIAL, binomial, 2, 1)
typedef enum {
#define NUMC_RD_ENUM_(id, name, np, isint) NUMC_RANDOM_##id,
    NUMC_RANDOM_DIST_LIST(NUMC_RD_ENUM_)
#undef NUMC_RD_ENUM_
        NUMC_RANDOM_DIST_COUNT
} numc_random_dist;
/* A distribution's parameters: names, defaults (NaN: required) and how many. */
typedef struct {
    const char *name;
    int nparams;
    bool integer;
    const char *param[3];
    double dflt[3];
} numc_random_dist_info;
const numc_random_dist_info *numc_random_dist_params(numc_random_dist d);
/* Draws of distribution d with parameter arrays params[nparams] (any real
 * dtype; broadcast together): of shape `shape` when sized (the parameters
 * must broadcast to it), else of the parameters' broadcast shape. float64,
 * or int64 for the integer distributions. NumPy's ValueErrors ("scale < 0",
 * "a <= 0", "lam value too large", ...) are raised before anything is drawn. */
numc_array *numc_random_draw(numc_bitgen *g, numc_random_dist d, const numc_array *const *params,
                             bool sized, int ndim, const int64_t *shape);
/* Generator.standard_normal / standard_exponential with dtype=float32
 * (NumPy's float ziggurats; other distributions: TypeError). */
numc_array *numc_random_draw_f32(numc_bitgen *g, numc_random_dist d, int ndim,
                                 const int64_t *shape);
/* ---- stateful generators under numc.function (src/np/random-rng.c) ----
 * A numc_rng is a reference-counted bit generator. Its draws run at once
 * outside a trace; inside one they become nodes that hold the generator, so
 * each call of the compiled function draws anew and advances the state as
 * the same eager calls would. Same arguments and errors as numc_random_*. */
typedef struct numc_rng numc_rng;
numc_rng *numc_rng_new(void); /* seed it through numc_rng_bitgen */
numc_rng *numc_rng_retain(numc_rng *r);
void numc_rng_release(numc_rng *r);
numc_bitgen *numc_rng_bitgen(numc_rng *r);
numc_array *numc_rng_draw(numc_rng *r, numc_random_dist d, const numc_array *const *params,
                          bool sized, int ndim, const int64_t *shape);
numc_array *numc_rng_draw_f32(numc_rng *r, numc_random_dist d, int ndim, const int64_t *shape);
numc_array *numc_rng_random(numc_rng *r, numc_dtype dt, int ndim, const int64_t *shape);
numc_array *numc_rng_uniform(numc_rng *r, double low, double high, int ndim,
                             const int64_t *shape);
numc_array *numc_rng_bounded(numc_rng *r, numc_dtype dt, uint64_t off, uint64_t rng, bool masked,
                             int ndim, const int64_t *shape);
/* NotImplementedError naming fn inside a trace (draws not yet deferrable:
 * choice, permutation, shuffle). */
numc_status numc_rng_require_eager(const char *fn);
/* ---- stateless random (src/np/random-stateless.c) ----
 * A key is a uint32 array of shape (2,). Draws are pure functions of the key
 * built from the threefry2x32 primitive (Threefry-2x32, 20 rounds), so they
 * are identical eagerly, traced, batched over keys by vmap, and on every
 * device. Not NumPy's streams: numc's own, stable across releases. */
numc_array *numc_random_key(uint64_t seed);
/* num new keys, shape (num, 2). */
numc_array *numc_random_split(const numc_array *key, int64_t num);
/* A new key from a key and a 32-bit value. */
numc_array *numc_random_fold_in(const numc_array *key, uint32_t data);
/* Raw words of dtype uint32 or uint64. */
numc_array *numc_random_bits(const numc_array *key, int ndim, const int64_t *shape,
                             numc_dtype dt);
/* Uniform in [minval, maxval) of a float dtype (half types via float32). */
numc_array *numc_random_stateless_uniform(const numc_array *key, int ndim, const int64_t *shape,
                                          numc_dtype dt, double minval, double maxval);
/* mean + stddev * a standard normal (Box-Muller). */
numc_array *numc_random_stateless_normal(const numc_array *key, int ndim, const int64_t *shape,
                                         numc_dtype dt, double mean, double stddev);
/* Integers in [minval, maxval) (a 64-bit word modulo the range, range <= 2**53). */
numc_array *numc_random_stateless_integers(const numc_array *key, int ndim, const int64_t *shape,
                                           int64_t minval, int64_t maxval, numc_dtype dt);
/* bool draws, True with probability p (broadcast to shape). */
numc_array *numc_random_stateless_bernoulli(const numc_array *key, const numc_array *p, int ndim,
                                            const int64_t *shape);
/* Category indices drawn with probabilities softmax(logits) along axis
 * (the Gumbel-max trick); the axis is removed. */
numc_array *numc_random_stateless_categorical(const numc_array *key, const numc_array *logits,
                                              int64_t axis);
/* ---- end of random ---- */

/* ---- vectorizing map (vmap) ----
 * A batch interpreter maps a computation over one axis of its inputs. While
 * it is active, a batched value (made by numc_batch_wrap) stands for one
 * example: its shape lacks the mapped axis, and every function applied to it
 * runs once over the whole batch through each primitive's batching rule.
 * Rules compute with the same primitives, so vmap composes with tapes (a
 * tape inside: per-example gradients; a tape outside: gradients of a mapped
 * function) and with itself (nested vmap).
 *
 *     numc_batch *b = numc_batch_begin(n);
 *     numc_array *xb = numc_batch_wrap(b, xs, 0);    // xs: (n, 3); xb: (3,)
 *     numc_array *yb = numc_sum(xb, NULL, 0, false, NUMC_DTYPE_NONE);  // ()
 *     numc_array *ys = numc_batch_unwrap(b, yb, 0);  // (n,)
 *     numc_array_release(xb); numc_array_release(yb);
 *     numc_batch_end(b);
 */
/* "Not mapped" (None in Python's in_axes/out_axes): INT_MIN, since negative
 * axes count from the end. */
#define NUMC_NOT_MAPPED (-0x7fffffff - 1)
typedef struct numc_batch numc_batch;
/* Creates a batch interpreter of batch size `size` and makes it active. */
numc_batch *numc_batch_begin(int64_t size);
/* Deactivates and releases it. Batched values still alive afterwards have
 * leaked: using them is an error. */
void numc_batch_end(numc_batch *b);
int64_t numc_batch_size(const numc_batch *b);
/* A batched value whose examples are x's slices along `axis` (negative counts
 * from the end); x->shape[axis] must equal the batch size. New reference. */
numc_array *numc_batch_wrap(numc_batch *b, const numc_array *x, int axis);
/* The stacked form of y: its batch axis moved to out_axis (negative counts
 * from the end of the result); an unbatched y is broadcast along out_axis.
 * out_axis NUMC_NOT_MAPPED returns an unbatched y as is (an error for a
 * batched one). New reference. */
numc_array *numc_batch_unwrap(numc_batch *b, const numc_array *y, int out_axis);
/* Whether y is one of b's batched values. */
bool numc_batch_is_batched(const numc_batch *b, const numc_array *y);
/* *result = vmap(f, in_axes, out_axis)(args): in_axes[i] is the mapped axis of
 * args[i] or NUMC_NOT_MAPPED (in_axes NULL maps every argument along 0). */
numc_status numc_vmap(numc_fn f, void *payload, int nargs, numc_array *const *args,
                      const int *in_axes, int out_axis, numc_array **result);
/* Debug switch: every primitive takes the loop-and-stack fallback (one bind
 * per example) instead of its batching rule. Returns the previous setting. */
bool numc_batch_force_fallback(bool on);

/* ---- graph mode: tracing, compiled graphs, control flow ----
 * A trace interpreter records primitives into a graph instead of computing
 * them. While a trace is active, its inputs (numc_trace_input) are tracers:
 * arrays with a shape and dtype but no value. Everything applied to them
 * (any numc_ function) appends nodes; shape and dtype errors surface at once.
 * Concrete arrays used inside become constants of the graph, and tracers of
 * an outer trace become extra ("captured") inputs.
 *
 *     numc_trace *t = numc_trace_begin();
 *     int64_t n = 3;
 *     numc_array *x = numc_trace_input(t, NUMC_FLOAT64, 1, &n, false);
 *     numc_array *y = numc_sin(x);                     // a tracer
 *     numc_graph *g = numc_trace_end(t, 1, (const numc_array *const *)&y, NULL, NULL);
 *     numc_graph_optimise(g);                          // DCE, CSE, constant folding
 *     numc_array *out;
 *     numc_graph_execute(g, 1, (const numc_array *const *)&concrete_x, &out);
 *
 * A graph runs directly when no transform is active; under a tape or vmap
 * each node is bound through the active transforms (the graph is inlined). */
typedef struct numc_trace numc_trace;
typedef struct numc_graph numc_graph;
/* Pushes a new trace interpreter (on top of whatever is active). */
numc_trace *numc_trace_begin(void);
/* A new graph input: a tracer (new reference). weak: a Python scalar. */
numc_array *numc_trace_input(numc_trace *t, numc_dtype dt, int ndim, const int64_t *shape,
                             bool weak);
/* Ends the trace (pops it) and returns the graph, whose inputs are the
 * numc_trace_input ones followed by the captured values: *captured (a
 * malloc'ed array of new references, *ncaptured of them) lists what to pass
 * for those. With captured NULL, a capture is an error. The trace is freed;
 * tracers still alive afterwards have leaked (using them is an error). On
 * error returns NULL (the trace is ended anyway). */
numc_graph *numc_trace_end(numc_trace *t, int nout, const numc_array *const *outs, int *ncaptured,
                           numc_array ***captured);
/* Makes the concrete array `value` an input of the graph (instead of a
 * constant) wherever the traced code uses it: mutable state such as a
 * Python Variable's current value. Returns the input's position, or -1. */
int numc_trace_input_for(numc_trace *t, const numc_array *value);
/* Ends and discards a trace (error paths). */
void numc_trace_abort(numc_trace *t);
/* Whether the innermost active interpreter is a trace. */
bool numc_trace_active(void);
/* Sets or clears the weak (Python scalar) flag of a trace tracer; other
 * arrays are left alone. (Bindings re-mark weak inputs after wrapping.) */
void numc_trace_mark_weak(numc_array *a, bool weak);
numc_graph *numc_graph_ref(numc_graph *g);
void numc_graph_unref(numc_graph *g);
int numc_graph_num_inputs(const numc_graph *g);
int numc_graph_num_outputs(const numc_graph *g);
/* Shape and dtype of input/output i. */
void numc_graph_input_info(const numc_graph *g, int i, numc_dtype *dt, int *ndim,
                           const int64_t **shape);
void numc_graph_output_info(const numc_graph *g, int i, numc_dtype *dt, int *ndim,
                            const int64_t **shape);
/* Dead-code elimination, CSE, constant folding (results up to 65536
 * elements), then liveness analysis. Idempotent. */
numc_status numc_graph_optimise(numc_graph *g);
/* Removes inputs first..first+n-1 that nothing uses; kept[k] says which of
 * them stayed (the others are no longer passed). */
numc_status numc_graph_prune_inputs(numc_graph *g, int first, int n, bool *kept);
/* Runs the graph: in are its inputs (borrowed), out receives
 * numc_graph_num_outputs new references. Under a transform (a tape, vmap, a
 * trace) the whole graph is one `call` primitive, differentiated and batched
 * by transforming the graph. */
numc_status numc_graph_execute(numc_graph *g, int nin, const numc_array *const *in,
                               numc_array **out);
typedef struct {
    int traced_nodes, cse_merged, folded, dce_removed, nodes, constants, inputs, outputs;
} numc_graph_stats;
void numc_graph_get_stats(const numc_graph *g, numc_graph_stats *out);
/* Text form of the graph (malloc'ed; free with free()). */
char *numc_graph_dump(const numc_graph *g);

/* What a value is, for conversions to host values: NUMC_TRACER_NONE for a
 * concrete array, _LIVE for a tracer of an active trace, _LEAKED for one
 * whose trace has ended, _OTHER for another transform's value. */
typedef enum {
    NUMC_TRACER_NONE = 0,
    NUMC_TRACER_LIVE,
    NUMC_TRACER_LEAKED,
    NUMC_TRACER_OTHER
} numc_tracer_kind;
numc_tracer_kind numc_tracer_kind_of(const numc_array *a);
/* NUMC_OK for a concrete array. Otherwise sets and returns the error to raise
 * when `what` (e.g. "bool", "len", "int", "repr") needs its value: a TypeError
 * naming numc.cond / while_loop / fori_loop / scan for a live tracer, a
 * ValueError about a leaked tracer otherwise. */
numc_status numc_tracer_check(const numc_array *a, const char *what);

/* Control flow. A traced function (for bodies): reads nin arrays, sets *nout
 * and *out (a malloc'ed array of nout new references; the caller frees it).
 * Under the primitives below, args are tracers of a sub-trace. */
typedef numc_status (*numc_traced_fn)(void *payload, int nin, numc_array *const *in, int *nout,
                                      numc_array ***out);
/* out[] = branches[index](operands): index a 0-d integer (clamped into range)
 * or bool (false: branch 0). A concrete index runs one branch directly; a
 * traced one traces every branch (outputs must agree in shape and dtype). */
numc_status numc_cond(const numc_array *index, int nbranches, const numc_traced_fn *branches,
                      void *const *payloads, int nops, const numc_array *const *ops, int *nout,
                      numc_array ***out);
/* carry = init; while cond(carry): carry = body(carry). cond returns one 0-d
 * bool. Staged as a while node under a trace; a Python-style loop otherwise. */
numc_status numc_while_loop(numc_traced_fn cond, void *cond_payload, numc_traced_fn body,
                            void *body_payload, int ncarry, const numc_array *const *init,
                            numc_array **out);
/* (carry, ys) = scan(f, init, xs): f(carry..., x_t...) -> (carry..., y_t...);
 * xs sliced along axis 0 (all of length `length`); ys stacked along axis 0.
 * *nys and *ys (malloc'ed) receive the stacked outputs. */
numc_status numc_scan(numc_traced_fn f, void *payload, int ncarry, const numc_array *const *init,
                      int nxs, const numc_array *const *xs, int64_t length, bool reverse,
                      numc_array **carry_out, int *nys, numc_array ***ys);

/* Traced functions: trace once, call many times (Python's numc.function).
 * The first call with a given signature (each input's dtype, shape and weak
 * flag) traces fn on tracers of those avals, optimises the graph and caches
 * it; later calls with that signature run the cached graph (directly with no
 * transform active; as one `call` primitive under a tape, vmap or an outer
 * trace). fn must be pure: it runs only when a signature is new. A trace that
 * captures tracers of an outer trace (through payload) is run once and not
 * cached. Thread-safe. */
typedef struct numc_function numc_function;
/* payload_free (may be NULL) runs on payload in numc_function_free. */
numc_function *numc_function_new(numc_traced_fn fn, void *payload, void (*payload_free)(void *));
void numc_function_free(numc_function *f);
/* out[0..*nout) = fn(in): new references; *nout (if not NULL) receives the
 * count. ValueError when fn returns more than nout_max arrays. */
numc_status numc_function_call(numc_function *f, int nin, const numc_array *const *in,
                               int nout_max, numc_array **out, int *nout);
/* How many traces of fn succeeded (a new signature, or an uncached capture). */
int64_t numc_function_trace_count(const numc_function *f);
/* Drops every cached signature. */
void numc_function_clear(numc_function *f);

/* numc_function_call in two steps, for bindings that key on more than the
 * arrays and keep data per signature (Python's numc.function: the argument
 * pytree and static values, the output structure, the Variables it reads and
 * assigns). An entry is one traced signature.
 *
 * numc_function_lookup: the entry for in's signature, extended by the bytes
 * key[0..keylen) (key may be NULL when keylen is 0), tracing fn on a miss;
 * *traced (may be NULL) says whether this call's trace made the entry. A
 * trace that captured tracers of an outer trace gives an uncached entry that
 * holds them. *e is a new reference. */
typedef struct numc_function_entry numc_function_entry;
numc_status numc_function_lookup(numc_function *f, const void *key, size_t keylen, int nin,
                                 const numc_array *const *in, numc_function_entry **e,
                                 bool *traced);
void numc_function_entry_release(numc_function_entry *e);
/* Removes e from f's cache (e.g. its state changed shape: the next lookup
 * retraces); the caller's reference stays valid. */
void numc_function_forget(numc_function *f, numc_function_entry *e);
/* Called by fn while f traces on this thread: makes the concrete array value
 * (mutable state, such as a Python Variable's current value) an input of the
 * graph wherever the body uses it, instead of a constant. Returns the state
 * number (0, 1, ... in call order), or -1 on error. State the optimised graph
 * does not read is dropped; the entry lists what it kept. */
int numc_function_state_input(numc_function *f, const numc_array *value);
int numc_function_entry_num_state(const numc_function_entry *e);
/* The state number (as numc_function_state_input returned it) of the entry's
 * k-th state input; -1 when k is out of range. */
int numc_function_entry_state_index(const numc_function_entry *e, int k);
/* Whether state[0..num_state) still have the dtypes and shapes traced with. */
bool numc_function_entry_state_matches(const numc_function_entry *e,
                                       const numc_array *const *state);
/* Runs the entry's graph on the arguments in[0..nin) and the current values
 * of its state inputs; out receives numc_graph_num_outputs(graph) new
 * references. With no transform active the graph runs directly; under a
 * tape, vmap or an outer trace it is one `call` primitive. */
numc_status numc_function_entry_run(const numc_function_entry *e, int nin,
                                    const numc_array *const *in, const numc_array *const *state,
                                    numc_array **out);
/* The entry's optimised graph (borrowed: valid while e is): stats, dumps. */
numc_graph *numc_function_entry_graph(const numc_function_entry *e);
/* Binding data attached to an entry; data_free (may be NULL) runs on it when
 * the entry is freed or the data replaced. */
void *numc_function_entry_data(const numc_function_entry *e);
void numc_function_entry_set_data(numc_function_entry *e, void *data, void (*data_free)(void *));

/* ---- numc.fft (issue 9) ----
 * numpy.fft on numc's own FFT (mixed radix 2/3/4/5/odd, Bluestein for large
 * prime factors; O(n log n) for every length). Results are complex64 for
 * float32/float16/complex64 input and complex128 otherwise (irfft and hfft:
 * the matching real type), as NumPy 2. Every transform is one `fft`
 * primitive, so it differentiates (JAX's rules), batches and traces.
 * n / s entries: NUMC_FFT_DEFAULT is NumPy's None (the 1-D default length);
 * in s, -1 is NumPy's "the whole axis". axes == NULL is None (fft2 & co.:
 * the last two axes). */
#define NUMC_FFT_DEFAULT INT64_MIN
typedef enum {
    NUMC_FFT_NORM_BACKWARD = 0, /* "backward" (and None): 1/n on the inverse */
    NUMC_FFT_NORM_ORTHO = 1,    /* 1/sqrt(n) both ways */
    NUMC_FFT_NORM_FORWARD = 2,  /* 1/n on the forward transform */
} numc_fft_norm;
numc_array *numc_fft_fft(const numc_array *a, int64_t n, int64_t axis, numc_fft_norm norm);
numc_array *numc_fft_ifft(const numc_array *a, int64_t n, int64_t axis, numc_fft_norm norm);
numc_array *numc_fft_rfft(const numc_array *a, int64_t n, int64_t axis, numc_fft_norm norm);
numc_array *numc_fft_irfft(const numc_array *a, int64_t n, int64_t axis, numc_fft_norm norm);
numc_array *numc_fft_hfft(const numc_array *a, int64_t n, int64_t axis, numc_fft_norm norm);
numc_array *numc_fft_ihfft(const numc_array *a, int64_t n, int64_t axis, numc_fft_norm norm);
numc_array *numc_fft_fftn(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                          int naxes, numc_fft_norm norm);
numc_array *numc_fft_ifftn(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                           int naxes, numc_fft_norm norm);
numc_array *numc_fft_rfftn(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                           int naxes, numc_fft_norm norm);
numc_array *numc_fft_irfftn(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                            int naxes, numc_fft_norm norm);
numc_array *numc_fft_fft2(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                          int naxes, numc_fft_norm norm);
numc_array *numc_fft_ifft2(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                           int naxes, numc_fft_norm norm);
numc_array *numc_fft_rfft2(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                           int naxes, numc_fft_norm norm);
numc_array *numc_fft_irfft2(const numc_array *a, const int64_t *s, int ns, const int64_t *axes,
                            int naxes, numc_fft_norm norm);
/* Sample frequencies (float64): fftfreq's [0, 1, ..., -2, -1] / (n d) and
 * rfftfreq's [0, 1, ..., n/2] / (n d); n == 0 or d == 0 raise
 * ZeroDivisionError ("float division by zero") as NumPy's do. */
numc_array *numc_fft_fftfreq(int64_t n, double d);
numc_array *numc_fft_rfftfreq(int64_t n, double d);
/* Rolls the zero frequency to the centre (and back) along axes (NULL: all). */
numc_array *numc_fft_fftshift(const numc_array *x, const int64_t *axes, int naxes);
numc_array *numc_fft_ifftshift(const numc_array *x, const int64_t *axes, int naxes);
/* ---- the compiler (issue 11) ----
 * numc_function_* graphs are fused: elementwise nodes (with the broadcasts
 * feeding them) run as one program over cache-sized tiles, bit-identical to
 * eager, and intermediates of fused groups share one arena buffer per
 * compiled function. The mode: NUMC_JIT_OFF runs node by node,
 * NUMC_JIT_FUSE and NUMC_JIT_ALL fuse (ALL will add generated C: today it
 * is FUSE), NUMC_JIT_DEFAULT follows the environment variable NUMC_JIT
 * (0, 1 or 2; unset: 1). Read when a signature is traced. */
typedef enum {
    NUMC_JIT_DEFAULT = -1,
    NUMC_JIT_OFF = 0,
    NUMC_JIT_FUSE = 1,
    NUMC_JIT_ALL = 2
} numc_jit_mode;
/* Sets f's mode and drops its cached signatures (they retrace in the new
 * mode). ValueError for an unknown mode. */
numc_status numc_function_set_jit(numc_function *f, numc_jit_mode mode);
/* The mode f's next trace uses (NUMC_JIT_DEFAULT resolved). */
numc_jit_mode numc_function_jit(const numc_function *f);
typedef struct {
    int groups;           /* fused groups */
    int fused_ops;        /* nodes they run */
    int arena_values;     /* intermediates placed in the arena */
    int arena_inplace;    /* of those, written over a dead input of their group */
    int64_t arena_bytes;  /* the arena's size */
    int64_t arena_allocs; /* arena buffers allocated by calls so far */
} numc_fusion_stats;
/* All zero for a graph without a fusion plan. */
void numc_graph_fusion_stats(const numc_graph *g, numc_fusion_stats *out);
/* The optimised graph with its fusion groups and memory plan, as text
 * (malloc'ed; free with free()). */
char *numc_graph_lower_text(const numc_graph *g);
/* ---- end of the compiler (issue 11) ---- */
/* ==== breadth2 (issue 8): einsum, vecdot, .npy/.npz, put, place, memory ====
 * einsum: NumPy's subscripts (implicit or explicit output, '...', repeated
 * labels as diagonals) over operands[0..n), lowered to diagonals, sums and
 * pairwise dot_general (differentiable, batchable, traceable). dt NONE: the
 * operands' result type; otherwise each operand must cast to dt under
 * `casting` (NULL = "safe"). path NULL: greedy contraction order; otherwise
 * path[0..path_len) lists steps [k, i1..ik] of indices into the current
 * operand list (contracted terms removed, the result appended), as
 * einsum_path gives them. sum_unlisted_ellipsis: an explicit output without
 * '...' sums the broadcast dims (NumPy's optimize=True) instead of raising. */
numc_array *numc_einsum(const char *subscripts, int n, const numc_array *const *operands,
                        numc_dtype dt, const char *casting, const int64_t *path, int path_len,
                        bool sum_unlisted_ellipsis);
/* The greedy contraction order of einsum as steps [k, i1..ik] (*path, malloc'ed,
 * *path_len entries) and NumPy's report text (*report, malloc'ed; report may
 * be NULL). */
numc_status numc_einsum_path(const char *subscripts, int n, const numc_array *const *operands,
                             int64_t **path, int *path_len, char **report);
/* array API vecdot: sum(conj(x1) * x2) over `axis` of each, broadcasting the rest */
numc_array *numc_vecdot(const numc_array *x1, const numc_array *x2, int64_t axis);
/* .npy: NumPy's format, version 1.0 written (2.0 when the header needs it),
 * 1.0/2.0/3.0 read, C or Fortran order, either byte order (big-endian data is
 * swapped), every numc dtype (bfloat16 as '<V2', as ml_dtypes saves it).
 * Object arrays are refused (ValueError, as allow_pickle=False); a corrupt
 * or truncated image is a ValueError. Buffers returned are malloc'ed. */
numc_status numc_npy_encode(const numc_array *a, void **buf, size_t *len);
numc_status numc_npy_decode(const void *buf, size_t len, numc_array **out);
/* From the first bytes of an image (12 suffice): the header's length, and
 * once buf holds the header (len >= *header_len) the whole image's length
 * in *total_len (0 before). Lets a reader take one array off a stream. */
numc_status numc_npy_sizes(const void *buf, size_t len, size_t *header_len, size_t *total_len);
/* files by path (C users; a failing open/read/write is NUMC_ERR_RUNTIME) */
numc_status numc_save(const char *path, const numc_array *a);
numc_array *numc_load(const char *path);
/* .npz: a zip of NAME.npy members, stored (savez) or deflated
 * (savez_compressed). An open archive decodes a member only when asked. */
typedef struct numc_npz numc_npz;
numc_npz *numc_npz_open_memory(const void *buf, size_t len); /* copies buf */
numc_npz *numc_npz_open(const char *path);
int numc_npz_count(const numc_npz *z);
const char *numc_npz_name(const numc_npz *z, int i); /* the member's name ("x.npy") */
/* member i's bytes, inflated and CRC-checked */
numc_status numc_npz_read(const numc_npz *z, int i, void **buf, size_t *len);
/* the array of member key or key + ".npy" (IndexError when absent) */
numc_array *numc_npz_get(const numc_npz *z, const char *key);
void numc_npz_close(numc_npz *z);
numc_status numc_npz_encode(int n, const char *const *names, const numc_array *const *arrays,
                            bool compress, void **buf, size_t *len);
numc_status numc_savez(const char *path, int n, const char *const *names,
                       const numc_array *const *arrays, bool compress);
/* np.put: target.flat[indices] = values (repeated cyclically); mode "raise"
 * (IndexError out of range; negative indices count from the end), "wrap"
 * or "clip". *target is updated as numc_setitem does. */
numc_status numc_put(numc_array **target, const numc_array *indices, const numc_array *values,
                     const char *mode);
/* np.place: the elements where mask (concrete, target's size) is true take
 * vals in order, repeated cyclically; *target updated as numc_setitem does. */
numc_status numc_place(numc_array **target, const numc_array *mask, const numc_array *vals);
/* Whether a and b (concrete) use overlapping bytes of memory: exactly
 * (element by element) or, exact false, by their address ranges (NumPy's
 * may_share_memory). */
numc_status numc_shares_memory(const numc_array *a, const numc_array *b, bool exact, bool *out);
/* ==== end of breadth2 ==================================================== */
/* ---- print options and floating-point error state (issue 8, breadth3) ---- */

/* NumPy's print options (np.set_printoptions). */
typedef enum {
    NUMC_FLOATMODE_MAXPREC = 0, /* NumPy's default */
    NUMC_FLOATMODE_FIXED,
    NUMC_FLOATMODE_UNIQUE,
    NUMC_FLOATMODE_MAXPREC_EQUAL,
} numc_floatmode;

#define NUMC_PRINT_STRMAX 32
/* legacy=False: newer than every legacy mode (NumPy compares the mode as an
 * integer: 113 for '1.13', 121, 125, 201, 202). */
#define NUMC_PRINT_LEGACY_NONE 0x7fffffff

/* Formats one element (a pointer to its bytes, of dtype dt) as the user's
 * formatter does; returns a malloc'ed string, or NULL with the error set.
 * When set, every element of an array goes through it, unpadded. */
typedef char *(*numc_print_formatter)(void *ctx, numc_dtype dt, const void *elem);

typedef struct {
    int precision;                  /* 8 */
    int64_t threshold;              /* 1000: summarise when size > threshold */
    int64_t edgeitems;              /* 3 */
    int64_t linewidth;              /* 75 */
    bool suppress;                  /* false */
    char sign;                      /* '-', '+' or ' ' */
    numc_floatmode floatmode;       /* maxprec */
    char nanstr[NUMC_PRINT_STRMAX]; /* "nan" */
    char infstr[NUMC_PRINT_STRMAX]; /* "inf" */
    int legacy;                     /* NUMC_PRINT_LEGACY_NONE, 113, 121, 125, 201, 202 */
    numc_print_formatter formatter; /* NULL: NumPy's own formatting */
    void *formatter_ctx;
} numc_print_options;

/* NumPy's defaults. */
void numc_print_options_default(numc_print_options *o);
/* The current options are per thread, like NumPy's context variable. */
void numc_get_print_options(numc_print_options *o);
/* Validates as np.set_printoptions does (ValueError on a bad sign, negative
 * precision/edgeitems/linewidth/threshold). legacy=113 sets sign '-' as NumPy
 * does. */
numc_status numc_set_print_options(const numc_print_options *o);
/* repr/str/array2string with explicit options (NULL: the current ones).
 * Results are malloc'ed (free()); NULL with the error set on failure. */
char *numc_format_repr(const numc_array *a, const numc_print_options *o);
char *numc_format_str(const numc_array *a, const numc_print_options *o);
/* np.array2string(a, separator=, prefix=, suffix=) with options o. */
char *numc_format_array2string(const numc_array *a, const numc_print_options *o,
                               const char *separator, const char *prefix, const char *suffix);

/* Floating-point error handling (np.seterr): what an eager operation does
 * when its kernel raised an IEEE flag. The state is per thread. */
typedef enum {
    NUMC_FPMODE_IGNORE = 0,
    NUMC_FPMODE_WARN,
    NUMC_FPMODE_RAISE,
    NUMC_FPMODE_CALL,
    NUMC_FPMODE_PRINT,
    NUMC_FPMODE_LOG,
} numc_fp_mode;
/* NumPy's flag bits (np.seterrcall's second argument). */
enum {
    NUMC_FPE_DIVIDEBYZERO = 1,
    NUMC_FPE_OVERFLOW = 2,
    NUMC_FPE_UNDERFLOW = 4,
    NUMC_FPE_INVALID = 8,
};
typedef struct {
    numc_fp_mode divide, over, under, invalid; /* warn, warn, ignore, warn */
} numc_fp_errstate;
void numc_geterr(numc_fp_errstate *s);
numc_status numc_seterr(const numc_fp_errstate *s);
/* Reports one flag: mode is never IGNORE, errtype is NumPy's words ("divide
 * by zero", "overflow", "underflow", "invalid value"), op the ufunc's name,
 * status all the flags raised. A non-OK return fails the operation. */
typedef numc_status (*numc_fp_handler)(numc_fp_mode mode, const char *errtype, const char *op,
                                       int status);
/* Process-wide; NULL restores the default (warnings and print/log to
 * stderr, raise as a RuntimeError "FloatingPointError: ..."). */
void numc_set_fp_handler(numc_fp_handler fn);
/* Attributes the flags of everything bound until the matching end to the
 * NumPy function `name` (static storage), reported once at the end, as
 * NumPy's ufunc loop reports them: what a binding wraps around a composed
 * function (floor_divide, reciprocal, ...). Nested scopes defer to the
 * outermost. Returns a token for numc_fp_scope_end, whose status is the
 * report's (a failure when a mode raised). */
int numc_fp_scope_begin(const char *name);
numc_status numc_fp_scope_end(int token);
/* nonzero with a static result size (JAX's size=/fill_value=): out
 * receives a->ndim int64 arrays of `size` entries: the first nonzeros in C
 * order, then fill_value (NULL: 0; a 0-d array). Its shapes depend only on
 * size, so it traces under numc.function and batches under vmap. */
numc_status numc_nonzero_sized(const numc_array *a, int64_t size, const numc_array *fill_value,
                               numc_array **out);
/* ---- end print options and floating-point error state ---- */
/* ---- DLPack (issue 10, branch eco): numc-dlpack.h has the structures ----
 * Zero-copy exchange with other array libraries (PyTorch, JAX, NumPy, ...).
 *
 *     #include "numc-dlpack.h"
 *     DLManagedTensorVersioned *t = numc_to_dlpack(a, true, NUMC_DLPACK_COPY_IF_NEEDED);
 *     ... hand t to a consumer, which calls t->deleter(t) once it is done ...
 *     numc_array *b = numc_from_dlpack(t2, true, NUMC_DLPACK_COPY_IF_NEEDED);
 */
typedef enum {
    NUMC_DLPACK_COPY_IF_NEEDED = -1, /* the array API's copy=None */
    NUMC_DLPACK_NO_COPY = 0,         /* copy=False: share or fail */
    NUMC_DLPACK_COPY = 1,            /* copy=True: always a fresh copy */
} numc_dlpack_copy;
/* Exports a as a DLPack managed tensor on the CPU: a DLManagedTensorVersioned
 * (flags READ_ONLY when it shares numc's memory, which is immutable, or
 * IS_COPIED for a fresh copy the consumer may write) when `versioned`, else a
 * legacy DLManagedTensor. It shares the value's memory (element strides as
 * numc's, the buffer then counts as exported) unless copy is NUMC_DLPACK_COPY
 * or the value is not in host memory. The consumer calls its deleter exactly
 * once, from any thread. NULL with an error. */
void *numc_to_dlpack(numc_array *a, bool versioned, numc_dlpack_copy copy);
/* Imports a managed tensor (DLManagedTensorVersioned when `versioned`, else
 * DLManagedTensor) in host memory (kDLCPU, kDLCUDAHost) of any dtype numc
 * has (kDLBool, kDLInt, kDLUInt, kDLFloat, kDLBfloat 16, kDLComplex), any
 * strides. Its memory is shared when the tensor is READ_ONLY or IS_COPIED or
 * copy is NUMC_DLPACK_NO_COPY (the caller then promises nobody writes it
 * while numc uses it), and copied once otherwise. On success numc owns the
 * tensor and calls its deleter once, when no numc array uses the memory; on
 * failure (NULL, NUMC_ERR_VALUE: device, dtype, dimensions, alignment under
 * NO_COPY) the caller still owns it. */
numc_array *numc_from_dlpack(void *managed, bool versioned, numc_dlpack_copy copy);
/* ---- end of DLPack ---- */

#ifdef __cplusplus
}
#endif
#endif /* NUMC_H */
