/* ptrmap.h — an open-addressing hash map keyed by array address (the
 * interpreters' side tables: the tape's watched set and cotangents, the
 * trace's lifted operands). Values are immutable, so an address identifies
 * an array while the map's owner holds a reference to it. Owned by
 * src/core/ptrmap.c. */
#ifndef NUMC_PTRMAP_H
#define NUMC_PTRMAP_H

#include "core-impl.h"

/* A value: an array reference or an integer id, as the owner chooses. */
typedef union {
    numc_array *arr;
    int64_t id;
} numc_ptrmap_val;

typedef struct {
    const numc_array **keys; /* NULL: an empty slot */
    numc_ptrmap_val *vals;
    size_t cap, n; /* cap: 0 or a power of two */
} numc_ptrmap;     /* zero-initialised: empty */

/* k's value slot, or NULL when k is absent. With insert, an absent k is
 * added with a zeroed value (NULL only when out of memory; no error set). */
numc_ptrmap_val *numc_ptrmap_slot(numc_ptrmap *m, const numc_array *k, bool insert);
/* Frees the map, first releasing the keys and/or the values' arrays
 * (vals[].arr) where asked, and leaves it empty. */
void numc_ptrmap_clear(numc_ptrmap *m, bool release_keys, bool release_vals);

#endif
