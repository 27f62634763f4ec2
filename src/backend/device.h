/* device.h — the backend's side of devices: the registry (register, look up
 * by name, enumerate, the default device) and the CPU device's kernel entry.
 * The device struct itself (memory, host copies, the exec slot) is core's
 * (core-impl.h); a backend fills the exec slot when it registers a device.
 * Only the CPU device exists today. */
#ifndef NUMC_DEVICE_H
#define NUMC_DEVICE_H

#include "../prim/prim.h"

/* Adds d to the registry (its name must be new). Returns its index, or -1
 * with an error when the registry is full or the name is taken. */
int numc_device_register(numc_device *d);
/* The registered device called `name` ("cpu" means "cpu:0"), or NULL with a
 * ValueError naming it. */
numc_device *numc_device_lookup(const char *name);
numc_device *numc_device_at(int i); /* NULL when out of range */
/* The CPU device, registered with its kernels. */
numc_device *numc_device_cpu(void);
/* Where computations without operands (creation primitives) run. */
numc_device *numc_device_default(void);

#endif
