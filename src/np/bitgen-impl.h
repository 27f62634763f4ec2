/* bitgen-impl.h — the bit generators' next-word steps (MT19937 tempering,
 * PCG64's 128-bit LCG with the XSL-RR output), inline so the draw loops of
 * random.c and random-dist.c run without a call per word. */
#ifndef NUMC_BITGEN_IMPL_H
#define NUMC_BITGEN_IMPL_H

#include "numc.h"

typedef unsigned __int128 u128;

enum { MT_N = 624, MT_M = 397 };

#define PCG_MULT (((u128)2549297995355413924ull << 64) | 4865540595714422341ull)

/* regenerates the 624 words (random.c) */
void np_mt_refill(numc_bitgen *g);

static inline uint32_t np_mt_next32(numc_bitgen *g) {
    if (g->mt_pos >= MT_N) np_mt_refill(g);
    uint32_t y = g->mt[g->mt_pos++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    return y ^ (y >> 18);
}

static inline u128 u128_of(const uint64_t w[2]) {
    return ((u128)w[0] << 64) | w[1];
}
static inline void u128_put(uint64_t w[2], u128 v) {
    w[0] = (uint64_t)(v >> 64);
    w[1] = (uint64_t)v;
}

static inline uint64_t np_pcg_next64(numc_bitgen *g) {
    u128 st = u128_of(g->pcg_state) * PCG_MULT + u128_of(g->pcg_inc);
    u128_put(g->pcg_state, st);
    uint64_t x = (uint64_t)(st >> 64) ^ (uint64_t)st;
    unsigned rot = (unsigned)(st >> 122);
    return (x >> rot) | (x << ((64u - rot) & 63u));
}

/* the interface NumPy's distributions see: 32-bit words (PCG64 hands out a
 * 64-bit word's halves, low first), 64-bit words, [0, 1) doubles */
static inline uint32_t np_bg_next32(numc_bitgen *g) {
    if (g->kind == NUMC_BITGEN_MT19937) return np_mt_next32(g);
    if (g->has_uint32) {
        g->has_uint32 = 0;
        return g->uinteger;
    }
    uint64_t v = np_pcg_next64(g);
    g->has_uint32 = 1;
    g->uinteger = (uint32_t)(v >> 32);
    return (uint32_t)v;
}

static inline uint64_t np_bg_next64(numc_bitgen *g) {
    if (g->kind == NUMC_BITGEN_PCG64) return np_pcg_next64(g);
    uint64_t hi = np_mt_next32(g);
    return (hi << 32) | np_mt_next32(g);
}

static inline double np_bg_next_double(numc_bitgen *g) {
    if (g->kind == NUMC_BITGEN_PCG64)
        return (double)(np_pcg_next64(g) >> 11) * (1.0 / 9007199254740992.0);
    int32_t a = (int32_t)(np_mt_next32(g) >> 5), b = (int32_t)(np_mt_next32(g) >> 6);
    return (a * 67108864.0 + b) / 9007199254740992.0;
}

#endif
