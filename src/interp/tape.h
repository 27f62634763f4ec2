/* tape.h — the tape interpreter's internal API beyond include/numc-ext.h
 * (which declares the extended tape API that bindings drive: several targets
 * in one backward pass, pause/resume, custom records). Only what the engine
 * itself needs and bindings do not is declared here. */
#ifndef NUMC_TAPE_H
#define NUMC_TAPE_H

#include "numc-ext.h"

/* Whether a tape on this thread's stack, above the nearest trace, watches
 * one of xs[0..n) (paused or not): such a tape would need to record what
 * binds them. */
bool numc_tape_stack_watches(int n, const numc_array *const *xs);

#endif
