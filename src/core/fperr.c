/* fperr.c — NumPy's floating-point error state (np.seterr): the per-thread
 * modes, the handler that reports a raised IEEE flag, and the flag access
 * the eager interpreter and the thread pool use (MXCSR on x86-64, where
 * <fenv.h> would also save and restore the x87 unit on every call). */
#include "core-impl.h"

#include <stdio.h>

#if defined(__x86_64__) || defined(__SSE__)
#include <xmmintrin.h>
#define NUMC_FP_MXCSR 1
#else
#include <fenv.h>
#endif

static _Thread_local numc_fp_errstate tls_err = {NUMC_FPMODE_WARN, NUMC_FPMODE_WARN,
                                                 NUMC_FPMODE_IGNORE, NUMC_FPMODE_WARN};
_Thread_local bool numc_fp_checking = true; /* some mode is not IGNORE */
static numc_fp_handler handler;

void numc_geterr(numc_fp_errstate *s) {
    *s = tls_err;
}

static bool mode_ok(numc_fp_mode m) {
    return m >= NUMC_FPMODE_IGNORE && m <= NUMC_FPMODE_LOG;
}

numc_status numc_seterr(const numc_fp_errstate *s) {
    if (!mode_ok(s->divide) || !mode_ok(s->over) || !mode_ok(s->under) || !mode_ok(s->invalid))
        return numc_error_set(NUMC_ERR_VALUE, "seterr: invalid error handling mode");
    tls_err = *s;
    numc_fp_checking = s->divide || s->over || s->under || s->invalid;
    return NUMC_OK;
}

void numc_set_fp_handler(numc_fp_handler fn) {
    handler = fn;
}

/* MXCSR: IE 0x01, ZE 0x04, OE 0x08, UE 0x10 (DE and PE are not reported). */
int numc_fpflags_take(void) {
#ifdef NUMC_FP_MXCSR
    unsigned csr = _mm_getcsr();
    if (!(csr & 0x1d)) return 0;
    _mm_setcsr(csr & ~0x3fu);
    return ((csr & 0x04) ? NUMC_FPE_DIVIDEBYZERO : 0) | ((csr & 0x08) ? NUMC_FPE_OVERFLOW : 0) |
           ((csr & 0x10) ? NUMC_FPE_UNDERFLOW : 0) | ((csr & 0x01) ? NUMC_FPE_INVALID : 0);
#else
    int e = fetestexcept(FE_DIVBYZERO | FE_OVERFLOW | FE_UNDERFLOW | FE_INVALID);
    if (!e) return 0;
    feclearexcept(FE_ALL_EXCEPT);
    return ((e & FE_DIVBYZERO) ? NUMC_FPE_DIVIDEBYZERO : 0) |
           ((e & FE_OVERFLOW) ? NUMC_FPE_OVERFLOW : 0) |
           ((e & FE_UNDERFLOW) ? NUMC_FPE_UNDERFLOW : 0) |
           ((e & FE_INVALID) ? NUMC_FPE_INVALID : 0);
#endif
}

void numc_fpflags_raise(int flags) {
    if (!flags) return;
#ifdef NUMC_FP_MXCSR
    _mm_setcsr(_mm_getcsr() | ((flags & NUMC_FPE_DIVIDEBYZERO) ? 0x04u : 0) |
               ((flags & NUMC_FPE_OVERFLOW) ? 0x08u : 0) |
               ((flags & NUMC_FPE_UNDERFLOW) ? 0x10u : 0) |
               ((flags & NUMC_FPE_INVALID) ? 0x01u : 0));
#else
    feraiseexcept(((flags & NUMC_FPE_DIVIDEBYZERO) ? FE_DIVBYZERO : 0) |
                  ((flags & NUMC_FPE_OVERFLOW) ? FE_OVERFLOW : 0) |
                  ((flags & NUMC_FPE_UNDERFLOW) ? FE_UNDERFLOW : 0) |
                  ((flags & NUMC_FPE_INVALID) ? FE_INVALID : 0));
#endif
}

/* A NumPy function composed of several primitives reports once, under its
 * own name, the flags its primitives raised (as NumPy's loop does). */
static _Thread_local const char *scope_name;
static _Thread_local int scope_flags;

int numc_fp_scope_begin(const char *name) {
    if (!numc_fp_checking || !name || scope_name) return 1;
    scope_name = name;
    scope_flags = 0;
    return 0;
}

numc_status numc_fp_scope_end(int token) {
    if (token) return NUMC_OK;
    const char *name = scope_name;
    int flags = scope_flags;
    scope_name = NULL;
    scope_flags = 0;
    return flags ? numc_fp_report(name, flags) : NUMC_OK;
}

/* PyUFunc_handlefperr's order: divide, over, under, invalid; the first
 * failing report stops. */
numc_status numc_fp_report(const char *op, int flags) {
    static const struct {
        int bit;
        const char *words;
    } kinds[4] = {{NUMC_FPE_DIVIDEBYZERO, "divide by zero"},
                  {NUMC_FPE_OVERFLOW, "overflow"},
                  {NUMC_FPE_UNDERFLOW, "underflow"},
                  {NUMC_FPE_INVALID, "invalid value"}};
    if (scope_name && op != scope_name) {
        scope_flags |= flags;
        return NUMC_OK;
    }
    numc_fp_mode modes[4] = {tls_err.divide, tls_err.over, tls_err.under, tls_err.invalid};
    bool printed = false;
    for (int k = 0; k < 4; k++) {
        if (!(flags & kinds[k].bit) || modes[k] == NUMC_FPMODE_IGNORE) continue;
        if (handler) {
            numc_status st = handler(modes[k], kinds[k].words, op, flags);
            if (st) return st;
            continue;
        }
        if (modes[k] == NUMC_FPMODE_RAISE)
            return numc_error_set(NUMC_ERR_RUNTIME, "FloatingPointError: %s encountered in %s",
                                  kinds[k].words, op);
        if (modes[k] == NUMC_FPMODE_PRINT && printed) continue;
        printed = true;
        fprintf(stderr, "%s: %s encountered in %s\n",
                modes[k] == NUMC_FPMODE_WARN ? "RuntimeWarning" : "Warning", kinds[k].words, op);
    }
    return NUMC_OK;
}
