/* tape.h — internal extensions of the tape interpreter (tape.c) that the
 * Python transforms (python/numc/autodiff.c) and the C tests use beyond the
 * public numc_tape_* API of numc.h: several targets in one backward pass,
 * pausing and resuming, and custom records whose backward is a callback
 * (custom_vjp). */
#ifndef NUMC_TAPE_H
#define NUMC_TAPE_H

#include "numc.h"

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
/* Whether a tape on this thread's stack, above the nearest trace, watches
 * one of xs[0..n) (paused or not): such a tape would need to record what
 * binds them. */
bool numc_tape_stack_watches(int n, const numc_array *const *xs);
bool numc_tape_accessed(const numc_tape *t, const numc_array *x);
/* Debugging: how many records the tape holds, and record k's primitive
 * name ("custom" for a custom record). */
size_t numc_tape_num_records(const numc_tape *t);
const char *numc_tape_record_name(const numc_tape *t, size_t k);
/* The innermost active, recording tape (not in a backward pass) that
 * watches one of xs[0..n) (NULL entries are skipped), or NULL. */
numc_tape *numc_tape_innermost(int n, const numc_array *const *xs);

/* A custom record's backward: given the record's inputs, outputs and the
 * outputs' cotangents (NULL = zero), sets ct_in[i] to a new reference with
 * the shape and dtype of in[i], or leaves it NULL (zero). It runs while the
 * tape is in its backward pass, so what it binds is recorded only by outer
 * tapes (higher order). */
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
