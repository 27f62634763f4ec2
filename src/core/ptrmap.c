/* ptrmap.c — numc_ptrmap: linear probing, grown at half load. */
#include "ptrmap.h"

static size_t ptr_hash(const void *p) {
    uintptr_t x = (uintptr_t)p;
    x ^= x >> 17;
    x *= 0xed5ad4bbu;
    x ^= x >> 11;
    return (size_t)x;
}

static bool grow(numc_ptrmap *m) {
    size_t ncap = m->cap ? m->cap * 2 : 64;
    numc_ptrmap g = {calloc(ncap, sizeof *g.keys), calloc(ncap, sizeof *g.vals), ncap, 0};
    if (!g.keys || !g.vals) {
        free(g.keys);
        free(g.vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = ptr_hash(m->keys[i]) & (ncap - 1);
            while (g.keys[j])
                j = (j + 1) & (ncap - 1);
            g.keys[j] = m->keys[i];
            g.vals[j] = m->vals[i];
            g.n++;
        }
    free(m->keys);
    free(m->vals);
    *m = g;
    return true;
}

numc_ptrmap_val *numc_ptrmap_slot(numc_ptrmap *m, const numc_array *k, bool insert) {
    if (insert && (m->n + 1) * 2 > m->cap && !grow(m)) return NULL;
    if (!m->cap) return NULL;
    size_t j = ptr_hash(k) & (m->cap - 1);
    while (m->keys[j]) {
        if (m->keys[j] == k) return &m->vals[j];
        j = (j + 1) & (m->cap - 1);
    }
    if (!insert) return NULL;
    m->keys[j] = k;
    memset(&m->vals[j], 0, sizeof m->vals[j]);
    m->n++;
    return &m->vals[j];
}

void numc_ptrmap_clear(numc_ptrmap *m, bool release_keys, bool release_vals) {
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i]) continue;
        if (release_keys) numc_array_release((numc_array *)m->keys[i]);
        if (release_vals) numc_array_release(m->vals[i].arr);
    }
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
