/* numc-ext.h — the engine's API for language bindings (today numc's CPython
 * extension, python/numc/), beyond what numc.h gives a C application: facts
 * about a value that a binding's fast paths test (concrete? plain?), reuse
 * of an unshared scalar in place, and the tape interpreter's extended API that the Python
 * transforms drive (several targets in one pass, pause/resume, records with
 * a callback backward). Every entry is a function or a declaration: no
 * engine struct is exposed, so the engine may change its layout freely.
 * A C application needs only numc.h; a binding includes this header and no
 * header of src/. */
#ifndef NUMC_EXT_H
#define NUMC_EXT_H

#include "numc.h"

#ifndef NUMC_LIKELY
#define NUMC_LIKELY(x) __builtin_expect(!!(x), 1)
#define NUMC_UNLIKELY(x) __builtin_expect(!!(x), 0)
#endif

/* ---- values (src/np/ext.c) ---- */

/* The leading fields of every numc_array, so that the hottest test (is the
 * handle weak?) stays inline in a binding's wrap path; src/np/ext.c checks at
 * compile time that they match the engine's layout. Read-only. */
typedef struct {
    long refcount_; /* atomic in the engine: never read it */
    numc_dtype dtype;
    int ndim;
    int flags;
} numc_array_head;
#define NUMC_ARRAY_HEAD_WEAK 1
static inline bool numc_array_head_is_weak(const numc_array *a) {
    return (((const numc_array_head *)(const void *)a)->flags & NUMC_ARRAY_HEAD_WEAK) != 0;
}

/* Whether a holds a value (a buffer): false for the tracers of numc.function,
 * vmap and control flow, whose slots must not read elements. */
bool numc_array_is_concrete(const numc_array *a);
/* A concrete host value that no interpreter owns (not a tape's, not a
 * tracer): C fast paths may read and build such values directly. */
bool numc_array_is_plain(const numc_array *a);
/* Steals a and returns it strong (not weak): in place when nothing else holds
 * the handle or a is a tracer, otherwise as a new view of the same buffer.
 * Never fails (a is returned unchanged when a view cannot be made). */
numc_array *numc_array_strengthen(numc_array *a);
/* Overwrites the element of the weak 0-d host array a with nbytes from val,
 * when nothing but the caller holds a or its buffer (no view, no export);
 * returns false, changing nothing, otherwise. Lets a binding reuse one weak
 * Python-scalar operand across `x * 2.0` calls. */
bool numc_array_overwrite_scalar(numc_array *a, const void *val, size_t nbytes);
/* Whether a is a concrete value and no transform (tape, trace, vmap) is
 * active: such values may take C fast paths that skip numc_bind (releasing
 * the GIL around a kernel, a view instead of a slice primitive). */
bool numc_array_is_eager(const numc_array *a);
/* A new handle to a's value through a differentiable identity: outer tapes
 * record it, and a tape that watches it watches nothing else. */
numc_array *numc_array_fresh_handle(const numc_array *a);
/* C-order element strides of a shape (core's helper). */
void numc_contig_strides(int ndim, const int64_t *shape, int64_t *strides);

/* ---- the tape's extended API (src/interp/tape.c, whose src/interp/tape.h
 * includes this header) ---- */

/* The sum over targets k of d(<output_gradients[k], targets[k]>)/d(sources),
 * in one backward pass. output_gradients may be NULL, and each entry may be
 * NULL (ones). A NULL source gets NULL. Otherwise as numc_tape_gradient. */
numc_status numc_tape_gradient_n(numc_tape *t, int ntargets, const numc_array *const *targets,
                                 const numc_array *const *output_gradients, int nsources,
                                 const numc_array *const *sources, bool unconnected_zero,
                                 numc_array **grads);
/* Pushes a stopped tape back on this thread's stack (re-entering a
 * persistent tape); RuntimeError if it is active. */
numc_status numc_tape_resume(numc_tape *t);
bool numc_tape_is_active(const numc_tape *t);
/* A paused tape stays on the stack but records nothing (stop_recording). */
void numc_tape_set_recording(numc_tape *t, bool on);
bool numc_tape_is_recording(const numc_tape *t);
/* Drops every record (keeps the watched set): a consumed non-persistent tape. */
void numc_tape_clear(numc_tape *t);
/* Whether x is an input of some record (a watched value that was used). */
bool numc_tape_accessed(const numc_tape *t, const numc_array *x);
/* Debugging: how many records the tape holds, and record k's primitive name
 * ("custom" for a custom record). */
size_t numc_tape_num_records(const numc_tape *t);
const char *numc_tape_record_name(const numc_tape *t, size_t k);
/* The innermost active, recording tape (not in a backward pass) that watches
 * one of xs[0..n) (NULL entries are skipped), or NULL. */
numc_tape *numc_tape_innermost(int n, const numc_array *const *xs);
/* A custom record's backward: given the record's inputs, outputs and the
 * outputs' cotangents (NULL = zero), sets ct_in[i] to a new reference with the
 * shape and dtype of in[i], or leaves it NULL (zero). It runs while the tape is
 * in its backward pass, so what it binds is recorded only by outer tapes. */
typedef numc_status (*numc_tape_custom_fn)(void *payload, int nin, const numc_array *const *in,
                                           int nout, const numc_array *const *out,
                                           const numc_array *const *ct_out, numc_array **ct_in);
/* Appends a record {in -> out} whose VJP is fn(payload, ...) and watches the
 * inexact outputs. The outputs must be fresh values (neither inputs nor
 * already on the tape). The tape owns payload from this call on, even on
 * failure: payload_free(payload) runs when the record is dropped. */
numc_status numc_tape_record_custom(numc_tape *t, int nin, const numc_array *const *in, int nout,
                                    numc_array *const *out, numc_tape_custom_fn fn, void *payload,
                                    void (*payload_free)(void *));

#endif
