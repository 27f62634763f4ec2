/* parser.h — the spec-table argument parser (parser.c): a row's signature
 * ("x:A, /, axis:X?=None, *, dtype:D?=None") compiled once into a spec_t
 * (interned names, converted defaults), and a vectorcall's arguments parsed
 * against it into a frame_t of C values, which owns the arrays it made. */
#ifndef PYNUMC_PARSER_H
#define PYNUMC_PARSER_H

#include "pynumc.h"

#define MAXP 16

/* Keyword parameters the invokers look up by name (operands are read by
 * position: v[0], v[1], ...). */
#define PYNUMC_SLOTS(S)                                                                            \
    S(axis)                                                                                        \
    S(dtype)                                                                                       \
    S(out) S(keepdims) S(ddof) S(correction) S(decimals) S(copy) S(ndmin) S(device) S(shape)       \
        S(num) S(endpoint) S(retstep) S(M) S(k) S(axes) S(axis1) S(axis2) S(source) S(destination) \
            S(include_initial) S(fill_value) S(stop) S(step) S(a_min) S(a_max) S(min) S(max)       \
                S(indices_or_sections) S(newshape) S(casting) S(x) S(y) S(to)

enum {
#define S(n) SLOT_##n,
    PYNUMC_SLOTS(S)
#undef S
        SLOT_COUNT
};
typedef void (*anyfn)(void);

/* A parsed argument. */
typedef struct {
    int none;          /* None given (optional types) */
    numc_array *arr;   /* A, a */
    numc_dtype dt;     /* D */
    int64_t i;         /* I, C (-1 None), B */
    double d;          /* F */
    int n;             /* X/S/x count (-1 None for X), L count */
    int64_t *ax;       /* X, S, x */
    numc_array **list; /* L */
    PyObject *obj;     /* the object (borrowed) for O, P, and all others */
} pval;

typedef struct {
    PyObject *name; /* interned */
    char type;
    char opt, kwonly, posonly, required;
    PyObject *dflt;
    pval dval; /* the default, converted once */
    int64_t dbuf[1];
} param_t;

typedef struct {
    const char *name;
    int kind;
    anyfn cfunc;
    const char *cname;
    const char *sig;
    int np, npos, var; /* params, how many take positionals, the V param or -1 */
    param_t p[MAXP];
    signed char pos_of[SLOT_COUNT];
    PyMethodDef def;
} spec_t;

typedef struct {
    const spec_t *s;
    pval v[MAXP];
    int64_t axbuf[MAXP][NUMC_MAX_DIMS];
    numc_array *owned[MAXP * 2];
    int nowned;
    struct {
        numc_array **v;
        int n;
    } lists[MAXP]; /* L arguments: members are owned through the list */
    int nlists;
    PyObject *const *var;
    Py_ssize_t nvar;
} frame_t;

/* Compiles s->sig (s->name, kind, cfunc, cname, sig set); -1 with SystemError
 * for a bad signature. */
int pynumc_compile_sig(spec_t *s);
/* Parses a call (self prepended when not NULL) into f; -1 with an exception.
 * pynumc_frame_release must follow either way. */
int pynumc_parse_call(const spec_t *s, PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames, frame_t *f);
void pynumc_frame_release(frame_t *f);
/* Hands the frame a new reference to release with it. */
void pynumc_frame_own(frame_t *f, numc_array *a);

#endif
