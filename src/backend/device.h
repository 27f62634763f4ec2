/* device.h — the device interface (a small vtable) and the registry. CPU is
 * always registered; CUDA registers itself only when its libraries and a GPU
 * are found at run time. */
#ifndef NUMC_DEVICE_H
#define NUMC_DEVICE_H

#include "../prim/prim.h"

typedef enum { NUMC_DEVICE_CPU = 0, NUMC_DEVICE_CUDA = 1 } numc_device_kind;

typedef struct numc_device {
    const char *name; /* "cpu:0", "gpu:0" */
    numc_device_kind kind;
    int index;
    void *(*raw_alloc)(struct numc_device *d, size_t nbytes);
    void (*raw_free)(struct numc_device *d, void *p, size_t nbytes);
    /* Runs primitive p: outputs are preallocated, C-contiguous, on this device. */
    numc_status (*exec)(struct numc_device *d, numc_prim p, int nin, const numc_array *const *in,
                        const numc_params *params, numc_array *const *out);
    numc_status (*to_host)(struct numc_device *d, void *dst, const void *src, size_t n);
    numc_status (*from_host)(struct numc_device *d, void *dst, const void *src, size_t n);
    void (*synchronize)(struct numc_device *d);
    numc_allocator *allocator;
} numc_device;

numc_device *numc_device_cpu(void);
numc_device *numc_device_default(void);

#endif
