/* device.c — the device registry. The CPU device (core's host device with
 * the CPU kernels installed) is registered first and is the default; other
 * backends add theirs with numc_device_register. */
#include "cpu/cpu.h"

#include <pthread.h>

#define MAX_DEVICES 16

static numc_device *devices[MAX_DEVICES];
static int ndevices;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static numc_status cpu_exec(numc_device *d, int prim, int nin, const numc_array *const *in,
                            const struct numc_params *params, numc_array *const *out) {
    return numc_cpu_exec(d, (numc_prim)prim, nin, in, params, out);
}

static void register_cpu(void) {
    numc_device *cpu = numc_device_host();
    cpu->exec = cpu_exec;
    devices[ndevices++] = cpu;
}

/* Registered before main() so every host buffer's device can run kernels even
 * when nothing asked the registry first; the once guard covers callers from
 * other constructors. */
__attribute__((constructor)) static void registry_init(void) {
    pthread_once(&registry_once, register_cpu);
}

int numc_device_register(numc_device *d) {
    registry_init();
    pthread_mutex_lock(&registry_lock);
    int idx = -1;
    bool taken = false;
    for (int i = 0; i < ndevices; i++)
        taken = taken || strcmp(devices[i]->name, d->name) == 0;
    if (taken)
        numc_error_set(NUMC_ERR_VALUE, "device '%s' is already registered", d->name);
    else if (ndevices == MAX_DEVICES)
        numc_error_set(NUMC_ERR_RUNTIME, "too many devices (at most %d)", MAX_DEVICES);
    else {
        idx = ndevices;
        devices[ndevices++] = d;
    }
    pthread_mutex_unlock(&registry_lock);
    return idx;
}

numc_device *numc_device_at(int i) {
    registry_init();
    pthread_mutex_lock(&registry_lock);
    numc_device *d = i >= 0 && i < ndevices ? devices[i] : NULL;
    pthread_mutex_unlock(&registry_lock);
    return d;
}

numc_device *numc_device_lookup(const char *name) {
    registry_init();
    if (name) {
        /* "cpu" is "cpu:0": a bare kind names its first device */
        size_t n = strlen(name);
        pthread_mutex_lock(&registry_lock);
        numc_device *found = NULL;
        for (int i = 0; i < ndevices && !found; i++) {
            const char *dn = devices[i]->name;
            if (strcmp(dn, name) == 0 || (strncmp(dn, name, n) == 0 && strcmp(dn + n, ":0") == 0))
                found = devices[i];
        }
        pthread_mutex_unlock(&registry_lock);
        if (found) return found;
    }
    numc_error_set(NUMC_ERR_VALUE, "unknown device '%s' (available: %s)", name ? name : "(null)",
                   numc_device_cpu()->name);
    return NULL;
}

numc_device *numc_device_cpu(void) {
    registry_init();
    return devices[0];
}

numc_device *numc_device_default(void) {
    return numc_device_cpu();
}

/* ---- public API ---- */
int numc_device_count(void) {
    registry_init();
    pthread_mutex_lock(&registry_lock);
    int n = ndevices;
    pthread_mutex_unlock(&registry_lock);
    return n;
}

const char *numc_device_name(int i) {
    numc_device *d = numc_device_at(i);
    return d ? d->name : NULL;
}

int numc_device_find(const char *name) {
    numc_device *d = numc_device_lookup(name);
    if (!d) return -1;
    for (int i = 0;; i++)
        if (numc_device_at(i) == d) return i;
}

const char *numc_default_device(void) {
    return numc_device_default()->name;
}

const char *numc_array_device(const numc_array *a) {
    return a->buffer ? a->buffer->device->name : numc_default_device();
}
