/* test_dlpack.c — numc_to_dlpack / numc_from_dlpack as a C user drives them:
 * an export's structure (versioned and legacy, flags, dtype codes, numc's
 * strides), a numc -> numc round trip that shares memory, a foreign tensor
 * shared or copied by the rule (read-only, IS_COPIED, NO_COPY) with its
 * deleter called exactly once at the right time, and refusals that leave
 * the tensor with the caller. */
#include "check.h"
#include "numc-dlpack.h"

static int deleted;
static void count_delete(DLManagedTensorVersioned *t) {
    (void)t;
    deleted++;
}
static void count_delete_legacy(DLManagedTensor *t) {
    (void)t;
    deleted++;
}

static int64_t fshape[2] = {2, 3}, fstrides[2] = {1, 2}; /* Fortran order */
static float fdata[6] = {0, 3, 1, 4, 2, 5};              /* [[0,1,2],[3,4,5]] */

static DLManagedTensorVersioned foreign(uint64_t flags) {
    DLManagedTensorVersioned t = {{1, 0}, NULL, count_delete, flags, {0}};
    t.dl_tensor.data = fdata;
    t.dl_tensor.device.device_type = kDLCPU;
    t.dl_tensor.ndim = 2;
    t.dl_tensor.dtype.code = kDLFloat;
    t.dl_tensor.dtype.bits = 32;
    t.dl_tensor.dtype.lanes = 1;
    t.dl_tensor.shape = fshape;
    t.dl_tensor.strides = fstrides;
    return t;
}

int main(void) {
    int64_t shape[2] = {2, 3};
    numc_array *a = numc_array_from_data(NUMC_INT16, 2, shape, (int16_t[]){1, 2, 3, 4, 5, 6});
    numc_array *at = numc_transpose(a, NULL, 0);

    /* export: shared, read-only, numc's element strides */
    DLManagedTensorVersioned *v = numc_to_dlpack(at, true, NUMC_DLPACK_COPY_IF_NEEDED);
    CHECK(v && v->version.major == 1 && v->flags == DLPACK_FLAG_BITMASK_READ_ONLY);
    CHECK(v->dl_tensor.data == numc_array_data(at) && v->dl_tensor.ndim == 2);
    CHECK(v->dl_tensor.dtype.code == kDLInt && v->dl_tensor.dtype.bits == 16);
    CHECK(v->dl_tensor.shape[0] == 3 && v->dl_tensor.strides[0] == 1 &&
          v->dl_tensor.strides[1] == 3 && v->dl_tensor.device.device_type == kDLCPU);
    /* numc -> numc: the read-only flag lets the import share */
    numc_array *b = numc_from_dlpack(v, true, NUMC_DLPACK_COPY_IF_NEEDED);
    CHECK(b && numc_array_data(b) == numc_array_data(at));
    CHECK(numc_array_retain(b), NUMC_INT16, 2, ((int64_t[]){3, 2}), ((double[]){1, 4, 2, 5, 3, 6}),
          0);
    numc_array_release(at);
    numc_array_release(a);
    CHECK(b, NUMC_INT16, 2, ((int64_t[]){3, 2}), ((double[]){1, 4, 2, 5, 3, 6}), 0);

    /* a copy: IS_COPIED, C order; legacy has no flags */
    numc_array *h = numc_array_from_data(NUMC_BFLOAT16, 1, (int64_t[]){2}, NULL);
    v = numc_to_dlpack(h, true, NUMC_DLPACK_COPY);
    CHECK(v && v->flags == DLPACK_FLAG_BITMASK_IS_COPIED &&
          v->dl_tensor.data != numc_array_data(h));
    CHECK(v->dl_tensor.dtype.code == kDLBfloat && v->dl_tensor.dtype.bits == 16);
    v->deleter(v);
    DLManagedTensor *l = numc_to_dlpack(h, false, NUMC_DLPACK_COPY_IF_NEEDED);
    CHECK(l && l->dl_tensor.data == numc_array_data(h) && l->dl_tensor.ndim == 1);
    numc_array *hb = numc_from_dlpack(l, false, NUMC_DLPACK_COPY_IF_NEEDED);
    CHECK(hb && numc_array_data(hb) != numc_array_data(h)); /* legacy: copied once */
    numc_array_release(hb);
    numc_array_release(h);

    /* foreign writable memory: copied, deleter called at once */
    DLManagedTensorVersioned f = foreign(0);
    deleted = 0;
    numc_array *c = numc_from_dlpack(&f, true, NUMC_DLPACK_COPY_IF_NEEDED);
    CHECK(deleted == 1 && c && numc_array_data(c) != (const void *)fdata);
    CHECK(c, NUMC_FLOAT32, 2, shape, ((double[]){0, 1, 2, 3, 4, 5}), 0);
    /* read-only, IS_COPIED or NO_COPY: shared until the last array goes */
    uint64_t share_flags[3] = {DLPACK_FLAG_BITMASK_READ_ONLY, DLPACK_FLAG_BITMASK_IS_COPIED, 0};
    for (int k = 0; k < 3; k++) {
        f = foreign(share_flags[k]);
        deleted = 0;
        c = numc_from_dlpack(&f, true, k == 2 ? NUMC_DLPACK_NO_COPY : NUMC_DLPACK_COPY_IF_NEEDED);
        CHECK(c && deleted == 0);
        numc_array *row = numc_getitem(c, 1, (numc_index[]){{.kind = NUMC_INDEX_INT, .i = 1}});
        numc_array_release(c);
        CHECK(deleted == 0);
        CHECK(row, NUMC_FLOAT32, 1, ((int64_t[]){3}), ((double[]){3, 4, 5}), 0);
        CHECK(deleted == 1);
    }
    /* COPY of a read-only tensor copies */
    f = foreign(DLPACK_FLAG_BITMASK_READ_ONLY);
    deleted = 0;
    c = numc_from_dlpack(&f, true, NUMC_DLPACK_COPY);
    CHECK(c && deleted == 1 && numc_array_data(c) != (const void *)fdata);
    numc_array_release(c);
    /* legacy foreign, C order (NULL strides), 0-d and empty */
    DLManagedTensor lf = {f.dl_tensor, NULL, count_delete_legacy};
    lf.dl_tensor.strides = NULL;
    lf.dl_tensor.ndim = 0;
    deleted = 0;
    CHECK(numc_from_dlpack(&lf, false, NUMC_DLPACK_COPY_IF_NEEDED), NUMC_FLOAT32, 0, NULL,
          ((double[]){0}), 0);
    lf.dl_tensor.ndim = 1;
    lf.dl_tensor.shape = (int64_t[]){0};
    lf.dl_tensor.data = NULL;
    CHECK(numc_from_dlpack(&lf, false, NUMC_DLPACK_NO_COPY), NUMC_FLOAT32, 1, ((int64_t[]){0}),
          NULL, 0);
    CHECK(deleted == 2);

    /* refusals leave the tensor with the caller (no deleter call) */
    deleted = 0;
    f = foreign(0);
    f.dl_tensor.device.device_type = kDLCUDA;
    CHECK_ERROR(numc_from_dlpack(&f, true, NUMC_DLPACK_COPY_IF_NEEDED), NUMC_ERR_VALUE,
                "from_dlpack: only host (CPU) memory can be imported, not DLPack device type 2");
    f = foreign(0);
    f.dl_tensor.dtype.lanes = 4;
    CHECK_ERROR(numc_from_dlpack(&f, true, NUMC_DLPACK_COPY_IF_NEEDED), NUMC_ERR_VALUE,
                "from_dlpack: unsupported DLPack dtype (code 2, 32 bits, 4 lanes)");
    f = foreign(0);
    f.dl_tensor.data = (char *)fdata + 1;
    CHECK_ERROR(numc_from_dlpack(&f, true, NUMC_DLPACK_NO_COPY), NUMC_ERR_VALUE,
                "from_dlpack: the tensor's memory is not aligned to its itemsize and copy=False "
                "forbids a copy");
    f = foreign(0);
    f.version.major = 2;
    CHECK_ERROR(numc_from_dlpack(&f, true, NUMC_DLPACK_COPY_IF_NEEDED), NUMC_ERR_VALUE,
                "from_dlpack: DLPack version 2.0 is newer than 1.1");
    CHECK(deleted == 0);
    return CHECK_DONE();
}
