/* fft-impl.h — the FFT engine of fft.c, written once for one real type and
 * included twice (R = float with FN suffix _f, R = double with _d). It owns
 * the complex plans (mixed radix 2/3/4/5/generic odd, Stockham ordering, or
 * Bluestein's chirp-z convolution for lengths with large prime factors) and
 * the real plans (r2c/c2r of even length through a half-length complex
 * transform; odd lengths through a full complex one). Twiddles come from
 * fft.c's long-double table and are rounded once to R.
 *
 * Expected before inclusion: R, C (struct {R r, i;}), FN(name); undefined
 * again at the end. It brings fft-lines.h (the per-axis line loop) along.
 * Not a public header: only fft.c includes it. */

static inline C FN(cadd)(C a, C b) {
    return (C){a.r + b.r, a.i + b.i};
}
static inline C FN(csub)(C a, C b) {
    return (C){a.r - b.r, a.i - b.i};
}
static inline C FN(cmul)(C a, C b) {
    return (C){a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r};
}
/* a * b (forward) or a * conj(b) (backward) */
static inline C FN(ctw)(C a, C b, int fwd) {
    return fwd ? (C){a.r * b.r - a.i * b.i, a.r * b.i + a.i * b.r}
               : (C){a.r * b.r + a.i * b.i, a.i * b.r - a.r * b.i};
}
static inline C FN(conj)(C a) {
    return (C){a.r, -a.i};
}

/* ---- the complex mixed-radix plan ---- */

typedef struct {
    int64_t n;
    int nf;
    int fct[FFT_MAX_FACTORS];
    C *tw[FFT_MAX_FACTORS]; /* (ip-1)*ido forward twiddles W_n^(l1*i*m) */
    C *cs[FFT_MAX_FACTORS]; /* generic odd radix: (cos, sin)(2 pi q / ip), q < ip */
    C *mem;
} FN(cfftp);

typedef struct {
    int64_t n, m;
    FN(cfftp) * p; /* length m */
    C *bk;         /* chirp exp(-pi i j^2 / n), j < n */
    C *bkf;        /* FFT_m of the conjugated chirp, wrapped, scaled by 1/m */
} FN(blue);

typedef struct {
    int64_t n;
    FN(cfftp) * direct; /* exactly one of direct / blue */
    FN(blue) * blue;
} FN(cplan);

typedef struct {
    int64_t n;
    FN(cplan) * c; /* length n/2 (even n) or n (odd n) */
    C *rtw;        /* even n: W_n^k for k <= n/4 */
} FN(rplan);

/* One radix-ip pass (decimation in frequency, Stockham order) over k in
 * [k0,k1), i in [i0,i1): CH(i,k,m) = W^(i m) * DFT_ip(CC(i,.,k))[m]. */
#define CC(a, b, c) cc[(a) + ido * ((b) + ip * (c))]
#define CH(a, b, c) ch[(a) + ido * ((b) + l1 * (c))]
#define TW(i, m) tw[((m)-1) * ido + (i)]

static inline __attribute__((always_inline)) void
FN(pass_body)(const int ip, int64_t ido, int64_t l1, const C *restrict cc, C *restrict ch,
              const C *restrict tw, const C *restrict cs, const int fwd, int64_t k0, int64_t k1,
              int64_t i0, int64_t i1) {
    bool twid = ido > 1;
    for (int64_t k = k0; k < k1; k++)
        for (int64_t i = i0; i < i1; i++) {
            if (ip == 2) {
                C c0 = CC(i, 0, k), c1 = CC(i, 1, k);
                CH(i, k, 0) = FN(cadd)(c0, c1);
                C d = FN(csub)(c0, c1);
                CH(i, k, 1) = twid ? FN(ctw)(d, TW(i, 1), fwd) : d;
            } else if (ip == 4) {
                C c0 = CC(i, 0, k), c1 = CC(i, 1, k), c2 = CC(i, 2, k), c3 = CC(i, 3, k);
                C t0 = FN(cadd)(c0, c2), t1 = FN(csub)(c0, c2);
                C t2 = FN(cadd)(c1, c3), t3 = FN(csub)(c1, c3);
                /* -i t3 forward, +i t3 backward */
                C r3 = fwd ? (C){t3.i, -t3.r} : (C){-t3.i, t3.r};
                C u0 = FN(cadd)(t0, t2), u2 = FN(csub)(t0, t2);
                C u1 = FN(cadd)(t1, r3), u3 = FN(csub)(t1, r3);
                CH(i, k, 0) = u0;
                if (twid) {
                    CH(i, k, 1) = FN(ctw)(u1, TW(i, 1), fwd);
                    CH(i, k, 2) = FN(ctw)(u2, TW(i, 2), fwd);
                    CH(i, k, 3) = FN(ctw)(u3, TW(i, 3), fwd);
                } else {
                    CH(i, k, 1) = u1;
                    CH(i, k, 2) = u2;
                    CH(i, k, 3) = u3;
                }
            } else if (ip == 3) {
                const R s3 = (R)(fwd ? -0.866025403784438646763723170752936183L
                                     : 0.866025403784438646763723170752936183L);
                C c0 = CC(i, 0, k), c1 = CC(i, 1, k), c2 = CC(i, 2, k);
                C t1 = FN(cadd)(c1, c2), t2 = FN(csub)(c1, c2);
                C ca = {c0.r - (R)0.5 * t1.r, c0.i - (R)0.5 * t1.i};
                C cb = {-s3 * t2.i, s3 * t2.r};
                C u1 = FN(cadd)(ca, cb), u2 = FN(csub)(ca, cb);
                CH(i, k, 0) = FN(cadd)(c0, t1);
                CH(i, k, 1) = twid ? FN(ctw)(u1, TW(i, 1), fwd) : u1;
                CH(i, k, 2) = twid ? FN(ctw)(u2, TW(i, 2), fwd) : u2;
            } else if (ip == 5) {
                const R r1 = (R)0.309016994374947424102293417182819059L,
                        r2 = (R)-0.809016994374947424102293417182819059L;
                const R sg = fwd ? (R)-1 : (R)1;
                const R i1 = sg * (R)0.951056516295153572116439333379382143L,
                        i2 = sg * (R)0.587785252292473129168705954639072769L;
                C c0 = CC(i, 0, k), c1 = CC(i, 1, k), c2 = CC(i, 2, k), c3 = CC(i, 3, k),
                  c4 = CC(i, 4, k);
                C t1 = FN(cadd)(c1, c4), t4 = FN(csub)(c1, c4);
                C t2 = FN(cadd)(c2, c3), t3 = FN(csub)(c2, c3);
                CH(i, k, 0) = (C){c0.r + t1.r + t2.r, c0.i + t1.i + t2.i};
                C ca = {c0.r + r1 * t1.r + r2 * t2.r, c0.i + r1 * t1.i + r2 * t2.i};
                /* i (i1 t4 + i2 t3) */
                C cb = {-(i1 * t4.i + i2 * t3.i), i1 * t4.r + i2 * t3.r};
                C da = {c0.r + r2 * t1.r + r1 * t2.r, c0.i + r2 * t1.i + r1 * t2.i};
                /* i (i2 t4 - i1 t3) */
                C db = {-(i2 * t4.i - i1 * t3.i), i2 * t4.r - i1 * t3.r};
                C u1 = FN(cadd)(ca, cb), u4 = FN(csub)(ca, cb);
                C u2 = FN(cadd)(da, db), u3 = FN(csub)(da, db);
                if (twid) {
                    CH(i, k, 1) = FN(ctw)(u1, TW(i, 1), fwd);
                    CH(i, k, 2) = FN(ctw)(u2, TW(i, 2), fwd);
                    CH(i, k, 3) = FN(ctw)(u3, TW(i, 3), fwd);
                    CH(i, k, 4) = FN(ctw)(u4, TW(i, 4), fwd);
                } else {
                    CH(i, k, 1) = u1;
                    CH(i, k, 2) = u2;
                    CH(i, k, 3) = u3;
                    CH(i, k, 4) = u4;
                }
            } else {
                /* odd ip: pairs (j, ip-j) share cos and flip sin */
                C t0 = CC(i, 0, k);
                C p[FFT_MAX_GENERIC / 2 + 1], d[FFT_MAX_GENERIC / 2 + 1];
                int h = (ip - 1) / 2;
                C s0 = t0;
                for (int j = 1; j <= h; j++) {
                    C a = CC(i, j, k), b = CC(i, ip - j, k);
                    p[j] = FN(cadd)(a, b);
                    d[j] = FN(csub)(a, b);
                    s0 = FN(cadd)(s0, p[j]);
                }
                CH(i, k, 0) = s0;
                for (int m = 1; m <= h; m++) {
                    R ar = t0.r, ai = t0.i, br = 0, bi = 0;
                    int q = 0;
                    for (int j = 1; j <= h; j++) {
                        q += m;
                        if (q >= ip) q -= ip;
                        R cq = cs[q].r, sq = cs[q].i;
                        ar += p[j].r * cq;
                        ai += p[j].i * cq;
                        br += d[j].r * sq;
                        bi += d[j].i * sq;
                    }
                    /* forward: u_m = a - i b, u_{ip-m} = a + i b */
                    C um = fwd ? (C){ar + bi, ai - br} : (C){ar - bi, ai + br};
                    C un = fwd ? (C){ar - bi, ai + br} : (C){ar + bi, ai - br};
                    if (twid) {
                        CH(i, k, m) = FN(ctw)(um, TW(i, m), fwd);
                        CH(i, k, ip - m) = FN(ctw)(un, TW(i, ip - m), fwd);
                    } else {
                        CH(i, k, m) = um;
                        CH(i, k, ip - m) = un;
                    }
                }
            }
        }
}
#undef CC
#undef CH
#undef TW

/* AVX2 where the CPU has it (chosen once, at load), the x86-64 baseline
 * otherwise */
FFT_CLONES static void FN(pass)(int ip, int64_t ido, int64_t l1, const C *cc, C *ch, const C *tw,
                                const C *cs, int fwd, int64_t k0, int64_t k1, int64_t i0,
                                int64_t i1) {
    /* specialised on the radix, the direction and ido == 1 (the last
     * passes: no twiddles, one element per butterfly) */
#define PASS_CASE(IP)                                                                              \
    if (ido == 1) {                                                                                \
        if (fwd)                                                                                   \
            FN(pass_body)(IP, 1, l1, cc, ch, tw, cs, 1, k0, k1, 0, 1);                             \
        else                                                                                       \
            FN(pass_body)(IP, 1, l1, cc, ch, tw, cs, 0, k0, k1, 0, 1);                             \
    } else if (fwd) {                                                                              \
        FN(pass_body)(IP, ido, l1, cc, ch, tw, cs, 1, k0, k1, i0, i1);                             \
    } else {                                                                                       \
        FN(pass_body)(IP, ido, l1, cc, ch, tw, cs, 0, k0, k1, i0, i1);                             \
    }                                                                                              \
    return;
    switch (ip) {
    case 2:
        PASS_CASE(2)
    case 3:
        PASS_CASE(3)
    case 4:
        PASS_CASE(4)
    case 5:
        PASS_CASE(5)
    case 7:
        PASS_CASE(7)
    default:
        PASS_CASE(ip)
    }
#undef PASS_CASE
}

typedef struct {
    int ip;
    int64_t ido, l1;
    const C *cc, *tw, *cs;
    C *ch;
    int fwd;
    bool by_k;
} FN(pass_job);

static void FN(pass_range)(void *vj, int64_t b, int64_t e) {
    FN(pass_job) *j = vj;
    if (j->by_k)
        FN(pass)(j->ip, j->ido, j->l1, j->cc, j->ch, j->tw, j->cs, j->fwd, b, e, 0, j->ido);
    else
        FN(pass)(j->ip, j->ido, j->l1, j->cc, j->ch, j->tw, j->cs, j->fwd, 0, j->l1, b, e);
}

static FN(cfftp) * FN(cfftp_new)(int64_t n) {
    FN(cfftp) *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n;
    p->nf = fft_factorize(n, p->fct);
    /* twiddle storage: per factor (ip-1)*ido, plus ip for generic radices */
    int64_t total = 0, l1 = 1;
    for (int f = 0; f < p->nf; f++) {
        int ip = p->fct[f];
        int64_t ido = n / (l1 * ip);
        total += (ip - 1) * ido + (ip % 2 ? ip : 0);
        l1 *= ip;
    }
    p->mem = malloc(sizeof(C) * (size_t)(total ? total : 1));
    fft_sctab tab;
    if (!p->mem || !fft_sctab_init(&tab, n)) {
        free(p->mem);
        free(p);
        return NULL;
    }
    C *w = p->mem;
    l1 = 1;
    for (int f = 0; f < p->nf; f++) {
        int ip = p->fct[f];
        int64_t ido = n / (l1 * ip);
        p->tw[f] = w;
        for (int m = 1; m < ip; m++)
            for (int64_t i = 0; i < ido; i++) {
                long double re, im;
                fft_sctab_get(&tab, l1 * i * m, &re, &im);
                w[(m - 1) * ido + i] = (C){(R)re, (R)im};
            }
        w += (ip - 1) * ido;
        if (ip % 2) {
            p->cs[f] = w;
            for (int q = 0; q < ip; q++) {
                long double re, im;
                fft_unit(ip, q, &re, &im); /* exp(-2 pi i q/ip): store cos, sin */
                w[q] = (C){(R)re, (R)-im};
            }
            w += ip;
        }
        l1 *= ip;
    }
    fft_sctab_free(&tab);
    return p;
}

static void FN(cfftp_free)(FN(cfftp) * p) {
    if (!p) return;
    free(p->mem);
    free(p);
}

/* src -> dst (src may equal dst); scratch holds n elements. */
static void FN(cfftp_exec)(const FN(cfftp) * p, const C *src, C *dst, C *scratch, int fwd) {
    int64_t n = p->n;
    int nf = p->nf;
    if (nf == 0) {
        if (dst != src) dst[0] = src[0];
        return;
    }
    if (src == dst && (nf - 1) % 2 == 0) {
        memcpy(scratch, src, sizeof(C) * (size_t)n);
        src = scratch;
    }
    const C *cur = src;
    int64_t l1 = 1;
    for (int f = 0; f < nf; f++) {
        int ip = p->fct[f];
        int64_t ido = n / (l1 * ip);
        C *to = ((nf - 1 - f) % 2 == 0) ? dst : scratch;
        FN(pass_job) j = {ip, ido, l1, cur, p->tw[f], p->cs[f], to, fwd, l1 >= 64 || ido < 64};
        int64_t cost = 4 * ip * (j.by_k ? ido : l1);
        if (n * ip < NUMC_PARALLEL_THRESHOLD)
            FN(pass_range)(&j, 0, j.by_k ? l1 : ido);
        else
            numc_parallel_for(j.by_k ? l1 : ido, cost, FN(pass_range), &j);
        cur = to;
        l1 *= ip;
    }
}

/* ---- Bluestein ---- */

static FN(blue) * FN(blue_new)(int64_t n) {
    FN(blue) *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->n = n;
    b->m = fft_good_size(2 * n - 1);
    b->p = FN(cfftp_new)(b->m);
    b->bk = malloc(sizeof(C) * (size_t)n);
    b->bkf = malloc(sizeof(C) * (size_t)b->m);
    C *tmp = malloc(sizeof(C) * (size_t)b->m);
    fft_sctab tab;
    bool ok = b->p && b->bk && b->bkf && tmp && fft_sctab_init(&tab, 2 * n);
    if (!ok) {
        free(tmp);
        FN(cfftp_free)(b->p);
        free(b->bk);
        free(b->bkf);
        free(b);
        return NULL;
    }
    /* exp(-pi i j^2/n) = W_{2n}^(j^2 mod 2n); j^2 mod 2n by recurrence */
    uint64_t q = 0, nn = 2 * (uint64_t)n;
    for (int64_t j = 0; j < n; j++) {
        long double re, im;
        fft_sctab_get(&tab, (int64_t)q, &re, &im);
        b->bk[j] = (C){(R)re, (R)im};
        q = (q + 2 * (uint64_t)j + 1) % nn;
    }
    fft_sctab_free(&tab);
    R inv = (R)(1.0L / (long double)b->m);
    memset(b->bkf, 0, sizeof(C) * (size_t)b->m);
    b->bkf[0] = (C){b->bk[0].r * inv, -b->bk[0].i * inv};
    for (int64_t j = 1; j < n; j++) {
        C v = {b->bk[j].r * inv, -b->bk[j].i * inv};
        b->bkf[j] = v;
        b->bkf[b->m - j] = v;
    }
    FN(cfftp_exec)(b->p, b->bkf, b->bkf, tmp, 1);
    free(tmp);
    return b;
}

static void FN(blue_free)(FN(blue) * b) {
    if (!b) return;
    FN(cfftp_free)(b->p);
    free(b->bk);
    free(b->bkf);
    free(b);
}

/* src -> dst; scratch holds 2m elements. */
static void FN(blue_exec)(const FN(blue) * b, const C *src, C *dst, C *scratch, int fwd) {
    int64_t n = b->n, m = b->m;
    C *a = scratch, *s2 = scratch + m;
    for (int64_t j = 0; j < n; j++)
        a[j] = FN(ctw)(src[j], b->bk[j], fwd);
    memset(a + n, 0, sizeof(C) * (size_t)(m - n));
    FN(cfftp_exec)(b->p, a, a, s2, 1);
    for (int64_t k = 0; k < m; k++)
        a[k] = FN(ctw)(a[k], b->bkf[k], fwd);
    FN(cfftp_exec)(b->p, a, a, s2, 0);
    for (int64_t k = 0; k < n; k++)
        dst[k] = FN(ctw)(a[k], b->bk[k], fwd);
}

/* ---- the complex plan: direct or Bluestein ---- */

static FN(cplan) * FN(cplan_new)(int64_t n) {
    FN(cplan) *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->n = n;
    if (fft_use_bluestein(n))
        c->blue = FN(blue_new)(n);
    else
        c->direct = FN(cfftp_new)(n);
    if (!c->blue && !c->direct) {
        free(c);
        return NULL;
    }
    return c;
}

static void FN(cplan_free)(FN(cplan) * c) {
    if (!c) return;
    FN(cfftp_free)(c->direct);
    FN(blue_free)(c->blue);
    free(c);
}

static int64_t FN(cplan_scratch)(const FN(cplan) * c) {
    return c->blue ? 2 * c->blue->m : c->n;
}

static void FN(cplan_exec)(const FN(cplan) * c, const C *src, C *dst, C *scratch, int fwd) {
    if (c->blue)
        FN(blue_exec)(c->blue, src, dst, scratch, fwd);
    else
        FN(cfftp_exec)(c->direct, src, dst, scratch, fwd);
}

/* ---- the real plan ---- */

static FN(rplan) * FN(rplan_new)(int64_t n) {
    FN(rplan) *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->n = n;
    bool even = n % 2 == 0 && n >= 2;
    r->c = FN(cplan_new)(even ? n / 2 : n);
    if (even) {
        int64_t q = n / 4 + 1;
        r->rtw = malloc(sizeof(C) * (size_t)q);
        fft_sctab tab;
        if (r->rtw && fft_sctab_init(&tab, n)) {
            for (int64_t k = 0; k < q; k++) {
                long double re, im;
                fft_sctab_get(&tab, k, &re, &im);
                r->rtw[k] = (C){(R)re, (R)im};
            }
            fft_sctab_free(&tab);
        } else {
            free(r->rtw);
            r->rtw = NULL;
        }
    }
    if (!r->c || (even && !r->rtw)) {
        FN(cplan_free)(r->c);
        free(r->rtw);
        free(r);
        return NULL;
    }
    return r;
}

static void FN(rplan_free)(FN(rplan) * r) {
    if (!r) return;
    FN(cplan_free)(r->c);
    free(r->rtw);
    free(r);
}

static int64_t FN(rplan_scratch)(const FN(rplan) * r) {
    return FN(cplan_scratch)(r->c) + r->c->n + 1;
}

/* x (n reals, contiguous) -> X (n/2+1 complex); scratch per rplan_scratch. */
static void FN(r2c_exec)(const FN(rplan) * r, const R *x, C *X, C *scratch) {
    int64_t n = r->n;
    if (n % 2 || n < 2) {
        C *buf = scratch, *s2 = scratch + n;
        for (int64_t j = 0; j < n; j++)
            buf[j] = (C){x[j], 0};
        FN(cplan_exec)(r->c, buf, buf, s2, 1);
        memcpy(X, buf, sizeof(C) * (size_t)(n / 2 + 1));
        return;
    }
    int64_t h = n / 2;
    memcpy(X, x, sizeof(R) * (size_t)n);
    FN(cplan_exec)(r->c, X, X, scratch, 1);
    C z0 = X[0];
    X[0] = (C){z0.r + z0.i, 0};
    X[h] = (C){z0.r - z0.i, 0};
    for (int64_t k = 1; 2 * k <= h; k++) {
        C a = X[k], b = X[h - k];
        C e = {(a.r + b.r) * (R)0.5, (a.i - b.i) * (R)0.5};
        /* o = (a - conj b) / 2i */
        C o = {(a.i + b.i) * (R)0.5, -(a.r - b.r) * (R)0.5};
        C wo = FN(cmul)(r->rtw[k], o);
        X[k] = FN(cadd)(e, wo);
        if (h - k != k) X[h - k] = FN(conj)(FN(csub)(e, wo));
    }
}

/* X (n/2+1 complex, contiguous; not modified) -> x (n reals); the imaginary
 * parts of X[0] (and X[n/2] for even n) are ignored, as a real signal's
 * spectrum has none there. */
static void FN(c2r_exec)(const FN(rplan) * r, const C *X, R *x, C *scratch) {
    int64_t n = r->n;
    if (n % 2 || n < 2) {
        C *buf = scratch, *s2 = scratch + n;
        buf[0] = (C){X[0].r, 0};
        for (int64_t k = 1; 2 * k < n + 1; k++) {
            buf[k] = X[k];
            buf[n - k] = FN(conj)(X[k]);
        }
        FN(cplan_exec)(r->c, buf, buf, s2, 0);
        for (int64_t j = 0; j < n; j++)
            x[j] = buf[j].r;
        return;
    }
    int64_t h = n / 2;
    C *z = scratch, *s2 = scratch + h + 1;
    for (int64_t k = 0; 2 * k <= h; k++) {
        C a = X[k], b = X[h - k];
        if (k == 0) {
            a.i = 0;
            b.i = 0;
        }
        /* Z_k = (a + conj b) + i w^-k (a - conj b) */
        C w = r->rtw[k];
        C s = {a.r + b.r, a.i - b.i}, d = {a.r - b.r, a.i + b.i};
        C wd = {w.r * d.r + w.i * d.i, w.r * d.i - w.i * d.r}; /* conj(w) d */
        z[k] = (C){s.r - wd.i, s.i + wd.r};
        if (k > 0 && h - k != k) {
            /* Z_{h-k} = (b + conj a) - i w^k (b - conj a) */
            C s2v = {b.r + a.r, b.i - a.i}, d2 = {b.r - a.r, b.i + a.i};
            C wd2 = FN(cmul)(w, d2);
            z[h - k] = (C){s2v.r + wd2.i, s2v.i - wd2.r};
        }
    }
    FN(cplan_exec)(r->c, z, z, s2, 0);
    memcpy(x, z, sizeof(R) * (size_t)n);
}

#include "fft-lines.h"

#undef R
#undef C
#undef FN
