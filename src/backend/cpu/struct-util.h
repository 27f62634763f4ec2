/* struct-util.h — helpers shared by the structural CPU kernels (layout.c,
 * reduce.c, scan.c, dot.c, index.c): geometry (coalescing, offsets), strided
 * copies and int64 <-> dtype scalar conversions. The strided copy itself lives
 * in layout.c. Strides here are in BYTES: the kernels move char pointers so one
 * loop serves every dtype of a given itemsize. */
#ifndef NUMC_CPU_STRUCT_UTIL_H
#define NUMC_CPU_STRUCT_UTIL_H

#include "../../core/codec.h"
#include "cpu.h"

static inline size_t numc_struct_isz(numc_dtype dt) {
    return numc_dtype_info[dt].itemsize;
}

/* Drops length-1 dims and merges neighbours that are contiguous with each
 * other in every one of the nops stride arrays (all updated in place). Returns
 * the new ndim; 0 means a single element. Callers handle empty arrays first. */
static inline int numc_struct_coalesce(int ndim, int64_t *shape, int nops, int64_t **strides) {
    int nd = 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 1) continue;
        if (nd > 0) {
            bool merge = true;
            for (int k = 0; k < nops; k++)
                if (strides[k][nd - 1] != strides[k][d] * shape[d]) merge = false;
            if (merge) {
                shape[nd - 1] *= shape[d];
                for (int k = 0; k < nops; k++)
                    strides[k][nd - 1] = strides[k][d];
                continue;
            }
        }
        shape[nd] = shape[d];
        for (int k = 0; k < nops; k++)
            strides[k][nd] = strides[k][d];
        nd++;
    }
    return nd;
}

/* Byte offset of C-order flat index `flat` over (ndim, shape, strides). */
static inline int64_t numc_struct_offset(int ndim, const int64_t *shape, const int64_t *strides,
                                         int64_t flat) {
    int64_t off = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        int64_t q = flat / shape[d];
        off += (flat - q * shape[d]) * strides[d];
        flat = q;
    }
    return off;
}

static inline int64_t numc_struct_prod(int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int d = 0; d < ndim; d++)
        n *= shape[d];
    return n;
}

/* Byte strides of an array (its element strides times the itemsize). */
static inline void numc_struct_byte_strides(const numc_array *a, int64_t *out) {
    int64_t isz = (int64_t)numc_struct_isz(a->dtype);
    for (int d = 0; d < a->ndim; d++)
        out[d] = a->strides[d] * isz;
}

/* C-order byte strides of a shape. */
static inline void numc_struct_contig_bytes(int ndim, const int64_t *shape, size_t isz,
                                            int64_t *out) {
    int64_t s = (int64_t)isz;
    for (int d = ndim - 1; d >= 0; d--) {
        out[d] = s;
        s *= shape[d] > 0 ? shape[d] : 1;
    }
}

/* dst = src over an N-d geometry with byte strides, any itemsize. Large copies
 * are split across the thread pool. */
void numc_struct_copy(size_t itemsize, int ndim, const int64_t *shape, char *dst,
                      const int64_t *dst_strides, const char *src, const int64_t *src_strides);
/* The same on the calling thread only, for use inside a parallel task. */
void numc_struct_copy_serial(size_t itemsize, int ndim, const int64_t *shape, char *dst,
                             const int64_t *dst_strides, const char *src,
                             const int64_t *src_strides);
/* Copies a whole array (any strides) into C-contiguous memory at dst. */
void numc_struct_copy_array(const numc_array *src, char *dst);
/* Writes n copies of the itemsize-byte value *val to contiguous dst. */
void numc_struct_fill(char *dst, int64_t n, size_t itemsize, const void *val);

/* Integer view of one element of an integer or bool dtype (floats truncate). */
int64_t numc_struct_load_i64(numc_dtype dt, const void *p);
/* Stores v converted to dt as NumPy's astype would (ints wrap, floats round). */
void numc_struct_store_i64(numc_dtype dt, void *p, int64_t v);

#endif
