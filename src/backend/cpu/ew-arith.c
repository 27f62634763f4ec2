/* ew-arith.c — the CPU loops of the non-transcendental elementwise primitives
 * (arithmetic, rounding, comparisons, bitwise, classification, integer power)
 * for every dtype, with NumPy's ufunc semantics, and their table
 * numc_ew_arith_loops, stamped from the expressions and op lists of
 * ../ew-expr.h (EW_ARITH_OPS_<class>). Transcendentals live in ew-math.c. */
#include "ew-impl.h"

#define EW_GEN_LOOPS(E, n, t, s, k, K) EW_FOR_DTYPE(EW_ARITH_OPS, EW_STAMP, E, t, K)
NUMC_DTYPE_LIST(EW_GEN_LOOPS)

#define EW_GEN_CELLS(E, n, t, s, k, K) EW_FOR_DTYPE(EW_ARITH_OPS, EW_CELL, E, t, K)
const numc_ew_table numc_ew_arith_loops = {NUMC_DTYPE_LIST(EW_GEN_CELLS)};
