/* format.h — NumPy's print options and the array formatter's internal entry
 * points (numc_array_repr/str/print in numc.h are thin wrappers over these;
 * the Python module's set_printoptions, array2string, array_repr and
 * format_float_* use them directly). Owned by src/np/format.c. */
#ifndef NUMC_FORMAT_H
#define NUMC_FORMAT_H

#include "numc.h"

typedef enum {
    NUMC_FLOATMODE_MAXPREC = 0, /* NumPy's default */
    NUMC_FLOATMODE_FIXED,
    NUMC_FLOATMODE_UNIQUE,
    NUMC_FLOATMODE_MAXPREC_EQUAL,
} numc_floatmode;

#define NUMC_PRINT_STRMAX 32

/* np.get_printoptions() without formatter/legacy/override_repr. */
typedef struct {
    int precision;                  /* 8 */
    int64_t threshold;              /* 1000: summarise when size > threshold */
    int64_t edgeitems;              /* 3 */
    int64_t linewidth;              /* 75 */
    bool suppress;                  /* false */
    char sign;                      /* '-', '+' or ' ' */
    numc_floatmode floatmode;       /* maxprec */
    char nanstr[NUMC_PRINT_STRMAX]; /* "nan" */
    char infstr[NUMC_PRINT_STRMAX]; /* "inf" */
} numc_print_options;

/* NumPy's defaults. */
void numc_print_options_default(numc_print_options *o);
/* The current options are per thread, like NumPy's context variable. */
void numc_get_print_options(numc_print_options *o);
/* Validates as np.set_printoptions does (ValueError on a bad sign, negative
 * precision/edgeitems/linewidth/threshold). */
numc_status numc_set_print_options(const numc_print_options *o);

/* NULL options mean the current ones. Results are malloc'ed (free()); NULL
 * with the error set on failure. */
char *numc_format_repr(const numc_array *a, const numc_print_options *o);
char *numc_format_str(const numc_array *a, const numc_print_options *o);
/* np.array2string(a, separator=, prefix=, suffix=) with options o. */
char *numc_format_array2string(const numc_array *a, const numc_print_options *o,
                               const char *separator, const char *prefix, const char *suffix);
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
