/* threefry.c — the threefry2x32 primitive's CPU kernel: Salmon et al.'s
 * Threefry-2x32 block cipher with 20 rounds (Random123's threefry2x32_20),
 * the counter-based generator under numc.random's keys. Operands are
 * materialised C-contiguous when they are views; blocks split over the pool. */
#include "cpu.h"

#include "../../core/core-impl.h"

typedef struct {
    const uint32_t *k0, *k1, *x0, *x1;
    uint32_t *y0, *y1;
} tf_ctx;

static inline uint32_t rotl32(uint32_t v, int r) {
    return (v << r) | (v >> (32 - r));
}

static void tf_task(void *vctx, int64_t begin, int64_t end) {
    static const int rot[8] = {13, 15, 26, 6, 17, 29, 16, 24};
    const tf_ctx *c = vctx;
    for (int64_t i = begin; i < end; i++) {
        uint32_t ks[3] = {c->k0[i], c->k1[i], c->k0[i] ^ c->k1[i] ^ 0x1BD11BDAu};
        uint32_t a = c->x0[i] + ks[0], b = c->x1[i] + ks[1];
        for (int g = 0; g < 5; g++) {
            const int *r = rot + 4 * (g & 1);
            for (int k = 0; k < 4; k++) {
                a += b;
                b = rotl32(b, r[k]);
                b ^= a;
            }
            a += ks[(g + 1) % 3];
            b += ks[(g + 2) % 3] + (uint32_t)(g + 1);
        }
        c->y0[i] = a;
        c->y1[i] = b;
    }
}

numc_status numc_cpu_threefry(numc_prim p, int nin, const numc_array *const *in,
                              const numc_params *params, numc_array *const *out) {
    (void)p;
    (void)nin;
    (void)params;
    numc_array *tmp[4] = {NULL};
    const uint32_t *src[4];
    numc_status st = NUMC_OK;
    for (int k = 0; k < 4 && !st; k++) {
        if (!numc_array_is_contiguous(in[k])) {
            tmp[k] = numc_array_new(NUMC_UINT32, in[k]->ndim, in[k]->shape);
            st = tmp[k] ? numc_cpu_copy(in[k], tmp[k]) : numc_error_kind();
        }
        if (!st) src[k] = (const uint32_t *)numc_array_ptr(tmp[k] ? tmp[k] : in[k]);
    }
    if (!st) {
        tf_ctx c = {src[0],
                    src[1],
                    src[2],
                    src[3],
                    (uint32_t *)numc_array_ptr(out[0]),
                    (uint32_t *)numc_array_ptr(out[1])};
        numc_parallel_for(out[0]->size, 32, tf_task, &c);
    }
    for (int k = 0; k < 4; k++)
        if (tmp[k]) numc_array_release(tmp[k]);
    return st;
}
