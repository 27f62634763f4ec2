/* copy.c — numc_cpu_copy: materialise a strided (transposed, sliced,
 * broadcast, reversed) array into a C-contiguous one of the same dtype and
 * shape, through the elementwise driver and its threading. */
#include "ew-impl.h"

numc_status numc_cpu_copy(const numc_array *src, numc_array *dst) {
    if (src->dtype != dst->dtype || src->ndim != dst->ndim || src->size != dst->size)
        return numc_error_set(NUMC_ERR_RUNTIME, "copy: source and destination differ");
    for (int d = 0; d < src->ndim; d++)
        if (src->shape[d] != dst->shape[d])
            return numc_error_set(NUMC_ERR_RUNTIME, "copy: source and destination differ");
    numc_ew_loop loop = numc_ew_copy_loop(numc_dtype_info[src->dtype].itemsize);
    if (!loop) return numc_error_set(NUMC_ERR_RUNTIME, "copy: unsupported item size");
    return numc_ew_drive(loop, 1, &src, dst, NULL, 1);
}
