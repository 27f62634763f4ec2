/* test_core.c — the core objects: reference counts and leak accounting,
 * views that share one buffer and read correctly through their strides, the
 * caching allocator, NumPy 2's promotion table (bfloat16 as ml_dtypes defines
 * it), NEP 50 weak scalars, error kinds with NumPy's messages, the device
 * registry and the scalar codec. */
#include "core/core-impl.h"
#include "check.h"

#include <stdio.h>

static void test_refcounts(void) {
    int64_t live0 = numc_live_arrays();
    int64_t shape[2] = {2, 3};
    numc_array *a = check_arange_f64(2, shape);
    CHECK(a && numc_live_arrays() == live0 + 1);

    /* retain/release pairs keep the value alive until the last release */
    CHECK(numc_array_retain(a) == a);
    numc_array_release(a);
    CHECK(numc_live_arrays() == live0 + 1 && check_at(a, 5) == 5.0);

    /* results are new references; a loop of ops leaves nothing behind */
    for (int i = 0; i < 100; i++) {
        numc_array *b = numc_add(a, a);
        numc_array *c = numc_multiply(b, a);
        CHECK(b && c && check_at(c, 5) == 50.0);
        numc_array_release(b);
        numc_array_release(c);
    }
    numc_array_release(a);
    CHECK(numc_live_arrays() == live0);
    numc_array_release(NULL); /* like free(NULL) */
}

static void test_views(void) {
    int64_t live0 = numc_live_arrays();
    int64_t shape[2] = {3, 4};
    numc_array *a = check_arange_f64(2, shape);

    numc_array *t = numc_transpose(a, NULL, 0);
    CHECK(t && t->buffer == a->buffer && !numc_array_is_contiguous(t));
    CHECK(t->ndim == 2 && t->shape[0] == 4 && t->shape[1] == 3);
    /* t[i][j] == a[j][i] */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            CHECK(check_at(t, i * 3 + j) == j * 4 + i);

    /* a[1:3, ::2] and a[::-1] (bounds as slice.indices gives them) */
    numc_array *s = numc_slice(a, (int64_t[]){1, 0}, (int64_t[]){3, 4}, (int64_t[]){1, 2});
    CHECK(s && s->buffer == a->buffer && s->shape[0] == 2 && s->shape[1] == 2);
    CHECK(check_at(s, 0) == 4 && check_at(s, 1) == 6 && check_at(s, 2) == 8 &&
          check_at(s, 3) == 10);
    numc_array *r = numc_slice(a, (int64_t[]){2, 0}, (int64_t[]){-1, 4}, (int64_t[]){-1, 1});
    CHECK(r && r->buffer == a->buffer && r->shape[0] == 3);
    CHECK(check_at(r, 0) == 8 && check_at(r, 4) == 4 && check_at(r, 11) == 3);

    /* broadcasting a row repeats it with stride 0 */
    int64_t n4 = 4;
    numc_array *row = check_arange_f64(1, &n4);
    numc_array *bc = numc_broadcast_to(row, 2, (int64_t[]){3, 4});
    CHECK(bc && bc->buffer == row->buffer && bc->strides[0] == 0 && bc->size == 12);
    CHECK(check_at(bc, 0) == 0 && check_at(bc, 7) == 3 && check_at(bc, 9) == 1);

    /* to_host copies a strided view out in C order */
    double host[12];
    CHECK(numc_array_to_host(t, host) == NUMC_OK);
    CHECK(host[0] == 0 && host[1] == 4 && host[2] == 8 && host[3] == 1 && host[11] == 11);

    /* a view keeps the buffer alive after its base is gone */
    numc_array_release(a);
    CHECK(check_at(t, 11) == 11 && check_at(s, 3) == 10);
    numc_array_release(t);
    numc_array_release(s);
    numc_array_release(r);
    numc_array_release(bc);
    numc_array_release(row);
    CHECK(numc_live_arrays() == live0);
}

static void test_allocator(void) {
    numc_alloc_stats s0, s1, s2, s3;
    int64_t n = 1000; /* 8000 bytes: one size class */
    numc_allocator_trim();
    numc_allocator_stats(&s0);
    CHECK(s0.bytes_cached == 0);

    numc_array *a = numc_array_from_data(NUMC_FLOAT64, 1, &n, NULL);
    numc_allocator_stats(&s1);
    CHECK(a && s1.n_live_buffers == s0.n_live_buffers + 1);
    CHECK(s1.bytes_in_use >= s0.bytes_in_use + 8000 && s1.peak_bytes_in_use >= s1.bytes_in_use);

    /* releasing the last reference returns the block to the cache */
    numc_array_release(a);
    numc_allocator_stats(&s2);
    CHECK(s2.n_live_buffers == s0.n_live_buffers && s2.bytes_in_use == s0.bytes_in_use);
    CHECK(s2.bytes_cached >= 8000);

    /* the same size again is a cache hit, not a system allocation */
    for (int i = 0; i < 50; i++) {
        numc_array *b = numc_array_from_data(NUMC_FLOAT64, 1, &n, NULL);
        CHECK(b != NULL);
        numc_array_release(b);
    }
    numc_allocator_stats(&s3);
    CHECK(s3.n_cache_hits >= s2.n_cache_hits + 50);
    CHECK(s3.n_system_allocs == s2.n_system_allocs);
    CHECK(s3.n_allocs == s2.n_allocs + 50);

    /* trim hands the cache back to the system */
    numc_allocator_trim();
    numc_allocator_stats(&s3);
    CHECK(s3.bytes_cached == 0 && s3.bytes_in_use == s0.bytes_in_use);
    numc_array *c = numc_array_from_data(NUMC_FLOAT64, 1, &n, NULL);
    numc_alloc_stats s4;
    numc_allocator_stats(&s4);
    CHECK(s4.n_system_allocs == s3.n_system_allocs + 1);
    numc_array_release(c);
    numc_allocator_trim();
}

/* np.promote_types over the 15 dtypes, generated with NumPy 2.4 and
 * ml_dtypes 0.6. XX marks pairs ml_dtypes does not define (it raises
 * DTypePromotionError); numc answers with the smallest float that holds both,
 * as JAX-style lattices do; those cells are listed in xx_cells below. */
enum {
    B = NUMC_BOOL,
    I8 = NUMC_INT8,
    I16 = NUMC_INT16,
    I32 = NUMC_INT32,
    I64 = NUMC_INT64,
    U8 = NUMC_UINT8,
    U16 = NUMC_UINT16,
    U32 = NUMC_UINT32,
    U64 = NUMC_UINT64,
    F16 = NUMC_FLOAT16,
    BF = NUMC_BFLOAT16,
    F32 = NUMC_FLOAT32,
    F64 = NUMC_FLOAT64,
    C64 = NUMC_COMPLEX64,
    C128 = NUMC_COMPLEX128,
    XX = -2
};
static const int promo[15][15] = {
    /*             B   I8  I16  I32  I64   U8  U16  U32  U64  F16   BF  F32  F64  C64 C128 */
    /*    B */ {B, I8, I16, I32, I64, U8, U16, U32, U64, F16, BF, F32, F64, C64, C128},
    /*   I8 */ {I8, I8, I16, I32, I64, I16, I32, I64, F64, F16, BF, F32, F64, C64, C128},
    /*  I16 */ {I16, I16, I16, I32, I64, I16, I32, I64, F64, F32, XX, F32, F64, C64, C128},
    /*  I32 */ {I32, I32, I32, I32, I64, I32, I32, I64, F64, F64, XX, F64, F64, C128, C128},
    /*  I64 */ {I64, I64, I64, I64, I64, I64, I64, I64, F64, F64, XX, F64, F64, C128, C128},
    /*   U8 */ {U8, I16, I16, I32, I64, U8, U16, U32, U64, F16, BF, F32, F64, C64, C128},
    /*  U16 */ {U16, I32, I32, I32, I64, U16, U16, U32, U64, F32, XX, F32, F64, C64, C128},
    /*  U32 */ {U32, I64, I64, I64, I64, U32, U32, U32, U64, F64, XX, F64, F64, C128, C128},
    /*  U64 */ {U64, F64, F64, F64, F64, U64, U64, U64, U64, F64, XX, F64, F64, C128, C128},
    /*  F16 */ {F16, F16, F32, F64, F64, F16, F32, F64, F64, F16, XX, F32, F64, C64, C128},
    /*   BF */ {BF, BF, XX, XX, XX, BF, XX, XX, XX, XX, BF, F32, F64, C64, C128},
    /*  F32 */ {F32, F32, F32, F64, F64, F32, F32, F64, F64, F32, F32, F32, F64, C64, C128},
    /*  F64 */ {F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, F64, C128, C128},
    /*  C64 */ {C64, C64, C64, C128, C128, C64, C64, C128, C128, C64, C64, C64, C128, C64, C128},
    /* C128 */
    {C128, C128, C128, C128, C128, C128, C128, C128, C128, C128, C128, C128, C128, C128, C128},
};
/* numc's answers where ml_dtypes has none: bfloat16 with a 16-bit type needs
 * float32, with a 32/64-bit integer float64. */
static const int xx_cells[][2] = {{I16, F32}, {U16, F32}, {F16, F32}, {I32, F64},
                                  {I64, F64}, {U32, F64}, {U64, F64}};

static void test_promotion(void) {
    for (int a = 0; a < 15; a++)
        for (int b = 0; b < 15; b++) {
            int want = promo[a][b];
            if (want == XX) {
                int other = a == BF ? b : a;
                for (size_t k = 0; k < sizeof xx_cells / sizeof xx_cells[0]; k++)
                    if (xx_cells[k][0] == other) want = xx_cells[k][1];
                CHECK(want != XX);
            }
            numc_dtype got = numc_promote_types((numc_dtype)a, (numc_dtype)b);
            if ((int)got != want) {
                fprintf(stderr, "promote_types(%s, %s) = %s, want %s\n", numc_dtype_name(a),
                        numc_dtype_name(b), got >= 0 ? numc_dtype_name(got) : "NONE",
                        numc_dtype_name((numc_dtype)want));
                failures++;
            }
        }
}

/* NEP 50: Python scalars (weak 0-d arrays) adapt to the array's dtype within
 * their kind and only raise it to the default type of a higher kind. */
static void test_weak_scalars(void) {
    numc_array *wb = numc_scalar_bool(true), *wi = numc_scalar_i64(1), *wf = numc_scalar_f64(1.0),
               *wc = numc_scalar_c128(0, 1);
    CHECK(numc_array_is_weak(wi) && numc_array_is_weak(wf));
    numc_array *weak[4] = {wb, wi, wf, wc};
    /* rows: strong dtype; columns: result with a weak bool, int, float, complex
     * (np.result_type(dtype, True / 1 / 1.0 / 1j)) */
    static const int want[][5] = {
        {I8, I8, I8, F64, C128},    {U8, U8, U8, F64, C128},    {I32, I32, I32, F64, C128},
        {I64, I64, I64, F64, C128}, {U64, U64, U64, F64, C128}, {B, B, I64, F64, C128},
        {F16, F16, F16, F16, C64},  {F32, F32, F32, F32, C64},  {F64, F64, F64, F64, C128},
        {C64, C64, C64, C64, C64},  {BF, BF, BF, -1, C64},
    };
    for (size_t r = 0; r < sizeof want / sizeof want[0]; r++) {
        numc_array *strong = numc_array_from_data((numc_dtype)want[r][0], 0, NULL, NULL);
        CHECK(strong && !numc_array_is_weak(strong));
        for (int k = 0; k < 4; k++) {
            /* bfloat16 + Python float: ml_dtypes itself is inconsistent
             * (result_type says float64, arithmetic gives float32); not pinned */
            if (want[r][k + 1] < 0) continue;
            const numc_array *pair[2] = {strong, weak[k]};
            numc_dtype got = numc_result_type(2, pair);
            if ((int)got != want[r][k + 1]) {
                fprintf(stderr, "result_type(%s, weak %d) = %s, want %s\n",
                        numc_dtype_name(want[r][0]), k, got >= 0 ? numc_dtype_name(got) : "NONE",
                        numc_dtype_name(want[r][k + 1]));
                failures++;
            }
        }
        numc_array_release(strong);
    }
    /* only weak operands: the default types */
    const numc_array *iw[2] = {wi, wf}, *bw[1] = {wb}, *fc[2] = {wf, wc};
    CHECK(numc_result_type(2, iw) == NUMC_FLOAT64);
    CHECK(numc_result_type(1, bw) == NUMC_BOOL);
    CHECK(numc_result_type(2, fc) == NUMC_COMPLEX128);

    /* arithmetic follows: int8 array + 1 stays int8, + 1.0 becomes float64 */
    int8_t i8[3] = {1, 2, 3};
    int64_t n3 = 3;
    numc_array *a = numc_array_from_data(NUMC_INT8, 1, &n3, i8);
    numc_array *s1 = numc_add(a, wi), *s2 = numc_add(a, wf);
    CHECK(s1 && numc_array_dtype(s1) == NUMC_INT8 && check_at(s1, 2) == 4);
    CHECK(s2 && numc_array_dtype(s2) == NUMC_FLOAT64 && check_at(s2, 0) == 2);
    numc_array_release(s1);
    numc_array_release(s2);
    numc_array_release(a);
    for (int k = 0; k < 4; k++)
        numc_array_release(weak[k]);
}

static void test_errors(void) {
    int64_t live0 = numc_live_arrays();
    int64_t shape[2] = {2, 3};
    numc_array *a = check_arange_f64(2, shape);
    int64_t ax = 2, neg = -3;
    CHECK_ERROR(numc_sum(a, &ax, 1, false, NUMC_DTYPE_NONE), NUMC_ERR_AXIS,
                "axis 2 is out of bounds for array of dimension 2");
    CHECK_ERROR(numc_sum(a, &neg, 1, false, NUMC_DTYPE_NONE), NUMC_ERR_AXIS,
                "axis -3 is out of bounds for array of dimension 2");
    CHECK(numc_error_kind() == NUMC_OK);

    int64_t n3 = 3, n4 = 4;
    numc_array *x = check_arange_f64(1, &n3), *y = check_arange_f64(1, &n4);
    CHECK_ERROR(numc_add(x, y), NUMC_ERR_VALUE,
                "operands could not be broadcast together with shapes (3,) (4,) ");
    CHECK_ERROR(numc_broadcast_to(x, 2, (int64_t[]){2, 4}), NUMC_ERR_VALUE,
                "operands could not be broadcast together with remapped shapes "
                "[original->remapped]: (3,)  and requested shape (2,4)");
    CHECK_ERROR(numc_reshape(a, 2, (int64_t[]){4, 2}), NUMC_ERR_VALUE,
                "cannot reshape array of size 6 into shape (4,2)");
    CHECK_ERROR(numc_transpose(a, (int64_t[]){0, 0}, 2), NUMC_ERR_VALUE,
                "repeated axis in transpose");
    CHECK_ERROR(numc_array_from_data(NUMC_FLOAT64, 1, (int64_t[]){-1}, NULL), NUMC_ERR_VALUE,
                "negative dimensions are not allowed");

    numc_array_release(x);
    numc_array_release(y);
    numc_array_release(a);
    /* failed calls leave nothing allocated */
    CHECK(numc_live_arrays() == live0);
}

static void test_devices(void) {
    CHECK(numc_device_count() >= 1);
    CHECK(strcmp(numc_device_name(0), "cpu:0") == 0);
    CHECK(numc_device_name(-1) == NULL);
    CHECK(numc_device_name(numc_device_count()) == NULL);
    CHECK(strcmp(numc_default_device(), "cpu:0") == 0);
    CHECK(numc_device_find("cpu:0") == 0);
    CHECK(numc_device_find("cpu") == 0);
    CHECK(numc_device_find("gpu:3") == -1);
    CHECK(numc_error_kind() == NUMC_ERR_VALUE);
    CHECK(strstr(numc_error_message(), "'gpu:3'") != NULL);
    numc_error_clear();
    CHECK(numc_device_find("cpu:1") == -1);
    numc_error_clear();
    int64_t shape[2] = {2, 3};
    numc_array *a = check_arange_f64(2, shape);
    numc_array *b = numc_exp(a);
    CHECK(strcmp(numc_array_device(a), "cpu:0") == 0);
    CHECK(strcmp(numc_array_device(b), "cpu:0") == 0);
    CHECK(a->buffer->device != NULL && a->buffer->device == b->buffer->device);
    /* a strided view reads back through the device's to_host */
    numc_array *t = numc_transpose(a, NULL, 0);
    double host[6];
    CHECK(numc_array_to_host(t, host) == NUMC_OK);
    double want[6] = {0, 3, 1, 4, 2, 5};
    for (int i = 0; i < 6; i++)
        CHECK(host[i] == want[i]);
    numc_value v;
    CHECK(numc_array_item(t, 1, &v) == NUMC_OK && v.kind == 'f' && v.re == 3);
    CHECK(numc_array_item(t, 6, &v) == NUMC_ERR_INDEX);
    numc_error_clear();
    numc_array_release(t);
    numc_array_release(a);
    numc_array_release(b);
}

/* numc_value_load/store agree with C loops and NumPy's casts */
static void test_codec(void) {
    unsigned char buf[16];
    /* integers are exact (not through double) */
    int64_t big = INT64_MAX - 1;
    numc_value v = numc_value_load(NUMC_INT64, &big);
    CHECK(v.kind == 'i' && v.i == big);
    uint64_t ubig = UINT64_MAX;
    v = numc_value_load(NUMC_UINT64, &ubig);
    CHECK(v.kind == 'u' && v.u == UINT64_MAX);
    numc_array *s = numc_scalar_i64(INT64_MIN + 3);
    CHECK(numc_array_item(s, 0, &v) == NUMC_OK && v.i == INT64_MIN + 3);
    numc_array_release(s);
    /* integers wrap; floats truncate toward zero; bool is nonzero */
    numc_value_store(NUMC_UINT8, buf, (numc_value){.kind = 'i', .i = 300});
    CHECK(buf[0] == 44);
    numc_value_store(NUMC_INT8, buf, (numc_value){.kind = 'u', .u = 255});
    CHECK(*(int8_t *)buf == -1);
    numc_value_store(NUMC_INT32, buf, (numc_value){.kind = 'f', .re = -2.7});
    int32_t i32;
    memcpy(&i32, buf, 4);
    CHECK(i32 == -2);
    numc_value_store(NUMC_BOOL, buf, (numc_value){.kind = 'c', .re = 0, .im = 1});
    CHECK(buf[0] == 1);
    numc_value_store(NUMC_BOOL, buf, (numc_value){.kind = 'f', .re = -0.0});
    CHECK(buf[0] == 0);
    /* float32 from int64 rounds once: 2^24 + 1 is a tie that goes to even */
    numc_value_store(NUMC_FLOAT32, buf, (numc_value){.kind = 'i', .i = (1 << 24) + 1});
    float f;
    memcpy(&f, buf, 4);
    CHECK(f == 16777216.0f);
    /* halves round to nearest even: 1 + 2^-11 is a tie between 1 and 1 + 2^-10 */
    uint16_t h;
    numc_value_store(NUMC_FLOAT16, &h, (numc_value){.kind = 'f', .re = 1 + 0x1p-11});
    CHECK(h == 0x3c00);
    numc_value_store(NUMC_FLOAT16, &h, (numc_value){.kind = 'f', .re = 1 + 3 * 0x1p-11});
    CHECK(h == 0x3c02);
    v = numc_value_load(NUMC_FLOAT16, &h);
    CHECK(v.kind == 'f' && v.re == 1 + 0x1p-9);
    numc_value_store(NUMC_BFLOAT16, &h, (numc_value){.kind = 'f', .re = 1 + 0x1p-8});
    CHECK(h == 0x3f80);
    numc_value_store(NUMC_BFLOAT16, &h, (numc_value){.kind = 'f', .re = 1 + 3 * 0x1p-8});
    CHECK(h == 0x3f82);
    /* complex keeps both parts; complex to real drops the imaginary one */
    numc_value_store(NUMC_COMPLEX64, buf, (numc_value){.kind = 'c', .re = 1.5, .im = -2});
    v = numc_value_load(NUMC_COMPLEX64, buf);
    CHECK(v.kind == 'c' && v.re == 1.5 && v.im == -2);
    numc_value_store(NUMC_FLOAT64, buf, v);
    v = numc_value_load(NUMC_FLOAT64, buf);
    CHECK(v.kind == 'f' && v.re == 1.5);
    /* every dtype round-trips a small integer */
    for (int dt = 0; dt < NUMC_DTYPE_COUNT; dt++) {
        numc_value_store((numc_dtype)dt, buf, (numc_value){.kind = 'i', .i = 1});
        v = numc_value_load((numc_dtype)dt, buf);
        double re = v.kind == 'u'                    ? (double)v.u
                    : v.kind == 'i' || v.kind == 'b' ? (double)v.i
                                                     : v.re;
        CHECK(re == 1);
        CHECK(v.kind == numc_dtype_kind((numc_dtype)dt));
    }
}

int main(void) {
    int64_t live0 = numc_live_arrays();
    test_refcounts();
    test_views();
    test_allocator();
    test_promotion();
    test_weak_scalars();
    test_errors();
    test_devices();
    test_codec();
    CHECK(numc_live_arrays() == live0);
    return CHECK_DONE();
}
