/* breadth2.h — the spec-table functions of breadth2.c (issue 8: einsum,
 * vecdot, save/load, frombuffer, fromiter, put, place, shares_memory): rows
 * of kind FRAMEFN in functions.def, each given its parsed frame. */
#ifndef PYNUMC_BREADTH2_H
#define PYNUMC_BREADTH2_H

#include "parser.h"

typedef PyObject *(*pynumc_framefn)(frame_t *f);

PyObject *pynumc_einsum(frame_t *f);
PyObject *pynumc_einsum_path(frame_t *f);
PyObject *pynumc_vecdot(frame_t *f);
PyObject *pynumc_save(frame_t *f);
PyObject *pynumc_load(frame_t *f);
PyObject *pynumc_frombuffer(frame_t *f);
PyObject *pynumc_fromiter(frame_t *f);
PyObject *pynumc_put(frame_t *f);
PyObject *pynumc_place(frame_t *f);
PyObject *pynumc_shares_memory(frame_t *f);
PyObject *pynumc_may_share_memory(frame_t *f);

#endif
