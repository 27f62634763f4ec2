/* format.c — NumPy-exact printing: numc_array_repr/str/print, the print
 * options, and the float formatting underneath (the behaviour of NumPy 2's
 * arrayprint.py and Dragon4 with default legacy=False, re-implemented here).
 *
 * Float digits come from the C library: the shortest string that round-trips
 * at the element's own precision is the fewest significant digits whose
 * "%.*e" (glibc rounds exactly) reads back as the same value, and every
 * cut-off or extended digit string is the exactly rounded one from "%.*e",
 * which is what Dragon4 produces. bfloat16 prints as ml_dtypes prints it ("%g"), since NumPy
 * treats that dtype as opaque and calls str() per element. */
#include "../core/core-impl.h"
#include "format.h"

#include <inttypes.h>
#include <stdio.h>

/* ------------------------------------------------------------------------ */
/* string builder                                                           */

typedef struct {
    char *p;
    size_t n, cap;
    bool oom;
} sbuf;

static bool sb_reserve(sbuf *b, size_t extra) {
    if (b->oom) return false;
    if (b->n + extra + 1 <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + extra + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}
static void sb_putn(sbuf *b, const char *s, size_t n) {
    if (!sb_reserve(b, n)) return;
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}
static void sb_puts(sbuf *b, const char *s) {
    sb_putn(b, s, strlen(s));
}
static void sb_putc(sbuf *b, char c) {
    sb_putn(b, &c, 1);
}
static void sb_fill(sbuf *b, char c, int64_t n) {
    if (n <= 0 || !sb_reserve(b, (size_t)n)) return;
    memset(b->p + b->n, c, (size_t)n);
    b->n += (size_t)n;
    b->p[b->n] = 0;
}
/* Inserts n copies of c at position pos. */
static void sb_insert_fill(sbuf *b, size_t pos, char c, int64_t n) {
    if (n <= 0 || !sb_reserve(b, (size_t)n)) return;
    memmove(b->p + pos + n, b->p + pos, b->n - pos + 1);
    memset(b->p + pos, c, (size_t)n);
    b->n += (size_t)n;
}
static void sb_free(sbuf *b) {
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}
/* Hands the string to the caller (never NULL unless out of memory). */
static char *sb_finish(sbuf *b) {
    if (!b->oom && !sb_reserve(b, 0)) b->oom = true;
    if (b->oom) {
        sb_free(b);
        numc_error_set(NUMC_ERR_MEMORY, "out of memory while formatting an array");
        return NULL;
    }
    b->p[b->n] = 0;
    return b->p;
}

/* ------------------------------------------------------------------------ */
/* print options                                                            */

void numc_print_options_default(numc_print_options *o) {
    memset(o, 0, sizeof *o);
    o->precision = 8;
    o->threshold = 1000;
    o->edgeitems = 3;
    o->linewidth = 75;
    o->suppress = false;
    o->sign = '-';
    o->floatmode = NUMC_FLOATMODE_MAXPREC;
    strcpy(o->nanstr, "nan");
    strcpy(o->infstr, "inf");
    o->legacy = NUMC_PRINT_LEGACY_NONE;
}

static _Thread_local numc_print_options tls_opts;
static _Thread_local bool tls_opts_set;

void numc_get_print_options(numc_print_options *o) {
    if (tls_opts_set)
        *o = tls_opts;
    else
        numc_print_options_default(o);
}

numc_status numc_set_print_options(const numc_print_options *o) {
    if (o->sign != '-' && o->sign != '+' && o->sign != ' ')
        return numc_error_set(NUMC_ERR_VALUE, "sign option must be one of ' ', '+', or '-'");
    if (o->floatmode < NUMC_FLOATMODE_MAXPREC || o->floatmode > NUMC_FLOATMODE_MAXPREC_EQUAL)
        return numc_error_set(NUMC_ERR_VALUE, "floatmode option must be one of \"fixed\", "
                                              "\"unique\", \"maxprec\", \"maxprec_equal\"");
    if (o->precision < 0) return numc_error_set(NUMC_ERR_VALUE, "precision must be >= 0");
    if (o->edgeitems < 0) return numc_error_set(NUMC_ERR_VALUE, "edgeitems must be >= 0");
    if (o->linewidth < 0) return numc_error_set(NUMC_ERR_VALUE, "linewidth must be >= 0");
    if (!memchr(o->nanstr, 0, NUMC_PRINT_STRMAX) || !memchr(o->infstr, 0, NUMC_PRINT_STRMAX))
        return numc_error_set(NUMC_ERR_VALUE, "nanstr and infstr must be shorter than %d bytes",
                              NUMC_PRINT_STRMAX);
    if (o->legacy != NUMC_PRINT_LEGACY_NONE && o->legacy != 113 && o->legacy != 121 &&
        o->legacy != 125 && o->legacy != 201 && o->legacy != 202)
        return numc_error_set(NUMC_ERR_VALUE, "legacy printing option can currently only be "
                                              "'1.13', '1.21', '1.25', '2.1', '2.2' or `False`");
    tls_opts = *o;
    if (o->legacy == 113) tls_opts.sign = '-';
    tls_opts_set = true;
    return NUMC_OK;
}

/* ------------------------------------------------------------------------ */
/* decimal digits of a float                                                */

/* Precision classes whose shortest round-trip strings differ. */
enum { FT_F16, FT_F32, FT_F64 };

/* Enough for "%.*e"/"%.*f" with FMT_MAXPREC digits plus DBL_MAX's 309
 * integer digits. Larger requested precisions are clamped: a double's exact
 * expansion has at most 767 significant digits, the rest are zeros. */
#define FMT_MAXPREC 800
#define FMT_BUFLEN (FMT_MAXPREC + 340)

/* Digits as Dragon4 leaves them in its buffer: |value| ~ d[0].d[1..n-1] *
 * 10^e. Trailing zeros are meaningful (a cut-off that did not round up keeps
 * them; one that carried drops them), so they are not normalised away. */
typedef struct {
    int n;
    int e;
    char d[FMT_BUFLEN];
} decnum;

/* Parses "d.ddde+XX" (or "de+XX") as printed by "%.*e". */
static void dec_parse_e(const char *s, decnum *x) {
    x->n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') x->d[x->n++] = *s;
    x->e = *s == 'e' ? atoi(s + 1) : 0;
}

/* av rounded to nsig significant digits, trailing zeros stripped. */
static void dec_rounded_stripped(double av, int nsig, decnum *x) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", nsig - 1, av);
    dec_parse_e(buf, x);
    while (x->n > 1 && x->d[x->n - 1] == '0')
        x->n--;
}

static void dec_to_string(const decnum *x, char *buf, size_t len) {
    size_t k = 0;
    buf[k++] = x->d[0];
    buf[k++] = '.';
    for (int i = 1; i < x->n && k + 16 < len; i++)
        buf[k++] = x->d[i];
    snprintf(buf + k, len - k, "e%d", x->e);
}

/* Decimal exponent of the leading digit of av > 0 (17 significant digits
 * never carry for a double, so "%.16e" reports it exactly). */
static int dec_exponent(double av) {
    double l = log10(av);
    double f = floor(l);
    if (l - f > 1e-9 && l - f < 1 - 1e-9 && f > -330 && f < 330) return (int)f;
    char buf[40];
    snprintf(buf, sizeof buf, "%.16e", av);
    return atoi(strchr(buf, 'e') + 1);
}

/* Which way the digits in x were rounded from av: a carry (round-up) makes
 * Dragon4 drop the zeros it carried into, and its exact mode stops as soon as
 * the digits are exact; zeros cut off without either are kept. */
static void dec_fix_zeros(double av, decnum *x, bool exact_mode) {
    if (x->n <= 1 || x->d[x->n - 1] != '0') return;
    char buf[FMT_BUFLEN + 32];
    dec_to_string(x, buf, sizeof buf);
    double r = strtod(buf, NULL);
    bool strip;
    if (r != av) {
        strip = r > av;
    } else {
        /* Too close for a double compare: look at av's longer expansion. */
        char lng[FMT_BUFLEN + 64];
        int nd = x->n + 30 < FMT_MAXPREC ? x->n + 30 : FMT_MAXPREC;
        snprintf(lng, sizeof lng, "%.*e", nd - 1, av);
        decnum y;
        dec_parse_e(lng, &y);
        if (y.e != x->e || memcmp(y.d, x->d, (size_t)x->n) != 0) {
            strip = true; /* av < x: rounded up */
        } else {
            bool rest_zero = true;
            for (int i = x->n; i < y.n; i++)
                rest_zero &= y.d[i] == '0';
            strip = exact_mode && rest_zero;
        }
    }
    if (strip)
        while (x->n > 1 && x->d[x->n - 1] == '0')
            x->n--;
}

/* Does the decimal string round to av at precision ft? */
static bool roundtrips(const char *s, double av, int ft) {
    switch (ft) {
    case FT_F16:
        return (double)numc_f16_to_f32(numc_f64_to_f16(strtod(s, NULL))) == av;
    case FT_F32:
        return (double)strtof(s, NULL) == av;
    default:
        return strtod(s, NULL) == av;
    }
}

/* A power of two has a lower neighbour half as far away as its upper one. */
static bool has_unequal_margins(double av, int ft) {
    switch (ft) {
    case FT_F16: {
        uint16_t h = numc_f64_to_f16(av);
        return (h & 0x3ffu) == 0 && (h & 0x7c00u) > 0x400u;
    }
    case FT_F32: {
        float f = (float)av;
        uint32_t u;
        memcpy(&u, &f, 4);
        return (u & 0x7fffffu) == 0 && (u & 0x7f800000u) > 0x800000u;
    }
    default: {
        uint64_t u;
        memcpy(&u, &av, 8);
        return (u & 0xfffffffffffffull) == 0 && (u & 0x7ff0000000000000ull) > 0x10000000000000ull;
    }
    }
}

/* Does some p-digit string identify av? The closest one, or with unequal
 * margins (a power of two, whose lower neighbour is half as far away) the
 * one above it, which can still fall in the wider upper half when the
 * closest falls outside the narrow lower one. Fills x (zeros stripped). */
static bool identifies_with(double av, int ft, int p, decnum *x) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", p - 1, av);
    if (roundtrips(buf, av, ft)) {
        dec_parse_e(buf, x);
    } else {
        if (!has_unequal_margins(av, ft) || strtod(buf, NULL) >= av) return false;
        dec_parse_e(buf, x);
        int i = p - 1;
        while (i >= 0 && x->d[i] == '9')
            x->d[i--] = '0';
        if (i < 0) {
            x->d[0] = '1';
            x->e++;
        } else {
            x->d[i]++;
        }
        dec_to_string(x, buf, sizeof buf);
        if (!roundtrips(buf, av, ft)) return false;
    }
    while (x->n > 1 && x->d[x->n - 1] == '0')
        x->n--;
    return true;
}

/* Shortest digits (at most maxp) that identify av among the values of
 * precision ft, the closest such string when several tie in length
 * (Dragon4's unique mode). *ndig receives how many digits were generated
 * before a carry shortened them. */
static void dec_shortest_upto(double av, int ft, int maxp, decnum *x, int *ndig) {
    /* Integers below 2^(mantissa bits + 1) are spaced at most 1 apart, so
     * their own digits are the shortest (and exact). */
    double int_limit = ft == FT_F16 ? 2048.0 : ft == FT_F32 ? 16777216.0 : 9007199254740992.0;
    if (av < int_limit && av == floor(av)) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "%.0f", av);
        x->e = len - 1;
        x->n = len;
        memcpy(x->d, buf, (size_t)len);
        while (x->n > 1 && x->d[x->n - 1] == '0')
            x->n--;
        *ndig = x->n;
        return;
    }
    if (!has_unequal_margins(av, ft)) {
        /* With equal margins a length that identifies av keeps doing so with
         * more digits (the closer rounding is at least as close), so the
         * length can be bisected. */
        int lo = 1, hi = maxp;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (identifies_with(av, ft, mid, x))
                hi = mid;
            else
                lo = mid + 1;
        }
        identifies_with(av, ft, lo, x);
        *ndig = lo;
        return;
    }
    for (int p = 1; p <= maxp; p++) {
        if (identifies_with(av, ft, p, x)) {
            *ndig = p;
            return;
        }
    }
    dec_rounded_stripped(av, maxp, x);
    *ndig = maxp;
}

static int max_digits(int ft) {
    return ft == FT_F16 ? 5 : ft == FT_F32 ? 9 : 17;
}

/* ------------------------------------------------------------------------ */
/* Dragon4's options and output layout, over the digits above               */

typedef struct {
    bool scientific;
    bool unique;
    bool fractional; /* positional: precision counts fraction digits */
    int precision;   /* -1: none */
    int min_digits;  /* -1: none */
    bool sign;       /* always print a sign */
    char trim;       /* 'k' keep, '.' trim zeros keep point, '0' leave one zero, '-' trim both */
    int pad_left;    /* -1: none */
    int pad_right;   /* -1: none (positional only) */
    int exp_digits;  /* -1: none (at least 2) */
} d4opts;

/* The digits Dragon4 would generate for av > 0. Digit positions are powers
 * of ten: generation runs down from the leading digit and stops at the first
 * position that both identifies the value and reaches the minimum, or at the
 * cut-off, whichever comes first; the last digit is rounded to nearest. */
static void d4_digits(double av, int ft, const d4opts *o, decnum *x) {
    if (av == 0) {
        x->n = 1, x->d[0] = '0', x->e = 0;
        return;
    }
    int prec = o->precision < FMT_MAXPREC ? o->precision : FMT_MAXPREC;
    int mind = o->min_digits < FMT_MAXPREC ? o->min_digits : FMT_MAXPREC;
    int ndig = 0, ev = dec_exponent(av);
    /* lead: position of the first generated digit (a fraction cut-off below
     * the value pulls it up to the cut-off) */
    int lead = ev;
    bool has_max = prec >= 0;
    int cmax = 0, cmin = ev + 1;
    if (o->scientific) {
        cmax = ev - prec;
        if (mind >= 0 && ev - mind < cmin) cmin = ev - mind;
    } else if (o->fractional) {
        cmax = -prec;
        if (has_max && ev < -prec) lead = -prec, cmin = lead + 1;
        if (mind >= 0 && -mind < cmin) cmin = -mind;
    } else {
        cmax = ev + 1 - prec;
        if (mind >= 0 && ev + 1 - mind < cmin) cmin = ev + 1 - mind;
    }
    if (has_max && cmax > lead) has_max = false; /* never reached */

    int stop;
    if (o->unique) {
        /* The cut-off wins when the shortest string is longer, which one
         * test at the cut-off tells (the common case for arbitrary data). */
        int maxp = max_digits(ft);
        int nsig_max = has_max && lead == ev ? ev - cmax + 1 : maxp;
        if (nsig_max > maxp) nsig_max = maxp;
        if (has_max && lead == ev && nsig_max < maxp && !identifies_with(av, ft, nsig_max, x)) {
            stop = cmax;
        } else {
            dec_shortest_upto(av, ft, nsig_max, x, &ndig);
            int uniq = ev - ndig + 1;
            int m = uniq < cmin ? uniq : cmin;
            stop = has_max && cmax >= m ? cmax : m;
            if (stop == uniq) return; /* the shortest digits */
        }
    } else {
        if (!has_max) {
            /* exact mode without a reachable cut-off: every digit */
            char buf[FMT_BUFLEN + 16];
            snprintf(buf, sizeof buf, "%.*e", FMT_MAXPREC - 1, av);
            dec_parse_e(buf, x);
            while (x->n > 1 && x->d[x->n - 1] == '0')
                x->n--;
            return;
        }
        stop = cmax;
    }
    char buf[FMT_BUFLEN + 16];
    if (lead > ev) {
        /* the value lies below the cut-off digit: it rounds to 0 or 1 there */
        snprintf(buf, sizeof buf, "%.*f", -stop, av);
        x->n = 1;
        x->d[0] = buf[strlen(buf) - 1] == '1' ? '1' : '0';
        x->e = stop;
        return;
    }
    int nsig = ev - stop + 1;
    if (nsig > FMT_MAXPREC) nsig = FMT_MAXPREC;
    snprintf(buf, sizeof buf, "%.*e", nsig - 1, av);
    dec_parse_e(buf, x);
    dec_fix_zeros(av, x, !o->unique);
}

static void d4_format(sbuf *out, double v, int ft, const d4opts *o) {
    bool neg = signbit(v);
    if (!isfinite(v)) {
        /* Dragon4 signs infinities only */
        if (isinf(v)) {
            if (neg)
                sb_putc(out, '-');
            else if (o->sign)
                sb_putc(out, '+');
            sb_puts(out, "inf");
        } else {
            sb_puts(out, "nan");
        }
        return;
    }
    static _Thread_local decnum x;
    d4_digits(fabs(v), ft, o, &x);
    int has_sign = neg || o->sign;
    int add = o->unique ? o->min_digits : o->precision;
    size_t start = out->n;

    if (o->scientific) {
        if (o->pad_left > 1 + has_sign) sb_fill(out, ' ', o->pad_left - 1 - has_sign);
        if (neg)
            sb_putc(out, '-');
        else if (o->sign)
            sb_putc(out, '+');
        sb_putc(out, x.d[0]);
        int nfrac = x.n - 1;
        if (nfrac > 0) {
            sb_putc(out, '.');
            sb_putn(out, x.d + 1, (size_t)nfrac);
        }
        if (o->trim != '-' && nfrac == 0) sb_putc(out, '.');
        if (add < 0) add = 0;
        if (o->trim == '0') {
            if (nfrac == 0) sb_putc(out, '0'), nfrac++;
        } else if (o->trim == 'k' && add > nfrac) {
            sb_fill(out, '0', add - nfrac);
            nfrac = add;
        }
        if (o->trim != 'k' && nfrac > 0 && !out->oom) {
            while (out->p[out->n - 1] == '0')
                out->n--, nfrac--;
            if (o->trim == '0' && out->p[out->n - 1] == '.') sb_putc(out, '0'), nfrac++;
        }
        int ed = o->exp_digits > 5 ? 5 : o->exp_digits < 0 ? 2 : o->exp_digits;
        int e = x.e < 0 ? -x.e : x.e;
        char eb[8];
        int ne = 0;
        for (int t = e; t; t /= 10)
            ne++;
        if (ne < ed) ne = ed;
        for (int i = ne - 1, t = e; i >= 0; i--, t /= 10)
            eb[i] = (char)('0' + t % 10);
        sb_putc(out, 'e');
        sb_putc(out, x.e < 0 ? '-' : '+');
        sb_putn(out, eb, (size_t)ne);
        return;
    }

    if (neg)
        sb_putc(out, '-');
    else if (o->sign)
        sb_putc(out, '+');
    int nwhole, nfrac;
    if (x.e >= 0) {
        nwhole = x.e + 1;
        if (x.n <= nwhole) {
            sb_putn(out, x.d, (size_t)x.n);
            sb_fill(out, '0', nwhole - x.n);
            nfrac = 0;
        } else {
            sb_putn(out, x.d, (size_t)nwhole);
            sb_putc(out, '.');
            sb_putn(out, x.d + nwhole, (size_t)(x.n - nwhole));
            nfrac = x.n - nwhole;
        }
    } else {
        nwhole = 1;
        sb_puts(out, "0.");
        sb_fill(out, '0', -x.e - 1);
        sb_putn(out, x.d, (size_t)x.n);
        nfrac = x.n + (-x.e - 1);
    }
    if (o->trim != '-' && nfrac == 0) sb_putc(out, '.');
    int desired = add < 0 ? 0 : add;
    if (!o->fractional) desired = add - nwhole;
    if (o->trim == '0') {
        if (nfrac == 0) sb_putc(out, '0'), nfrac++;
    } else if (o->trim == 'k' && desired > nfrac) {
        sb_fill(out, '0', desired - nfrac);
        nfrac = desired;
    }
    if (o->trim != 'k' && nfrac > 0 && !out->oom) {
        while (out->p[out->n - 1] == '0')
            out->n--, nfrac--;
        if (out->p[out->n - 1] == '.') {
            if (o->trim == '0')
                sb_putc(out, '0'), nfrac++;
            else if (o->trim == '-')
                out->n--;
        }
    }
    if (o->pad_right >= nfrac) {
        if (o->trim == '-' && nfrac == 0) sb_putc(out, ' ');
        sb_fill(out, ' ', o->pad_right - nfrac);
    }
    if (o->pad_left > nwhole + has_sign)
        sb_insert_fill(out, start, ' ', o->pad_left - nwhole - has_sign);
    if (!out->oom) out->p[out->n] = 0;
}

static int ft_of(numc_dtype dt) {
    switch (dt) {
    case NUMC_FLOAT16:
        return FT_F16;
    case NUMC_FLOAT32:
    case NUMC_COMPLEX64:
        return FT_F32;
    default:
        return FT_F64;
    }
}

char *numc_format_float(double v, numc_dtype dt, bool scientific, bool unique, bool fractional,
                        int precision, int min_digits, bool sign, char trim, int pad_left,
                        int pad_right, int exp_digits) {
    if (dt != NUMC_FLOAT16 && dt != NUMC_FLOAT32 && dt != NUMC_FLOAT64) {
        numc_error_set(NUMC_ERR_TYPE, "format_float: float16, float32 or float64 expected");
        return NULL;
    }
    if (!unique && precision < 0) {
        numc_error_set(NUMC_ERR_VALUE, "precision must be provided when unique is False");
        return NULL;
    }
    if (trim != 'k' && trim != '.' && trim != '0' && trim != '-') {
        numc_error_set(NUMC_ERR_VALUE, "trim must be one of 'k', '.', '0' or '-'");
        return NULL;
    }
    if (min_digits > 0 && precision > 0 && min_digits > precision) {
        numc_error_set(NUMC_ERR_VALUE, "min_digits must be less than or equal to precision");
        return NULL;
    }
    d4opts o = {scientific, unique, fractional, precision, min_digits,
                sign,       trim,   pad_left,   pad_right, exp_digits};
    sbuf b = {0};
    d4_format(&b, v, ft_of(dt), &o);
    return sb_finish(&b);
}

/* ------------------------------------------------------------------------ */
/* element access                                                           */

/* A host-readable description of the array: base points at element [0..0]. */
typedef struct {
    const char *base;
    numc_dtype dt;
    int64_t isz;
    int ndim;
    const int64_t *shape;
    int64_t bstrides[NUMC_MAX_DIMS]; /* in bytes */
} hview;

static double load_real(numc_dtype dt, const char *p) {
    switch (dt) {
    case NUMC_FLOAT16: {
        uint16_t h;
        memcpy(&h, p, 2);
        return numc_f16_to_f32(h);
    }
    case NUMC_BFLOAT16: {
        uint16_t h;
        memcpy(&h, p, 2);
        return numc_bf16_to_f32(h);
    }
    case NUMC_FLOAT32:
    case NUMC_COMPLEX64: {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    default: {
        double d;
        memcpy(&d, p, 8);
        return d;
    }
    }
}
static double load_imag(numc_dtype dt, const char *p) {
    return dt == NUMC_COMPLEX64 ? load_real(dt, p + 4) : load_real(dt, p + 8);
}
static int64_t load_i64(numc_dtype dt, const char *p) {
    switch (dt) {
    case NUMC_INT8:
        return *(const int8_t *)p;
    case NUMC_INT16: {
        int16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case NUMC_INT32: {
        int32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    case NUMC_INT64: {
        int64_t v;
        memcpy(&v, p, 8);
        return v;
    }
    case NUMC_UINT8:
        return *(const uint8_t *)p;
    case NUMC_UINT16: {
        uint16_t v;
        memcpy(&v, p, 2);
        return v;
    }
    case NUMC_UINT32: {
        uint32_t v;
        memcpy(&v, p, 4);
        return v;
    }
    default:
        return 0;
    }
}
static uint64_t load_u64(const char *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* ------------------------------------------------------------------------ */
/* element formatters (arrayprint's FloatingFormat, IntegerFormat, ...)     */

typedef struct {
    int ft;
    const numc_print_options *o;
    char sign;
    bool exp_format, unique;
    int precision, min_digits, pad_left, pad_right, exp_size;
    char trim;
} ffmt;

/* Rounds x to the value set of ft (for NumPy's comparisons done in the
 * element's own dtype). */
static double in_ft(double x, int ft) {
    switch (ft) {
    case FT_F16:
        return numc_f16_to_f32(numc_f64_to_f16(x));
    case FT_F32:
        return (float)x;
    default:
        return x;
    }
}

static bool ffmt_init(ffmt *f, const double *v, int64_t n, int ft, char sign,
                      const numc_print_options *o, numc_floatmode fm, bool is_0d) {
    memset(f, 0, sizeof *f);
    bool l113 = o->legacy <= 113;
    /* 1.13 printed a space for the sign of non-0-d arrays */
    if (l113 && !is_0d && sign == '-') sign = ' ';
    f->ft = ft;
    f->o = o;
    f->sign = sign;
    f->precision = fm == NUMC_FLOATMODE_UNIQUE ? -1 : o->precision;

    int64_t nfinite = 0;
    double maxv = 0, minv = INFINITY;
    bool any_signbit = false, any_neginf = false;
    for (int64_t i = 0; i < n; i++) {
        double x = v[i];
        if (!isfinite(x)) {
            if (isinf(x) && x < 0) any_neginf = true;
            continue;
        }
        nfinite++;
        if (signbit(x)) any_signbit = true;
        double ax = fabs(x);
        if (ax != 0) {
            if (ax > maxv) maxv = ax;
            if (ax < minv) minv = ax;
        }
    }
    if (minv != INFINITY) {
        /* 10**min(8, finfo.precision); the comparisons and the ratio are
         * computed in the element's dtype, as NumPy's scalars do. */
        double cutoff = ft == FT_F16 ? 1e3 : ft == FT_F32 ? 1e6 : 1e8;
        if (o->legacy <= 202) cutoff = 1e8;
        double ratio;
        if (ft == FT_F64) {
            ratio = maxv / minv;
        } else {
            /* float16 divides in float32 and rounds back, like npy_half */
            float r32 = (float)maxv / (float)minv;
            ratio = ft == FT_F32 ? r32 : in_ft(r32, FT_F16);
        }
        if (maxv >= cutoff || (!o->suppress && (minv < in_ft(1e-4, ft) || ratio > 1000.)))
            f->exp_format = true;
    }

    sbuf s = {0};
    if (nfinite == 0) {
        f->pad_left = f->pad_right = 0;
        f->trim = '.';
        f->exp_size = -1;
        f->unique = true;
        f->min_digits = -1;
    } else if (f->exp_format) {
        char trim = '.';
        bool unique = true;
        if (fm == NUMC_FLOATMODE_FIXED || l113) trim = 'k', unique = false;
        d4opts d = {true, unique, true, f->precision, -1, sign == '+', trim, -1, -1, -1};
        int max_int = 0, max_frac = 0, max_exp = 0;
        for (int64_t i = 0; i < n; i++) {
            if (!isfinite(v[i])) continue;
            s.n = 0;
            d4_format(&s, v[i], ft, &d);
            if (s.oom) break;
            const char *e = strchr(s.p, 'e');
            const char *dot = memchr(s.p, '.', (size_t)(e - s.p));
            int li = (int)(dot - s.p), lf = (int)(e - dot - 1), le = (int)strlen(e + 1);
            if (li > max_int) max_int = li;
            if (lf > max_frac) max_frac = lf;
            if (le > max_exp) max_exp = le;
        }
        f->exp_size = max_exp - 1;
        f->trim = 'k';
        f->precision = max_frac;
        f->min_digits = max_frac;
        f->unique = unique;
        f->pad_left = l113 ? 3 : max_int;
        f->pad_right = f->exp_size + 2 + f->precision;
    } else {
        char trim = '.';
        bool unique = true;
        if (fm == NUMC_FLOATMODE_FIXED) trim = 'k', unique = false;
        d4opts d = {false, unique, true, f->precision, -1, sign == '+', trim, -1, -1, -1};
        int max_int = 0, max_frac = 0;
        for (int64_t i = 0; i < n; i++) {
            if (!isfinite(v[i])) continue;
            s.n = 0;
            d4_format(&s, v[i], ft, &d);
            if (s.oom) break;
            const char *dot = strchr(s.p, '.');
            int li = (int)(dot - s.p), lf = (int)strlen(dot + 1);
            if (l113) li = 1 + li - (s.p[0] == '-' || s.p[0] == '+');
            if (li > max_int) max_int = li;
            if (lf > max_frac) max_frac = lf;
        }
        f->pad_left = max_int;
        f->pad_right = max_frac;
        f->exp_size = -1;
        f->unique = unique;
        if (fm == NUMC_FLOATMODE_FIXED || fm == NUMC_FLOATMODE_MAXPREC_EQUAL) {
            f->precision = f->min_digits = f->pad_right;
            f->trim = 'k';
        } else {
            f->trim = '.';
            f->min_digits = 0;
        }
    }
    bool oom = s.oom;
    sb_free(&s);
    if (oom) return false;

    if (!l113 && sign == ' ' && !any_signbit) f->pad_left += 1;
    if (nfinite != n) {
        int neginf = sign != '-' || any_neginf;
        int offset = f->pad_right + 1;
        int ln = (int)strlen(o->nanstr) - offset;
        int li = (int)strlen(o->infstr) + neginf - offset;
        if (ln > f->pad_left) f->pad_left = ln;
        if (li > f->pad_left) f->pad_left = li;
    }
    return true;
}

static void ffmt_call(const ffmt *f, double x, sbuf *out) {
    if (!isfinite(x)) {
        char ret[NUMC_PRINT_STRMAX + 2];
        if (isnan(x))
            snprintf(ret, sizeof ret, "%s%s", f->sign == '+' ? "+" : "", f->o->nanstr);
        else
            snprintf(ret, sizeof ret, "%s%s",
                     x < 0            ? "-"
                     : f->sign == '+' ? "+"
                                      : "",
                     f->o->infstr);
        sb_fill(out, ' ', (int64_t)f->pad_left + f->pad_right + 1 - (int64_t)strlen(ret));
        sb_puts(out, ret);
        return;
    }
    d4opts d;
    if (f->exp_format)
        d = (d4opts){true,           f->unique, true,        f->precision, f->min_digits,
                     f->sign == '+', f->trim,   f->pad_left, -1,           f->exp_size};
    else
        d = (d4opts){false,          f->unique, true,        f->precision, f->min_digits,
                     f->sign == '+', f->trim,   f->pad_left, f->pad_right, -1};
    d4_format(out, x, f->ft, &d);
}

/* The formatter for one array: built from the elements that will be shown. */
typedef struct {
    numc_dtype dt;
    const numc_print_options *o;
    bool is_0d;
    ffmt re, im;   /* floats; complex uses both */
    char int_sign; /* Python format-spec sign for integers */
    int int_width;
    bool *failed; /* set when the user's formatter failed (its error is set) */
} efmt;

static void efmt_call(const efmt *F, const char *p, sbuf *out) {
    numc_dtype dt = F->dt;
    char buf[64];
    if (F->o && F->o->formatter) {
        char *s = F->o->formatter(F->o->formatter_ctx, dt, p);
        if (!s) {
            *F->failed = true;
            out->oom = true;
            return;
        }
        sb_puts(out, s);
        free(s);
        return;
    }
    switch (dt) {
    case NUMC_BOOL:
        sb_puts(out, *(const uint8_t *)p ? (F->is_0d ? "True" : " True") : "False");
        return;
    case NUMC_FLOAT16:
    case NUMC_FLOAT32:
    case NUMC_FLOAT64:
        ffmt_call(&F->re, load_real(dt, p), out);
        return;
    case NUMC_COMPLEX64:
    case NUMC_COMPLEX128: {
        ffmt_call(&F->re, load_real(dt, p), out);
        size_t start = out->n;
        ffmt_call(&F->im, load_imag(dt, p), out);
        if (out->oom) return;
        /* 'j' goes before the imaginary part's trailing padding */
        size_t end = out->n;
        while (end > start && out->p[end - 1] == ' ')
            end--;
        sb_insert_fill(out, end, 'j', 1);
        return;
    }
    case NUMC_BFLOAT16: {
        double x = load_real(dt, p);
        if (isnan(x))
            sb_puts(out, "nan");
        else {
            snprintf(buf, sizeof buf, "%g", x);
            sb_puts(out, buf);
        }
        return;
    }
    default: {
        int n;
        if (dt == NUMC_UINT64) {
            uint64_t u = load_u64(p);
            n = F->int_sign == '-' ? snprintf(buf, sizeof buf, "%" PRIu64, u)
                                   : snprintf(buf, sizeof buf, "%c%" PRIu64, F->int_sign, u);
        } else {
            int64_t v = load_i64(dt, p);
            if (v < 0 || F->int_sign == '-')
                n = snprintf(buf, sizeof buf, "%" PRId64, v);
            else
                n = snprintf(buf, sizeof buf, "%c%" PRId64, F->int_sign, v);
        }
        sb_fill(out, ' ', F->int_width - n);
        sb_putn(out, buf, (size_t)n);
        return;
    }
    }
}

/* ------------------------------------------------------------------------ */
/* traversal of the shown elements                                          */

typedef struct {
    const hview *v;
    bool summary;
    int64_t edge;
    void (*fn)(void *ctx, const char *p);
    void *ctx;
} visitor;

/* Visits the elements _leading_trailing keeps, in C order. NumPy slices the
 * trailing edge as a[-edgeitems:], which is the whole axis when edgeitems is
 * 0; that quirk is kept. */
static void visit(const visitor *V, int axis, const char *p) {
    const hview *v = V->v;
    if (axis == v->ndim) {
        V->fn(V->ctx, p);
        return;
    }
    int64_t len = v->shape[axis], bs = v->bstrides[axis];
    if (V->summary && len > 2 * V->edge) {
        for (int64_t i = 0; i < V->edge; i++)
            visit(V, axis + 1, p + i * bs);
        int64_t from = V->edge ? len - V->edge : 0;
        for (int64_t i = from; i < len; i++)
            visit(V, axis + 1, p + i * bs);
    } else {
        for (int64_t i = 0; i < len; i++)
            visit(V, axis + 1, p + i * bs);
    }
}

typedef struct {
    numc_dtype dt;
    double *re, *im;
    int64_t n;
    bool have_int;
    int64_t imin, imax;
    uint64_t umin, umax;
} gather_ctx;

static void gather_fn(void *c, const char *p) {
    gather_ctx *g = c;
    numc_dtype dt = g->dt;
    if (numc_dt_is_inexact(dt)) {
        g->re[g->n] = load_real(dt, p);
        if (g->im) g->im[g->n] = load_imag(dt, p);
        g->n++;
    } else if (dt == NUMC_UINT64) {
        uint64_t u = load_u64(p);
        if (!g->have_int || u < g->umin) g->umin = u;
        if (!g->have_int || u > g->umax) g->umax = u;
        g->have_int = true;
    } else if (dt != NUMC_BOOL) {
        int64_t x = load_i64(dt, p);
        if (!g->have_int || x < g->imin) g->imin = x;
        if (!g->have_int || x > g->imax) g->imax = x;
        g->have_int = true;
    }
}

static int64_t shown_count(const hview *v, bool summary, int64_t edge) {
    int64_t n = 1;
    for (int i = 0; i < v->ndim; i++) {
        int64_t len = v->shape[i];
        if (summary && len > 2 * edge) len = edge ? 2 * edge : len;
        n *= len;
    }
    return n;
}

static int decimal_len_i(int64_t x) {
    char b[32];
    return snprintf(b, sizeof b, "%" PRId64, x);
}
static int decimal_len_u(uint64_t x) {
    char b[32];
    return snprintf(b, sizeof b, "%" PRIu64, x);
}

static bool efmt_init(efmt *F, const hview *v, bool summary, const numc_print_options *o) {
    memset(F, 0, sizeof *F);
    F->dt = v->dt;
    F->o = o;
    F->is_0d = v->ndim == 0;
    numc_dtype dt = v->dt;
    if (o->formatter || dt == NUMC_BOOL || dt == NUMC_BFLOAT16) return true;

    gather_ctx g = {.dt = dt};
    if (numc_dt_is_inexact(dt)) {
        int64_t n = shown_count(v, summary, o->edgeitems);
        g.re = malloc((size_t)(n ? n : 1) * sizeof(double));
        if (numc_dt_is_complex(dt)) g.im = malloc((size_t)(n ? n : 1) * sizeof(double));
        if (!g.re || (numc_dt_is_complex(dt) && !g.im)) {
            free(g.re);
            free(g.im);
            return false;
        }
    }
    visitor V = {v, summary, o->edgeitems, gather_fn, &g};
    visit(&V, 0, v->base);

    bool ok = true;
    if (numc_dt_is_inexact(dt)) {
        int ft = ft_of(dt);
        /* 1.13 printed complex numbers with these float modes */
        numc_floatmode fre = o->floatmode, fim = o->floatmode;
        if (g.im && o->legacy <= 113)
            fre = NUMC_FLOATMODE_MAXPREC_EQUAL, fim = NUMC_FLOATMODE_MAXPREC;
        ok = ffmt_init(&F->re, g.re, g.n, ft, o->sign, o, fre, F->is_0d);
        if (ok && g.im) ok = ffmt_init(&F->im, g.im, g.n, ft, '+', o, fim, F->is_0d);
        free(g.re);
        free(g.im);
        return ok;
    }
    /* IntegerFormat: width of the longest of str(max), str(min), with room
     * for the sign that '+'/' ' add to a non-negative maximum. */
    char sign = o->sign;
    int w;
    if (dt == NUMC_UINT64) {
        w = decimal_len_u(g.umax);
        if (sign != '-') w += 1;
        int wmin = decimal_len_u(g.umin);
        if (wmin > w) w = wmin;
    } else {
        if (sign == ' ' && g.imin < 0) sign = '-';
        w = decimal_len_i(g.imax);
        if (g.imax >= 0 && sign != '-') w += 1;
        int wmin = decimal_len_i(g.imin);
        if (wmin > w) w = wmin;
    }
    F->int_sign = sign;
    F->int_width = w;
    return true;
}

/* ------------------------------------------------------------------------ */
/* layout (arrayprint._formatArray)                                         */

typedef struct {
    const hview *v;
    const efmt *F;
    const char *sep;
    size_t seplen, sep_rlen; /* separator, and its length without trailing spaces */
    bool summary;
    int64_t edge;
    sbuf word;
    bool l113; /* legacy='1.13' layout */
} layout;

static void flush_line(sbuf *s, sbuf *line) {
    size_t end = line->n;
    while (end > 0 && line->p[end - 1] == ' ')
        end--;
    sb_putn(s, line->p, end);
    sb_putc(s, '\n');
    line->n = 0;
}

/* _extendLine: wrap before `word` when it would pass `width`, unless the
 * line holds nothing but its indent (1.13 wrapped then too). */
static void extend_line(sbuf *s, sbuf *line, const char *word, size_t wlen, int64_t width,
                        int64_t indent, bool l113) {
    if ((int64_t)(line->n + wlen) > width && (l113 || (int64_t)line->n > indent)) {
        flush_line(s, line);
        sb_fill(line, ' ', indent);
    }
    sb_putn(line, word, wlen);
}

/* _extendLine_pretty: a multi-line word (from a user's formatter) keeps its
 * lines aligned under its first one. */
static void extend_line_pretty(sbuf *s, sbuf *line, const char *word, size_t wlen, int64_t width,
                               int64_t indent, bool l113) {
    const char *nl = memchr(word, '\n', wlen);
    if (l113 || !nl || nl + 1 == word + wlen) {
        extend_line(s, line, word, wlen, width, indent, l113);
        return;
    }
    size_t maxw = 0, lastw = 0;
    for (const char *w = word, *end = word + wlen; w < end;) {
        const char *e = memchr(w, '\n', (size_t)(end - w));
        size_t n = e ? (size_t)(e - w) : (size_t)(end - w);
        if (n > maxw) maxw = n;
        lastw = n;
        w = e ? e + 1 : end;
    }
    int64_t ind;
    if ((int64_t)(line->n + maxw) > width && (int64_t)line->n > indent) {
        flush_line(s, line);
        sb_fill(line, ' ', indent);
        ind = indent;
    } else {
        ind = (int64_t)line->n;
    }
    bool first = true;
    for (const char *w = word, *end = word + wlen; w < end;) {
        const char *e = memchr(w, '\n', (size_t)(end - w));
        size_t n = e ? (size_t)(e - w) : (size_t)(end - w);
        if (!first) {
            flush_line(s, line);
            sb_fill(line, ' ', ind);
        }
        sb_putn(line, w, n);
        first = false;
        w = e ? e + 1 : end;
    }
    sb_fill(line, ' ', (int64_t)(maxw - lastw));
}

static void layout_rec(layout *L, sbuf *out, int axis, const char *p, int64_t indent,
                       int64_t width) {
    const hview *v = L->v;
    int axes_left = v->ndim - axis;
    if (axes_left == 0) {
        efmt_call(L->F, p, out);
        return;
    }
    int64_t len = v->shape[axis], bs = v->bstrides[axis];
    bool show = L->summary && 2 * L->edge < len;
    int64_t leading = show ? L->edge : 0, trailing = show ? L->edge : len;
    sbuf s = {0};

    bool l113 = L->l113;
    if (axes_left == 1) {
        int64_t elem_width = l113 ? width - (int64_t)L->sep_rlen
                                  : width - (int64_t)(L->sep_rlen > 1 ? L->sep_rlen : 1);
        sbuf line = {0};
        sb_fill(&line, ' ', indent);
        for (int64_t i = 0; i < leading; i++) {
            L->word.n = 0;
            efmt_call(L->F, p + i * bs, &L->word);
            if (L->word.oom) break;
            extend_line_pretty(&s, &line, L->word.p, L->word.n, elem_width, indent, l113);
            sb_putn(&line, L->sep, L->seplen);
        }
        if (show) {
            extend_line(&s, &line, "...", 3, elem_width, indent, l113);
            if (l113)
                sb_puts(&line, ", ");
            else
                sb_putn(&line, L->sep, L->seplen);
        }
        /* the trailing items, then always the last one (even when
         * edgeitems is 0) */
        for (int64_t i = trailing; i >= 2 && !L->word.oom; i--) {
            L->word.n = 0;
            efmt_call(L->F, p + (len - i) * bs, &L->word);
            if (L->word.oom) break;
            extend_line_pretty(&s, &line, L->word.p, L->word.n, elem_width, indent, l113);
            sb_putn(&line, L->sep, L->seplen);
        }
        if (l113) elem_width = width;
        if (!L->word.oom) {
            L->word.n = 0;
            efmt_call(L->F, p + (len - 1) * bs, &L->word);
        }
        if (!L->word.oom)
            extend_line_pretty(&s, &line, L->word.p, L->word.n, elem_width, indent, l113);
        if (L->word.oom) s.oom = true;
        sb_putn(&s, line.p ? line.p : "", line.n);
        if (line.oom) s.oom = true;
        sb_free(&line);
    } else {
        char nl[NUMC_MAX_DIMS + 1];
        int nnl = axes_left - 1;
        memset(nl, '\n', (size_t)nnl);
        /* rows: leading ones, "...", trailing ones, and always the last */
        int64_t nrows = leading + (show ? 1 : 0) + (trailing > 1 ? trailing - 1 : 0) + 1;
        for (int64_t k = 0; k < nrows; k++) {
            sb_fill(&s, ' ', indent);
            if (show && k == leading) {
                sb_puts(&s, "...");
                if (l113) {
                    sb_puts(&s, ", \n");
                    continue;
                }
            } else {
                int64_t i = k < leading ? k : len - (nrows - k);
                layout_rec(L, &s, axis + 1, p + i * bs, indent + 1, l113 ? width : width - 1);
            }
            if (k + 1 < nrows) {
                sb_putn(&s, L->sep, L->sep_rlen);
                sb_putn(&s, nl, (size_t)nnl);
            }
        }
    }
    if (s.oom) out->oom = true;
    sb_putc(out, '[');
    if (s.n > (size_t)indent) sb_putn(out, s.p + indent, s.n - (size_t)indent);
    sb_putc(out, ']');
    sb_free(&s);
}

/* ------------------------------------------------------------------------ */
/* entry points                                                             */

/* Makes a host-readable view; *tmp receives a copy to free when the data is
 * not directly addressable (another device, or a strided read not allowed). */
static numc_status host_view(const numc_array *a, hview *v, void **tmp) {
    *tmp = NULL;
    v->base = NULL;
    v->dt = a->dtype;
    v->isz = (int64_t)numc_dtype_info[a->dtype].itemsize;
    v->ndim = a->ndim;
    v->shape = a->shape;
    if (!a->buffer)
        return numc_error_set(NUMC_ERR_TYPE, "cannot print the value of a traced array");
    const void *data = a->size ? numc_array_data(a) : NULL;
    if (data || a->size == 0) {
        v->base = data;
        for (int i = 0; i < a->ndim; i++)
            v->bstrides[i] = a->strides[i] * v->isz;
        return NUMC_OK;
    }
    *tmp = malloc((size_t)(a->size * v->isz));
    if (!*tmp) return numc_error_set(NUMC_ERR_MEMORY, "out of memory while formatting an array");
    numc_status st = numc_array_to_host(a, *tmp);
    if (st) {
        free(*tmp);
        *tmp = NULL;
        return st;
    }
    v->base = *tmp;
    int64_t s = v->isz;
    for (int i = a->ndim - 1; i >= 0; i--) {
        v->bstrides[i] = s;
        s *= a->shape[i];
    }
    return NUMC_OK;
}

static void scalar_str_into(sbuf *out, numc_dtype dt, const char *p);

/* repr(a.item()): the element as a Python bool, int, float or complex (what
 * legacy='1.13' printed for 0-d arrays). */
static void item_repr_into(sbuf *out, numc_dtype dt, const char *p) {
    if (numc_dt_is_complex(dt)) {
        double c[2] = {load_real(dt, p), load_imag(dt, p)};
        scalar_str_into(out, NUMC_COMPLEX128, (const char *)c);
    } else if (numc_dt_is_inexact(dt)) {
        double x = load_real(dt, p);
        scalar_str_into(out, NUMC_FLOAT64, (const char *)&x);
    } else {
        scalar_str_into(out, dt, p);
    }
}

/* Appends array2string's result. */
static numc_status array2string_into(sbuf *out, const hview *v, int64_t size,
                                     const numc_print_options *o, const char *sep,
                                     const char *prefix, const char *suffix) {
    bool l113 = o->legacy <= 113;
    if (l113 && v->ndim == 0) {
        item_repr_into(out, v->dt, v->base);
        return NUMC_OK;
    }
    if (size == 0) {
        sb_puts(out, "[]");
        return NUMC_OK;
    }
    bool summary = size > o->threshold;
    efmt F;
    bool failed = false;
    if (!efmt_init(&F, v, summary, o))
        return numc_error_set(NUMC_ERR_MEMORY, "out of memory while formatting an array");
    F.failed = &failed;
    layout L = {v, &F, sep, strlen(sep), 0, summary, o->edgeitems, {0}, l113};
    L.sep_rlen = L.seplen;
    while (L.sep_rlen > 0 && sep[L.sep_rlen - 1] == ' ')
        L.sep_rlen--;
    int64_t width = o->linewidth - (l113 ? 0 : (int64_t)strlen(suffix));
    layout_rec(&L, out, 0, v->base, 1 + (int64_t)strlen(prefix), width);
    sb_free(&L.word);
    if (failed) {
        out->oom = false;
        return numc_error_kind() ? numc_error_kind() : NUMC_ERR_VALUE;
    }
    return NUMC_OK;
}

static const numc_print_options *opts_or_current(const numc_print_options *o,
                                                 numc_print_options *store) {
    if (o) return o;
    numc_get_print_options(store);
    return store;
}

char *numc_format_array2string(const numc_array *a, const numc_print_options *o,
                               const char *separator, const char *prefix, const char *suffix) {
    numc_print_options store;
    o = opts_or_current(o, &store);
    hview v;
    void *tmp;
    if (host_view(a, &v, &tmp)) return NULL;
    sbuf b = {0};
    numc_status st = array2string_into(&b, &v, a->size, o, separator ? separator : " ",
                                       prefix ? prefix : "", suffix ? suffix : "");
    free(tmp);
    if (st) {
        sb_free(&b);
        return NULL;
    }
    return sb_finish(&b);
}

static bool dtype_is_implied(numc_dtype dt, int legacy) {
    if (legacy <= 113 && dt == NUMC_BOOL) return false;
    return dt == NUMC_INT64 || dt == NUMC_FLOAT64 || dt == NUMC_COMPLEX128 || dt == NUMC_BOOL;
}

static void put_shape(sbuf *b, int ndim, const int64_t *shape) {
    char buf[32];
    sb_putc(b, '(');
    for (int i = 0; i < ndim; i++) {
        if (i) sb_puts(b, ", ");
        snprintf(buf, sizeof buf, "%" PRId64, shape[i]);
        sb_puts(b, buf);
    }
    if (ndim == 1) sb_putc(b, ',');
    sb_putc(b, ')');
}

char *numc_format_repr(const numc_array *a, const numc_print_options *o) {
    numc_print_options store;
    o = opts_or_current(o, &store);
    hview v;
    void *tmp;
    if (host_view(a, &v, &tmp)) return NULL;
    const char *prefix = "array(";
    sbuf b = {0};
    sb_puts(&b, prefix);
    numc_status st = array2string_into(&b, &v, a->size, o, ", ", prefix, ")");
    free(tmp);
    if (st) {
        sb_free(&b);
        return NULL;
    }
    bool want_shape = (a->size == 0 && !(a->ndim == 1 && a->shape[0] == 0)) ||
                      (o->legacy > 210 && a->size > o->threshold);
    bool want_dtype = !dtype_is_implied(a->dtype, o->legacy) || a->size == 0;
    if (!want_shape && !want_dtype) {
        sb_putc(&b, ')');
        return sb_finish(&b);
    }
    sb_putc(&b, ',');
    sbuf extra = {0};
    if (want_shape) {
        sb_puts(&extra, "shape=");
        put_shape(&extra, a->ndim, a->shape);
    }
    if (want_dtype) {
        if (want_shape) sb_puts(&extra, ", ");
        sb_puts(&extra, "dtype=");
        sb_puts(&extra, numc_dtype_info[a->dtype].name);
    }
    sb_putc(&extra, ')');
    if (b.oom || extra.oom) {
        sb_free(&extra);
        b.oom = true;
        return sb_finish(&b);
    }
    /* the extras go on a new line when they would pass the line width */
    size_t line_start = b.n;
    while (line_start > 0 && b.p[line_start - 1] != '\n')
        line_start--;
    int64_t last_line_len = (int64_t)(b.n - line_start);
    if (o->legacy > 113 && last_line_len + (int64_t)extra.n + 1 > o->linewidth) {
        sb_putc(&b, '\n');
        sb_fill(&b, ' ', (int64_t)strlen(prefix));
    } else {
        sb_putc(&b, ' ');
    }
    sb_putn(&b, extra.p, extra.n);
    sb_free(&extra);
    return sb_finish(&b);
}

/* str() of a NumPy float scalar: positional between 1e-4 and a per-dtype
 * cutoff, scientific outside; "1.0" but "1e+20". */
static void scalar_float_either(sbuf *out, double x, int ft, char trim_pos, char trim_sci,
                                bool sign) {
    double maxpos = ft == FT_F16 ? 1e3 : ft == FT_F32 ? 1e6 : 1e16;
    double ax = fabs(x);
    bool positional = isnan(x) || x == 0 || (ax < maxpos && ax >= 1e-4);
    d4opts d = {!positional, true, false, -1, -1, sign, positional ? trim_pos : trim_sci,
                -1,          -1,   -1};
    d4_format(out, x, ft, &d);
}

static void scalar_str_into(sbuf *out, numc_dtype dt, const char *p) {
    switch (dt) {
    case NUMC_BOOL:
        sb_puts(out, *(const uint8_t *)p ? "True" : "False");
        return;
    case NUMC_FLOAT16:
    case NUMC_FLOAT32:
    case NUMC_FLOAT64:
        scalar_float_either(out, load_real(dt, p), ft_of(dt), '0', '-', false);
        return;
    case NUMC_COMPLEX64:
    case NUMC_COMPLEX128: {
        int ft = ft_of(dt);
        double re = load_real(dt, p), im = load_imag(dt, p);
        if (re == 0 && !signbit(re)) {
            scalar_float_either(out, im, ft, '-', '-', false);
            sb_putc(out, 'j');
            return;
        }
        sb_putc(out, '(');
        if (isfinite(re))
            scalar_float_either(out, re, ft, '-', '-', false);
        else
            sb_puts(out, isnan(re) ? "nan" : re > 0 ? "inf" : "-inf");
        if (isfinite(im))
            scalar_float_either(out, im, ft, '-', '-', true);
        else
            sb_puts(out, isnan(im) ? "+nan" : im > 0 ? "+inf" : "-inf");
        sb_puts(out, "j)");
        return;
    }
    default: {
        efmt F;
        memset(&F, 0, sizeof F);
        F.dt = dt;
        F.is_0d = true;
        F.int_sign = '-';
        efmt_call(&F, p, out);
        return;
    }
    }
}

char *numc_format_scalar_str(numc_dtype dt, const void *elem) {
    sbuf b = {0};
    scalar_str_into(&b, dt, elem);
    return sb_finish(&b);
}

char *numc_format_str(const numc_array *a, const numc_print_options *o) {
    numc_print_options store;
    o = opts_or_current(o, &store);
    if (a->ndim == 0) {
        hview v;
        void *tmp;
        if (host_view(a, &v, &tmp)) return NULL;
        sbuf b = {0};
        if (o->legacy <= 113)
            item_repr_into(&b, a->dtype, v.base);
        else
            scalar_str_into(&b, a->dtype, v.base);
        free(tmp);
        return sb_finish(&b);
    }
    return numc_format_array2string(a, o, " ", "", "");
}

char *numc_array_repr(const numc_array *a) {
    return numc_format_repr(a, NULL);
}
char *numc_array_str(const numc_array *a) {
    return numc_format_str(a, NULL);
}

void numc_array_print(const numc_array *a, FILE *f) {
    char *s = numc_array_str(a);
    if (!s) {
        fprintf(f, "<%s>\n", numc_error_message());
        return;
    }
    fputs(s, f);
    fputc('\n', f);
    free(s);
}
