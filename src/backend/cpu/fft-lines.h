/* fft-lines.h — fft.c's per-axis line loop, included by fft-impl.h once per
 * precision (R, C, FN): groups [gb, ge) of a stage's lines are
 * transformed straight between input and output when both are contiguous
 * along the axis, otherwise gathered (group lines side by side), transformed
 * and scattered with the stage's scale. Not a public header. */

static void FN(fft_exec_line)(const fft_stage *st, const void *src, void *dst, C *scratch) {
    switch (st->mode) {
    case FFT_C2C:
        FN(cplan_exec)(st->plan, src, dst, scratch, st->fwd);
        break;
    case FFT_R2C:
        FN(r2c_exec)(st->plan, src, dst, scratch);
        break;
    default:
        FN(c2r_exec)(st->plan, src, dst, scratch);
        break;
    }
}

static void FN(fft_lines)(void *vst, int64_t gb, int64_t ge) {
    fft_stage *st = vst;
    int64_t G = st->group;
    bool rin = st->mode == FFT_R2C, rout = st->mode == FFT_C2R;
    int64_t ldi = st->lin, ldo = st->lout; /* in R units when real, C otherwise */
    size_t ibytes = (size_t)ldi * (rin ? sizeof(R) : sizeof(C));
    size_t obytes = (size_t)ldo * (rout ? sizeof(R) : sizeof(C));
    C *scratch = malloc(sizeof(C) * (size_t)st->scratch);
    char *ib = G > 1 ? malloc(ibytes * (size_t)G) : NULL;
    char *ob = G > 1 ? malloc(obytes * (size_t)G) : NULL;
    if (!scratch || (G > 1 && (!ib || !ob))) {
        st->failed = true;
        goto done;
    }
    R sc = (R)st->scale;
    for (int64_t g = gb; g < ge; g++) {
        int64_t l0 = g * G, cnt = st->nlines - l0 < G ? st->nlines - l0 : G;
        if (G == 1) {
            const char *s = st->src + numc_struct_offset(st->no, st->oshape, st->sst, l0);
            char *d = st->dst + numc_struct_offset(st->no, st->oshape, st->dst_st, l0);
            FN(fft_exec_line)(st, s, d, scratch);
            if (st->scale != 1.0) {
                R *v = (R *)d;
                int64_t m = rout ? ldo : 2 * ldo;
                for (int64_t j = 0; j < m; j++)
                    v[j] *= sc;
            }
            continue;
        }
        int64_t soff[64], doff[64];
        for (int64_t q = 0; q < cnt; q++) {
            soff[q] = numc_struct_offset(st->no, st->oshape, st->sst, l0 + q);
            doff[q] = numc_struct_offset(st->no, st->oshape, st->dst_st, l0 + q);
        }
        if (rin) {
            for (int64_t j = 0; j < ldi; j++)
                for (int64_t q = 0; q < cnt; q++)
                    ((R *)ib)[q * ldi + j] = *(const R *)(st->src + soff[q] + j * st->ss);
        } else {
            for (int64_t j = 0; j < ldi; j++)
                for (int64_t q = 0; q < cnt; q++)
                    ((C *)ib)[q * ldi + j] = *(const C *)(st->src + soff[q] + j * st->ss);
        }
        for (int64_t q = 0; q < cnt; q++)
            FN(fft_exec_line)(st, ib + (size_t)q * ibytes, ob + (size_t)q * obytes, scratch);
        if (rout) {
            for (int64_t j = 0; j < ldo; j++)
                for (int64_t q = 0; q < cnt; q++)
                    *(R *)(st->dst + doff[q] + j * st->ds) = ((R *)ob)[q * ldo + j] * sc;
        } else {
            for (int64_t j = 0; j < ldo; j++)
                for (int64_t q = 0; q < cnt; q++) {
                    C v = ((C *)ob)[q * ldo + j];
                    *(C *)(st->dst + doff[q] + j * st->ds) = (C){v.r * sc, v.i * sc};
                }
        }
    }
done:
    free(scratch);
    free(ib);
    free(ob);
}
