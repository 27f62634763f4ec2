/* index-impl.h — the parsed form of an index key shared by getitem (index.c)
 * and setitem (setitem.c): the Ellipsis expanded into full slices, concrete
 * 0-d index arrays read as integers, masks told apart from integer arrays. */
#ifndef NUMC_NP_INDEX_IMPL_H
#define NUMC_NP_INDEX_IMPL_H

#include "np-impl.h"
#include "numc-ext.h"

/* Item kinds after parsing (no Ellipsis left). */
enum { IX_INT, IX_SLICE, IX_NEWAXIS, IX_ARRAY, IX_MASK, IX_BOOL };

typedef struct {
    int kind;
    int64_t i;             /* IX_INT value, IX_BOOL value */
    const numc_index *src; /* IX_SLICE: the caller's slice, NULL for ':' */
    const numc_array *arr; /* IX_ARRAY / IX_MASK (borrowed) */
} ix_item;

typedef struct {
    int n;
    int n_adv;    /* arrays, masks, bool scalars */
    int n_traced; /* of which traced 0-d integers */
    ix_item it[NUMC_MAX_INDICES + NUMC_MAX_DIMS];
} ix_key;

/* Parses idx against an array of `ndim` dims: kinds checked, Ellipsis
 * expanded (explicit or implied at the end), the count checked. */
numc_status ix_parse(ix_key *k, int n, const numc_index *idx, int ndim);

/* Geometry of a basic key (ints, slices, newaxis only) applied to a value of
 * the given shape/strides: out shape/strides, element offset delta, and the
 * per-input-dim (start, step, len; len -1 for an integer) of the traced path. */
typedef struct {
    int ndim;
    int64_t shape[NUMC_MAX_DIMS], strides[NUMC_MAX_DIMS];
    int64_t offset;
    int64_t start[NUMC_MAX_DIMS], step[NUMC_MAX_DIMS], len[NUMC_MAX_DIMS];
} ix_geo;
numc_status ix_geometry(const ix_key *k, int ndim, const int64_t *shape, const int64_t *strides,
                        ix_geo *g);
/* Python's slice.indices(n): start, step and the count; ValueError for a zero step. */
numc_status ix_slice_bounds(const numc_index *s, int64_t n, int64_t *start, int64_t *step,
                            int64_t *len);
/* a[k] for a key with advanced items. */
numc_array *ix_apply_advanced(const numc_array *a, const ix_key *k);
/* NumPy's "index 5 is out of bounds for axis 0 with size 3" IndexError. */
numc_status ix_out_of_bounds(int64_t i, int axis, int64_t n);

/* The value of an assignment: cast to dt, leading length-1 dims dropped,
 * broadcast to (nd, shape); NumPy's "could not broadcast input array from
 * shape ... into shape ..." ValueError otherwise. The one broadcast check of
 * index assignment (numc_setitem, numc_setitem_slice). A scope reference. */
numc_array *np_fit_value(np_scope *s, const numc_array *v, numc_dtype dt, int nd,
                         const int64_t *shape);

#endif
