/* scope.c — numc_scope: a growable list of temporaries released together,
 * shared by the NumPy layer and the VJP and batching rules. */
#include "prim.h"

void numc_scope_init(numc_scope *s) {
    s->n = 0;
    s->cap = NUMC_SCOPE_INLINE;
    s->a = s->inl;
}

numc_array *numc_scope_keep(numc_scope *s, numc_array *a) {
    if (!a) return NULL;
    if (s->n == s->cap) {
        int cap = s->cap * 2;
        numc_array **na = malloc(sizeof(*na) * (size_t)cap);
        if (!na) {
            numc_array_release(a);
            numc_error_set(NUMC_ERR_MEMORY, "out of memory");
            return NULL;
        }
        memcpy(na, s->a, sizeof(*na) * (size_t)s->n);
        if (s->a != s->inl) free(s->a);
        s->a = na;
        s->cap = cap;
    }
    s->a[s->n++] = a;
    return a;
}

void numc_scope_release_to(numc_scope *s, int mark) {
    while (s->n > mark)
        numc_array_release(s->a[--s->n]);
}

void numc_scope_end(numc_scope *s) {
    numc_scope_release_to(s, 0);
    if (s->a != s->inl) free(s->a);
    numc_scope_init(s);
}
