/* device.c — the device registry. The CPU device is always present and is the
 * default; other backends register when found at run time. */
#include "cpu/cpu.h"

static void *cpu_alloc(numc_device *d, size_t n) {
    (void)d;
    return aligned_alloc(64, n);
}
static void cpu_free(numc_device *d, void *p, size_t n) {
    (void)d;
    (void)n;
    free(p);
}
static numc_status cpu_copy(numc_device *d, void *dst, const void *src, size_t n) {
    (void)d;
    memcpy(dst, src, n);
    return NUMC_OK;
}
static void cpu_sync(numc_device *d) {
    (void)d;
}

numc_status numc_cpu_exec(numc_device *d, numc_prim p, int nin, const numc_array *const *in,
                          const numc_params *params, numc_array *const *out);

static numc_device cpu_device = {
    .name = "cpu:0",
    .kind = NUMC_DEVICE_CPU,
    .index = 0,
    .raw_alloc = cpu_alloc,
    .raw_free = cpu_free,
    .exec = numc_cpu_exec,
    .to_host = cpu_copy,
    .from_host = cpu_copy,
    .synchronize = cpu_sync,
    .allocator = NULL,
};

numc_device *numc_device_cpu(void) {
    if (NUMC_UNLIKELY(!cpu_device.allocator)) cpu_device.allocator = numc_allocator_cpu();
    return &cpu_device;
}

numc_device *numc_device_default(void) {
    return numc_device_cpu();
}
