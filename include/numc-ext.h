/* numc-ext.h — the few engine facts the CPython extension (python/numc/)
 * needs beyond the public API of numc.h: decisions it takes to choose a fast
 * path. C programs do not need them. Each block below is owned by the part of
 * the extension that uses it. */
#ifndef NUMC_EXT_H
#define NUMC_EXT_H

#include "numc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ==== for the Python extension: indexing (python/numc/index.c) ==========
 * Whether a is a concrete value and no transform (tape, trace, vmap) is
 * active: such values may take C fast paths that skip numc_bind (releasing
 * the GIL around a kernel, a view instead of a slice primitive). */
bool numc_array_is_eager(const numc_array *a);
/* ==== end of for the Python extension: indexing ========================== */

#ifdef __cplusplus
}
#endif
#endif /* NUMC_EXT_H */
