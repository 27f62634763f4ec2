/* cpu.h — the CPU backend's kernel families. Every kernel takes concrete input
 * arrays with arbitrary strides (in elements; 0 for broadcast dims, negative
 * for reversed ones) and preallocated C-contiguous outputs of the inferred
 * avals. Promotion and broadcasting already happened in src/np/. */
#ifndef NUMC_CPU_H
#define NUMC_CPU_H

#include "../device.h"
#include "../fused.h"

/* cpu.c: the CPU device's exec entry (installed by the registry, device.c). */
numc_status numc_cpu_exec(numc_device *d, numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out);

typedef numc_status (*numc_cpu_kernel)(numc_prim p, int nin, const numc_array *const *in,
                                       const numc_params *params, numc_array *const *out);

/* Inner loop of an elementwise primitive, NumPy-ufunc style: args[0..nin) are
 * inputs, args[nin] the output; steps are byte strides; n elements. The nd
 * driver (elementwise.c) calls it once per contiguous run of the output. */
typedef void (*numc_ew_loop)(char **args, const int64_t *steps, int64_t n,
                             const numc_params *params);
/* The loop for primitive p whose (first data) input has dtype in_dt; for
 * convert/bitcast the target dtype is params->i[0]. NULL if unsupported. */
numc_ew_loop numc_cpu_ew_loop(numc_prim p, numc_dtype in_dt, const numc_params *params);

/* elementwise.c: every PF_EW primitive (incl. select, convert, bitcast). */
numc_status numc_cpu_elementwise(numc_prim p, int nin, const numc_array *const *in,
                                 const numc_params *params, numc_array *const *out);
/* copy.c: materialise any strided array into a C-contiguous one of the same
 * dtype and shape (used for reshape of non-contiguous values, stop_gradient). */
numc_status numc_cpu_copy(const numc_array *src, numc_array *dst);

/* layout.c: iota, constant, pad, concatenate (and the materialising fallback
 * of reshape/transpose/slice/rev/broadcast_in_dim when a view is impossible). */
numc_status numc_cpu_layout(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_array *const *out);
/* reduce.c: reduce_*, argmax, argmin. */
numc_status numc_cpu_reduce(numc_prim p, int nin, const numc_array *const *in,
                            const numc_params *params, numc_array *const *out);
/* scan.c: cumsum cumprod cummax cummin. */
numc_status numc_cpu_scan(numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out);
/* dot.c: dot_general (OpenBLAS for f32/f64/c64/c128, own loops otherwise). */
numc_status numc_cpu_dot_general(numc_prim p, int nin, const numc_array *const *in,
                                 const numc_params *params, numc_array *const *out);
/* index.c: gather, scatter, dynamic_slice, dynamic_update_slice. */
numc_status numc_cpu_index(numc_prim p, int nin, const numc_array *const *in,
                           const numc_params *params, numc_array *const *out);
/* sort.c: sort (stable, along one axis, keys carrying a second operand). */
numc_status numc_cpu_sort(numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out);
/* threefry.c: threefry2x32 (the counter-based generator of numc.random's keys). */
numc_status numc_cpu_threefry(numc_prim p, int nin, const numc_array *const *in,
                              const numc_params *params, numc_array *const *out);

/* ---- fft (issue 9) ----
 * fft.c: the fft primitive (numc's own mixed-radix/Bluestein FFT). */
numc_status numc_cpu_fft(numc_prim p, int nin, const numc_array *const *in,
                         const numc_params *params, numc_array *const *out);
/* fused.c: the tiled executor of fused elementwise programs (../fused.h). */
numc_status numc_cpu_fused_run(const numc_fused_prog *p, const numc_array *const *in,
                               numc_array *const *out);

#endif
