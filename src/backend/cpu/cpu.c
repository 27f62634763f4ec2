/* cpu.c — the CPU device's exec entry: routes each primitive to its kernel
 * family (elementwise, layout, reduce, scan, dot, index, sort, threefry). */
#include "cpu.h"

numc_status numc_cpu_exec(numc_device *d, numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out) {
    (void)d;
    int flags = numc_prim_info[p].flags;
    if (flags & PF_EW) return numc_cpu_elementwise(p, nin, in, params, out);
    if (flags & PF_LAYOUT) return numc_cpu_layout(p, nin, in, params, out);
    if (flags & PF_REDUCE) return numc_cpu_reduce(p, nin, in, params, out);
    if (flags & PF_SCAN) return numc_cpu_scan(p, nin, in, params, out);
    switch (p) {
    case NUMC_PRIM_CONSTANT:
    case NUMC_PRIM_IOTA:
        return numc_cpu_layout(p, nin, in, params, out);
    case NUMC_PRIM_DOT_GENERAL:
        return numc_cpu_dot_general(p, nin, in, params, out);
    case NUMC_PRIM_GATHER:
    case NUMC_PRIM_SCATTER:
    case NUMC_PRIM_DYNAMIC_SLICE:
    case NUMC_PRIM_DYNAMIC_UPDATE_SLICE:
        return numc_cpu_index(p, nin, in, params, out);
    case NUMC_PRIM_SORT:
        return numc_cpu_sort(p, nin, in, params, out);
    case NUMC_PRIM_HOST_CALL: {
        numc_host_fn *f = (numc_host_fn *)params->ptr;
        return f->run(f, nin, in, out[0]);
    }
    case NUMC_PRIM_THREEFRY2X32:
        return numc_cpu_threefry(p, nin, in, params, out);
    case NUMC_PRIM_STOP_GRADIENT:
        return numc_cpu_copy(in[0], out[0]);
    /* ---- fft (issue 9) ---- */
    case NUMC_PRIM_FFT:
        return numc_cpu_fft(p, nin, in, params, out);
    default:
        return numc_error_set(NUMC_ERR_NOT_IMPLEMENTED, "%s: no CPU kernel",
                              numc_prim_info[p].name);
    }
}
