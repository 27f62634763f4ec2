/* npyio.c — NumPy's .npy format (versions 1.0, 2.0 and 3.0 read; 1.0 written
 * unless the header needs 2.0) and .npz archives (zip: stored or deflated
 * with zlib), in memory and on files. Every length and offset a file gives
 * is checked against the bytes present before it is used: a truncated or
 * hostile file is a ValueError, never a crash or a partial array. */
#include "np-impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NPY_MAGIC "\x93NUMPY"
#define NPY_ALIGN 64

/* ---- dtypes <-> descr ---- */

/* the descr numc writes (little-endian; bfloat16 as ml_dtypes saves it) */
static const char *descr_of(numc_dtype dt) {
    switch (dt) {
    case NUMC_BOOL:
        return "|b1";
    case NUMC_INT8:
        return "|i1";
    case NUMC_INT16:
        return "<i2";
    case NUMC_INT32:
        return "<i4";
    case NUMC_INT64:
        return "<i8";
    case NUMC_UINT8:
        return "|u1";
    case NUMC_UINT16:
        return "<u2";
    case NUMC_UINT32:
        return "<u4";
    case NUMC_UINT64:
        return "<u8";
    case NUMC_FLOAT16:
        return "<f2";
    case NUMC_BFLOAT16:
        return "<V2";
    case NUMC_FLOAT32:
        return "<f4";
    case NUMC_FLOAT64:
        return "<f8";
    case NUMC_COMPLEX64:
        return "<c8";
    case NUMC_COMPLEX128:
        return "<c16";
    default:
        return NULL;
    }
}

/* descr -> dtype; *swap when the data is big-endian. */
static numc_status parse_descr(const char *d, numc_dtype *dt, bool *swap) {
    *swap = false;
    char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return numc_error_set(NUMC_ERR_VALUE, "load: unsupported data type descr '%s'", d);
    if (!strcmp(d + 1, "O"))
        return numc_error_set(NUMC_ERR_VALUE,
                              "Object arrays cannot be loaded when allow_pickle=False");
    static const struct {
        const char *code;
        numc_dtype dt;
    } map[] = {{"b1", NUMC_BOOL},    {"i1", NUMC_INT8},      {"i2", NUMC_INT16},
               {"i4", NUMC_INT32},   {"i8", NUMC_INT64},     {"u1", NUMC_UINT8},
               {"u2", NUMC_UINT16},  {"u4", NUMC_UINT32},    {"u8", NUMC_UINT64},
               {"f2", NUMC_FLOAT16}, {"V2", NUMC_BFLOAT16},  {"f4", NUMC_FLOAT32},
               {"f8", NUMC_FLOAT64}, {"c8", NUMC_COMPLEX64}, {"c16", NUMC_COMPLEX128}};
    for (size_t k = 0; k < sizeof map / sizeof *map; k++)
        if (!strcmp(d + 1, map[k].code)) {
            *dt = map[k].dt;
            *swap = order == '>' && numc_dtype_itemsize(*dt) > 1;
            return NUMC_OK;
        }
    return numc_error_set(NUMC_ERR_TYPE,
                          "load: numc arrays are numeric; the file holds data type '%s'", d);
}

/* ---- the header: a Python dict literal ---- */

typedef struct {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool accept(cursor *c, char ch) {
    skip_ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

/* a quoted string into buf (at most cap - 1 bytes) */
static bool parse_str(cursor *c, char *buf, size_t cap) {
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"')) return false;
    char q = *c->p++;
    size_t n = 0;
    while (c->p < c->end && *c->p != q) {
        if (*c->p == '\\' || n + 1 >= cap) return false;
        buf[n++] = *c->p++;
    }
    if (c->p >= c->end) return false;
    c->p++;
    buf[n] = 0;
    return true;
}

static bool parse_word(cursor *c, const char *w) {
    skip_ws(c);
    size_t n = strlen(w);
    if ((size_t)(c->end - c->p) >= n && !memcmp(c->p, w, n)) {
        c->p += n;
        return true;
    }
    return false;
}

/* (d0, d1, ...) of non-negative ints */
static bool parse_shape(cursor *c, int *nd, int64_t *shape) {
    if (!accept(c, '(')) return false;
    *nd = 0;
    for (;;) {
        if (accept(c, ')')) return true;
        skip_ws(c);
        if (c->p >= c->end || *c->p < '0' || *c->p > '9') return false;
        uint64_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            v = v * 10 + (uint64_t)(*c->p++ - '0');
            if (v > (uint64_t)INT64_MAX / 16) return false;
        }
        if (c->p < c->end && *c->p == 'L') c->p++; /* written by Python 2 */
        if (*nd >= NUMC_MAX_DIMS) return false;
        shape[(*nd)++] = (int64_t)v;
        if (!accept(c, ',')) return accept(c, ')');
    }
}

typedef struct {
    numc_dtype dt;
    bool swap, fortran;
    int nd;
    int64_t shape[NUMC_MAX_DIMS];
    size_t header_len; /* bytes before the data */
    size_t nbytes;     /* bytes of data */
} npy_header;

static numc_status bad_header(const char *why) {
    return numc_error_set(NUMC_ERR_VALUE, "load: cannot parse the .npy header (%s)", why);
}

/* Reads the magic, version and header length (12 bytes suffice). */
static numc_status header_extent(const unsigned char *b, size_t len, size_t *hl, int *major) {
    if (len < 10 || memcmp(b, NPY_MAGIC, 6))
        return numc_error_set(NUMC_ERR_VALUE,
                              "load: the data is not a .npy file (the magic string is missing "
                              "or truncated)");
    *major = b[6];
    if (!((b[6] == 1 || b[6] == 2 || b[6] == 3) && b[7] == 0))
        return numc_error_set(NUMC_ERR_VALUE,
                              "we only support format version (1,0), (2,0), and (3,0), not "
                              "(%d, %d)",
                              b[6], b[7]);
    if (*major == 1) {
        *hl = 10 + (size_t)(b[8] | b[9] << 8);
    } else {
        if (len < 12) return bad_header("truncated header length");
        *hl = 12 + ((size_t)b[8] | (size_t)b[9] << 8 | (size_t)b[10] << 16 | (size_t)b[11] << 24);
    }
    return NUMC_OK;
}

static numc_status parse_header(const unsigned char *b, size_t len, npy_header *h) {
    int major = 0;
    size_t hl = 0;
    if (header_extent(b, len, &hl, &major)) return numc_error_kind();
    if (hl > len) return bad_header("the header is truncated");
    cursor c = {(const char *)b + (major == 1 ? 10 : 12), (const char *)b + hl};
    bool got_d = false, got_f = false, got_s = false;
    char key[32], descr[64];
    if (!accept(&c, '{')) return bad_header("no dictionary");
    for (;;) {
        if (accept(&c, '}')) break;
        if (!parse_str(&c, key, sizeof key) || !accept(&c, ':')) return bad_header("bad key");
        if (!strcmp(key, "descr") && !got_d) {
            skip_ws(&c);
            if (c.p < c.end && *c.p == '[')
                return numc_error_set(NUMC_ERR_TYPE,
                                      "load: numc arrays are numeric; structured data types "
                                      "are not supported");
            if (!parse_str(&c, descr, sizeof descr)) return bad_header("bad descr");
            got_d = true;
        } else if (!strcmp(key, "fortran_order") && !got_f) {
            if (parse_word(&c, "True"))
                h->fortran = true;
            else if (parse_word(&c, "False"))
                h->fortran = false;
            else
                return bad_header("fortran_order is not a bool");
            got_f = true;
        } else if (!strcmp(key, "shape") && !got_s) {
            if (!parse_shape(&c, &h->nd, h->shape)) return bad_header("bad shape");
            got_s = true;
        } else {
            return numc_error_set(NUMC_ERR_VALUE,
                                  "Header does not contain the correct keys: unexpected '%s'", key);
        }
        if (!accept(&c, ',')) {
            if (!accept(&c, '}')) return bad_header("expected ',' or '}'");
            break;
        }
    }
    if (!got_d || !got_f || !got_s)
        return numc_error_set(NUMC_ERR_VALUE,
                              "Header does not contain the correct keys: it needs 'descr', "
                              "'fortran_order' and 'shape'");
    if (parse_descr(descr, &h->dt, &h->swap)) return numc_error_kind();
    /* the element count must not overflow (a hostile shape) */
    uint64_t n = 1, isz = numc_dtype_itemsize(h->dt);
    bool zero = false;
    for (int d = 0; d < h->nd; d++)
        zero |= h->shape[d] == 0;
    for (int d = 0; d < h->nd && !zero; d++) {
        if (n > (uint64_t)INT64_MAX / (uint64_t)h->shape[d] / isz)
            return numc_error_set(NUMC_ERR_VALUE, "load: the array shape in the header is too "
                                                  "large");
        n *= (uint64_t)h->shape[d];
    }
    h->header_len = hl;
    h->nbytes = zero ? 0 : (size_t)(n * isz);
    return NUMC_OK;
}

numc_status numc_npy_sizes(const void *buf, size_t len, size_t *header_len, size_t *total_len) {
    int major = 0;
    *total_len = 0;
    *header_len = 0;
    if (header_extent(buf, len, header_len, &major)) return numc_error_kind();
    if (len < *header_len) return NUMC_OK;
    npy_header h;
    if (parse_header(buf, len, &h)) return numc_error_kind();
    *total_len = h.header_len + h.nbytes;
    return NUMC_OK;
}

static void swap_bytes(unsigned char *p, size_t n, size_t width) {
    for (size_t k = 0; k < n; k += width)
        for (size_t i = 0; i < width / 2; i++) {
            unsigned char t = p[k + i];
            p[k + i] = p[k + width - 1 - i];
            p[k + width - 1 - i] = t;
        }
}

numc_status numc_npy_decode(const void *buf, size_t len, numc_array **out) {
    *out = NULL;
    npy_header h;
    if (parse_header(buf, len, &h)) return numc_error_kind();
    if (len - h.header_len < h.nbytes)
        return numc_error_set(NUMC_ERR_VALUE,
                              "load: the .npy data is truncated: the header promises %zu bytes, "
                              "the file holds %zu",
                              h.nbytes, len - h.header_len);
    const unsigned char *data = (const unsigned char *)buf + h.header_len;
    size_t isz = numc_dtype_itemsize(h.dt);
    unsigned char *tmp = NULL;
    if (h.swap && h.nbytes) {
        tmp = malloc(h.nbytes);
        if (!tmp) return numc_error_set(NUMC_ERR_MEMORY, "load: out of memory");
        memcpy(tmp, data, h.nbytes);
        /* complex values swap each of their two halves */
        swap_bytes(tmp, h.nbytes, numc_dtype_kind(h.dt) == 'c' ? isz / 2 : isz);
        data = tmp;
    }
    numc_array *a;
    if (h.fortran && h.nd > 1) {
        int64_t bs[NUMC_MAX_DIMS], st = (int64_t)isz;
        for (int d = 0; d < h.nd; d++) {
            bs[d] = st;
            st *= h.shape[d];
        }
        a = numc_array_from_strided(h.dt, h.nd, h.shape, bs, h.nbytes ? data : NULL);
    } else {
        a = numc_array_from_data(h.dt, h.nd, h.shape, h.nbytes ? data : NULL);
    }
    free(tmp);
    if (!a) return numc_error_kind() ? numc_error_kind() : NUMC_ERR_MEMORY;
    *out = a;
    return NUMC_OK;
}

static size_t shape_repr(char *b, size_t cap, int nd, const int64_t *shape) {
    size_t k = (size_t)snprintf(b, cap, "(");
    for (int d = 0; d < nd && k < cap; d++)
        k += (size_t)snprintf(b + k, cap - k, d ? ", %lld" : "%lld", (long long)shape[d]);
    if (k < cap) k += (size_t)snprintf(b + k, cap - k, nd == 1 ? ",)" : ")");
    return k;
}

numc_status numc_npy_encode(const numc_array *a, void **buf, size_t *len) {
    *buf = NULL;
    *len = 0;
    const char *descr = descr_of(a->dtype);
    if (!descr) return numc_error_set(NUMC_ERR_TYPE, "save: unsupported dtype");
    char dict[48 + 24 * NUMC_MAX_DIMS], shp[24 * NUMC_MAX_DIMS];
    shape_repr(shp, sizeof shp, a->ndim, a->shape);
    int dl = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                      descr, shp);
    /* magic + version + length + dict + padding + '\n', a multiple of 64 */
    size_t pre = 10, total_h = ((pre + (size_t)dl + 1 + NPY_ALIGN - 1) / NPY_ALIGN) * NPY_ALIGN;
    if (total_h - pre > 65535) { /* version 2.0: a 4-byte header length */
        pre = 12;
        total_h = ((pre + (size_t)dl + 1 + NPY_ALIGN - 1) / NPY_ALIGN) * NPY_ALIGN;
    }
    size_t nbytes = (size_t)a->size * numc_dtype_itemsize(a->dtype);
    unsigned char *b = malloc(total_h + nbytes);
    if (!b) return numc_error_set(NUMC_ERR_MEMORY, "save: out of memory");
    memcpy(b, NPY_MAGIC, 6);
    b[6] = pre == 10 ? 1 : 2;
    b[7] = 0;
    size_t hlen = total_h - pre;
    b[8] = (unsigned char)(hlen & 0xff);
    b[9] = (unsigned char)(hlen >> 8 & 0xff);
    if (pre == 12) {
        b[10] = (unsigned char)(hlen >> 16 & 0xff);
        b[11] = (unsigned char)(hlen >> 24 & 0xff);
    }
    memcpy(b + pre, dict, (size_t)dl);
    memset(b + pre + dl, ' ', total_h - pre - (size_t)dl - 1);
    b[total_h - 1] = '\n';
    if (nbytes && numc_array_to_host(a, b + total_h) != NUMC_OK) {
        free(b);
        return numc_error_kind();
    }
    *buf = b;
    *len = total_h + nbytes;
    return NUMC_OK;
}

/* ---- files ---- */

static numc_status os_error(const char *fn, const char *path) {
    return numc_error_set(NUMC_ERR_RUNTIME, "%s: %s: %s", fn, path, strerror(errno));
}

static numc_status write_file(const char *fn, const char *path, const void *buf, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) return os_error(fn, path);
    size_t w = len ? fwrite(buf, 1, len, f) : 0;
    if (fclose(f) != 0 || w != len) return os_error(fn, path);
    return NUMC_OK;
}

static numc_status read_file(const char *fn, const char *path, void **buf, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return os_error(fn, path);
    size_t cap = 1 << 16, n = 0;
    unsigned char *b = malloc(cap);
    while (b) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) break;
        unsigned char *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    bool err = ferror(f) != 0;
    fclose(f);
    if (!b) return numc_error_set(NUMC_ERR_MEMORY, "%s: out of memory", fn);
    if (err) {
        free(b);
        return os_error(fn, path);
    }
    *buf = b;
    *len = n;
    return NUMC_OK;
}

numc_status numc_save(const char *path, const numc_array *a) {
    void *buf;
    size_t len;
    if (numc_npy_encode(a, &buf, &len)) return numc_error_kind();
    numc_status st = write_file("save", path, buf, len);
    free(buf);
    return st;
}

numc_array *numc_load(const char *path) {
    void *buf;
    size_t len;
    if (read_file("load", path, &buf, &len)) return NULL;
    numc_array *a;
    numc_npy_decode(buf, len, &a);
    free(buf);
    return a;
}

/* ---- zip archives ---- */

static uint32_t rd16(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static uint32_t rd32(const unsigned char *p) {
    return rd16(p) | rd16(p + 2) << 16;
}
static uint64_t rd64(const unsigned char *p) {
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}
static void wr16(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v & 0xff);
    p[1] = (unsigned char)(v >> 8 & 0xff);
}
static void wr32(unsigned char *p, uint32_t v) {
    wr16(p, v & 0xffff);
    wr16(p + 2, v >> 16);
}

typedef struct {
    char *name;
    int method;
    uint32_t crc;
    uint64_t csize, usize, data_off; /* data_off: start of the member's data */
} zmember;

struct numc_npz {
    unsigned char *buf;
    size_t len;
    int n;
    zmember *m;
};

static numc_status bad_zip(const char *why) {
    return numc_error_set(NUMC_ERR_VALUE, "load: the .npz archive is corrupt (%s)", why);
}

void numc_npz_close(numc_npz *z) {
    if (!z) return;
    for (int i = 0; i < z->n; i++)
        free(z->m[i].name);
    free(z->m);
    free(z->buf);
    free(z);
}

/* Reads the central directory of the zip image z->buf. */
static numc_status read_directory(numc_npz *z) {
    const unsigned char *b = z->buf;
    size_t len = z->len;
    if (len < 22) return bad_zip("too short for a zip file");
    size_t e = len - 22, stop = len > 22 + 65535 ? len - 22 - 65535 : 0;
    for (;; e--) {
        if (!memcmp(b + e, "PK\x05\x06", 4)) break;
        if (e == stop) return bad_zip("no end of central directory record");
    }
    uint64_t count = rd16(b + e + 10), cd_off = rd32(b + e + 16);
    if ((count == 0xffff || cd_off == 0xffffffffu) && e >= 20 &&
        !memcmp(b + e - 20, "PK\x06\x07", 4)) {
        uint64_t z64 = rd64(b + e - 20 + 8);
        if (z64 > len - 56 || memcmp(b + z64, "PK\x06\x06", 4))
            return bad_zip("bad zip64 end of central directory");
        count = rd64(b + z64 + 32);
        cd_off = rd64(b + z64 + 48);
    }
    if (cd_off > len) return bad_zip("central directory out of range");
    if (count > (len - cd_off) / 46) return bad_zip("too many members for its size");
    z->m = calloc(count ? count : 1, sizeof(zmember));
    if (!z->m) return numc_error_set(NUMC_ERR_MEMORY, "load: out of memory");
    size_t p = cd_off;
    for (uint64_t i = 0; i < count; i++) {
        if (p > len - 46 || memcmp(b + p, "PK\x01\x02", 4)) return bad_zip("bad directory entry");
        zmember *m = &z->m[z->n];
        uint32_t flags = rd16(b + p + 8);
        m->method = (int)rd16(b + p + 10);
        m->crc = rd32(b + p + 16);
        m->csize = rd32(b + p + 20);
        m->usize = rd32(b + p + 24);
        size_t nl = rd16(b + p + 28), xl = rd16(b + p + 30), cl = rd16(b + p + 32);
        uint64_t loc = rd32(b + p + 42);
        if (nl + xl + cl > len - p - 46) return bad_zip("directory entry truncated");
        if (flags & 1) return bad_zip("encrypted member");
        /* zip64 sizes and offset live in the extra field */
        const unsigned char *x = b + p + 46 + nl, *xe = x + xl;
        while (xe - x >= 4) {
            uint32_t id = rd16(x), sz = rd16(x + 2);
            if ((size_t)(xe - x - 4) < sz) break;
            if (id == 1) {
                const unsigned char *q = x + 4, *qe = q + sz;
                if (m->usize == 0xffffffffu && qe - q >= 8) m->usize = rd64(q), q += 8;
                if (m->csize == 0xffffffffu && qe - q >= 8) m->csize = rd64(q), q += 8;
                if (loc == 0xffffffffu && qe - q >= 8) loc = rd64(q);
            }
            x += 4 + sz;
        }
        m->name = malloc(nl + 1);
        if (!m->name) return numc_error_set(NUMC_ERR_MEMORY, "load: out of memory");
        memcpy(m->name, b + p + 46, nl);
        m->name[nl] = 0;
        z->n++;
        if (loc > len - 30 || memcmp(b + loc, "PK\x03\x04", 4)) return bad_zip("bad local header");
        uint64_t start = loc + 30 + rd16(b + loc + 26) + rd16(b + loc + 28);
        if (start > len || m->csize > len - start) return bad_zip("member data truncated");
        if (m->method != 0 && m->method != 8) return bad_zip("unsupported compression method");
        if (m->method == 0 && m->csize != m->usize) return bad_zip("stored sizes differ");
        m->data_off = start;
        p += 46 + nl + xl + cl;
    }
    return NUMC_OK;
}

numc_npz *numc_npz_open_memory(const void *buf, size_t len) {
    numc_npz *z = calloc(1, sizeof *z);
    if (z) z->buf = malloc(len ? len : 1);
    if (!z || !z->buf) {
        free(z);
        numc_error_set(NUMC_ERR_MEMORY, "load: out of memory");
        return NULL;
    }
    memcpy(z->buf, buf, len);
    z->len = len;
    if (read_directory(z)) {
        numc_npz_close(z);
        return NULL;
    }
    return z;
}

numc_npz *numc_npz_open(const char *path) {
    void *buf;
    size_t len;
    if (read_file("load", path, &buf, &len)) return NULL;
    numc_npz *z = numc_npz_open_memory(buf, len);
    free(buf);
    return z;
}

int numc_npz_count(const numc_npz *z) {
    return z->n;
}

const char *numc_npz_name(const numc_npz *z, int i) {
    return i >= 0 && i < z->n ? z->m[i].name : NULL;
}

numc_status numc_npz_read(const numc_npz *z, int i, void **buf, size_t *len) {
    *buf = NULL;
    *len = 0;
    if (i < 0 || i >= z->n) return numc_error_set(NUMC_ERR_INDEX, "npz: no member %d", i);
    const zmember *m = &z->m[i];
    /* deflate expands at most ~1032:1: a larger claim is a lie */
    if (m->method == 8 && m->usize / 1032 > m->csize + 1)
        return bad_zip("implausible uncompressed size");
    if (m->usize > (uint64_t)SIZE_MAX - 1) return bad_zip("member too large");
    unsigned char *out = malloc(m->usize ? m->usize : 1);
    if (!out) return numc_error_set(NUMC_ERR_MEMORY, "load: out of memory");
    if (m->method == 0) {
        memcpy(out, z->buf + m->data_off, m->usize);
    } else {
        z_stream s;
        memset(&s, 0, sizeof s);
        if (inflateInit2(&s, -MAX_WBITS) != Z_OK) {
            free(out);
            return numc_error_set(NUMC_ERR_MEMORY, "load: zlib cannot start");
        }
        /* zlib counts in uInt: feed and drain in chunks */
        const unsigned char *in = z->buf + m->data_off;
        uint64_t in_left = m->csize, out_done = 0;
        int rc = Z_OK;
        while (rc == Z_OK) {
            uInt ic = in_left > 1u << 30 ? 1u << 30 : (uInt)in_left;
            uInt oc = m->usize - out_done > 1u << 30 ? 1u << 30 : (uInt)(m->usize - out_done);
            s.next_in = (Bytef *)(uintptr_t)in;
            s.avail_in = ic;
            s.next_out = out + out_done;
            s.avail_out = oc;
            rc = inflate(&s, Z_NO_FLUSH);
            in += ic - s.avail_in;
            in_left -= ic - s.avail_in;
            out_done += oc - s.avail_out;
            if (rc == Z_OK && ic == s.avail_in && oc == s.avail_out) rc = Z_BUF_ERROR;
        }
        inflateEnd(&s);
        if (rc != Z_STREAM_END || out_done != m->usize) {
            free(out);
            return bad_zip("bad deflate data");
        }
    }
    uLong crc = crc32(0L, Z_NULL, 0);
    for (uint64_t k = 0; k < m->usize; k += 1u << 30) {
        uint64_t c = m->usize - k > 1u << 30 ? 1u << 30 : m->usize - k;
        crc = crc32(crc, out + k, (uInt)c);
    }
    if ((uint32_t)crc != m->crc) {
        free(out);
        return bad_zip("Bad CRC-32");
    }
    *buf = out;
    *len = m->usize;
    return NUMC_OK;
}

numc_array *numc_npz_get(const numc_npz *z, const char *key) {
    for (int i = 0; i < z->n; i++) {
        const char *nm = z->m[i].name;
        size_t nl = strlen(nm), kl = strlen(key);
        bool match =
            !strcmp(nm, key) || (nl == kl + 4 && !strncmp(nm, key, kl) && !strcmp(nm + kl, ".npy"));
        if (!match) continue;
        void *buf;
        size_t len;
        if (numc_npz_read(z, i, &buf, &len)) return NULL;
        numc_array *a;
        numc_npy_decode(buf, len, &a);
        free(buf);
        return a;
    }
    numc_error_set(NUMC_ERR_INDEX, "%s is not a file in the archive", key);
    return NULL;
}

/* a growable byte buffer */
typedef struct {
    unsigned char *p;
    size_t n, cap;
    bool failed;
} bytes;

static unsigned char *grow(bytes *b, size_t more) {
    if (b->failed) return NULL;
    if (b->n + more > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + more)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    unsigned char *at = b->p + b->n;
    b->n += more;
    return at;
}

/* deflate of src (raw, no zlib header) appended to out */
static numc_status deflate_into(bytes *out, const unsigned char *src, size_t n, size_t *clen) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return numc_error_set(NUMC_ERR_MEMORY, "savez_compressed: zlib cannot start");
    size_t start = out->n, left = n;
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        uInt ic = left > 1u << 30 ? 1u << 30 : (uInt)left;
        s.next_in = (Bytef *)(uintptr_t)src;
        s.avail_in = ic;
        int flush = left == ic ? Z_FINISH : Z_NO_FLUSH;
        do {
            size_t chunk = 1 << 16;
            unsigned char *o = grow(out, chunk);
            if (!o) {
                deflateEnd(&s);
                return numc_error_set(NUMC_ERR_MEMORY, "savez_compressed: out of memory");
            }
            s.next_out = o;
            s.avail_out = (uInt)chunk;
            rc = deflate(&s, flush);
            out->n -= s.avail_out;
        } while (s.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
        src += ic;
        left -= ic;
    }
    deflateEnd(&s);
    *clen = out->n - start;
    return NUMC_OK;
}

numc_status numc_npz_encode(int n, const char *const *names, const numc_array *const *arrays,
                            bool compress, void **buf, size_t *len) {
    *buf = NULL;
    *len = 0;
    bytes out = {0}, cd = {0};
    numc_status st = NUMC_OK;
    const char *fn = compress ? "savez_compressed" : "savez";
    for (int i = 0; i < n && !st; i++) {
        void *npy;
        size_t nlen;
        if (numc_npy_encode(arrays[i], &npy, &nlen)) {
            st = numc_error_kind();
            break;
        }
        char name[1024];
        int nl = snprintf(name, sizeof name, "%s.npy", names[i]);
        if (nl <= 0 || nl >= (int)sizeof name) {
            free(npy);
            st = numc_error_set(NUMC_ERR_VALUE, "%s: the name '%s' is too long", fn, names[i]);
            break;
        }
        uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
        for (size_t k = 0; k < nlen; k += 1u << 30)
            crc = (uint32_t)crc32(crc, (unsigned char *)npy + k,
                                  (uInt)(nlen - k > 1u << 30 ? 1u << 30 : nlen - k));
        size_t off = out.n;
        unsigned char *h = grow(&out, 30 + (size_t)nl);
        size_t clen = nlen;
        if (h) {
            memcpy(h + 30, name, (size_t)nl);
            if (compress) {
                st = deflate_into(&out, npy, nlen, &clen);
            } else {
                unsigned char *d = grow(&out, nlen);
                if (d) memcpy(d, npy, nlen);
            }
        }
        free(npy);
        if (st) break;
        if (out.failed) break;
        if (off > 0xfffffffeu || clen > 0xfffffffeu || nlen > 0xfffffffeu) {
            st = numc_error_set(NUMC_ERR_VALUE, "%s: archives over 4 GiB are not supported", fn);
            break;
        }
        h = out.p + off;
        wr32(h, 0x04034b50);
        wr16(h + 4, 20);
        wr16(h + 6, 0);
        wr16(h + 8, compress ? 8 : 0);
        wr16(h + 10, 0);    /* time 00:00 */
        wr16(h + 12, 0x21); /* 1980-01-01 */
        wr32(h + 14, crc);
        wr32(h + 18, (uint32_t)clen);
        wr32(h + 22, (uint32_t)nlen);
        wr16(h + 26, (uint32_t)nl);
        wr16(h + 28, 0);
        unsigned char *c = grow(&cd, 46 + (size_t)nl);
        if (!c) break;
        memset(c, 0, 46);
        wr32(c, 0x02014b50);
        wr16(c + 4, 20);
        wr16(c + 6, 20);
        memcpy(c + 8, h + 6, 24); /* flags .. name length, as in the local header */
        wr32(c + 42, (uint32_t)off);
        memcpy(c + 46, name, (size_t)nl);
    }
    if (!st && (out.failed || cd.failed))
        st = numc_error_set(NUMC_ERR_MEMORY, "%s: out of memory", fn);
    if (!st) {
        size_t cd_off = out.n;
        unsigned char *c = grow(&out, cd.n + 22);
        if (!c || cd_off > 0xfffffffeu || n > 0xfffe) {
            st = numc_error_set(c ? NUMC_ERR_VALUE : NUMC_ERR_MEMORY, "%s: archive too large", fn);
        } else {
            if (cd.n) memcpy(c, cd.p, cd.n);
            unsigned char *e = c + cd.n;
            memset(e, 0, 22);
            wr32(e, 0x06054b50);
            wr16(e + 8, (uint32_t)n);
            wr16(e + 10, (uint32_t)n);
            wr32(e + 12, (uint32_t)cd.n);
            wr32(e + 16, (uint32_t)cd_off);
        }
    }
    free(cd.p);
    if (st) {
        free(out.p);
        return st;
    }
    *buf = out.p;
    *len = out.n;
    return NUMC_OK;
}

numc_status numc_savez(const char *path, int n, const char *const *names,
                       const numc_array *const *arrays, bool compress) {
    void *buf;
    size_t len;
    if (numc_npz_encode(n, names, arrays, compress, &buf, &len)) return numc_error_kind();
    numc_status st = write_file(compress ? "savez_compressed" : "savez", path, buf, len);
    free(buf);
    return st;
}
