/* format.h — NumPy's print options and the array formatter's internal entry
 * points (numc_array_repr/str/print in numc.h are thin wrappers over these;
 * the Python module's set_printoptions, array2string, array_repr and
 * format_float_* use them directly). Owned by src/np/format.c. */
#ifndef NUMC_FORMAT_H
#define NUMC_FORMAT_H

#include "numc.h"

/* numc_print_options, numc_floatmode and the option functions are declared
 * in numc.h (print options block). */

/* str() of one element as NumPy prints its scalar (np.float32(0.1) -> "0.1",
 * complex -> "(1+2j)", bfloat16 as ml_dtypes prints it). */
char *numc_format_scalar_str(numc_dtype dt, const void *elem);

/* np.format_float_positional / np.format_float_scientific for a value of
 * dtype dt (float16/float32/float64; `v` must be exactly representable in
 * it). trim is one of 'k' '.' '0' '-'. precision, min_digits, pad_left,
 * pad_right and exp_digits take -1 for None. fractional applies to the
 * positional form only. */
char *numc_format_float(double v, numc_dtype dt, bool scientific, bool unique, bool fractional,
                        int precision, int min_digits, bool sign, char trim, int pad_left,
                        int pad_right, int exp_digits);

#endif
