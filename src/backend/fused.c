/* fused.c — fused elementwise programs (fused.h): allocation, and the entry
 * that hands a program to the device its operands live on (only the CPU
 * has a fused executor today). */
#include "fused.h"

#include "cpu/cpu.h"

numc_fused_prog *numc_fused_prog_new(int nregs, int nin, int nops, int nout) {
    size_t sz = sizeof(numc_fused_prog) + sizeof(numc_fused_op) * (size_t)nops +
                sizeof(numc_fused_in) * (size_t)nin + sizeof(numc_dtype) * (size_t)nregs +
                sizeof(int) * (size_t)(2 * nregs + nout);
    numc_fused_prog *p = calloc(1, sz);
    if (!p) {
        numc_error_set(NUMC_ERR_MEMORY, "fusion: out of memory");
        return NULL;
    }
    char *q = (char *)(p + 1);
    p->ops = (numc_fused_op *)(void *)q;
    q += sizeof(numc_fused_op) * (size_t)nops;
    p->in = (numc_fused_in *)(void *)q;
    q += sizeof(numc_fused_in) * (size_t)nin;
    p->dtype = (numc_dtype *)(void *)q;
    q += sizeof(numc_dtype) * (size_t)nregs;
    p->slot = (int *)(void *)q;
    q += sizeof(int) * (size_t)nregs;
    p->out = (int *)(void *)q;
    p->nregs = nregs;
    p->nin = nin;
    p->nops = nops;
    p->nout = nout;
    return p;
}

numc_status numc_fused_run(const numc_fused_prog *p, const numc_array *const *in,
                           numc_array *const *out) {
    numc_device *cpu = numc_device_host();
    for (int k = 0; k < p->nin; k++)
        if (!in[k]->buffer || in[k]->buffer->device != cpu) return NUMC_ERR_NOT_IMPLEMENTED;
    for (int k = 0; k < p->nout; k++)
        if (out[k]->buffer->device != cpu) return NUMC_ERR_NOT_IMPLEMENTED;
    return numc_cpu_fused_run(p, in, out);
}
