/* ew-expr.c — numc_ew_expr_text: the C source text of each elementwise
 * expression of ew-expr.h, per primitive and dtype, for code generators. */
#include "ew-expr.h"

#define EW_TEXT_U_SAME(OP, E, T) EW_EXPR_TEXT1(OP, E, T)
#define EW_TEXT_U_BOOL EW_TEXT_U_SAME
#define EW_TEXT_U_REAL EW_TEXT_U_SAME
#define EW_TEXT_U_RAW EW_TEXT_U_SAME
#define EW_TEXT_U_RAWBOOL EW_TEXT_U_SAME
#define EW_TEXT_B_SAME(OP, E, T) EW_EXPR_TEXT2(OP, E, T)
#define EW_TEXT_B_BOOL EW_TEXT_B_SAME
#define EW_TEXT_B_RAW EW_TEXT_B_SAME
#define EW_TEXT_B_CPLX EW_TEXT_B_SAME
#define EW_TEXT_CELL(E, t, K, P, op, SHAPE, OP)                                                    \
    [NUMC_PRIM_##P][NUMC_##E] = EW_TEXT_##SHAPE(OP, E, EW_CT_##K(E, t)),

/* transcendentals: the libm call for real classes, the complex helper for C */
#define EW_TEXT_M1(P, fn, cx, fix, E, T)                                                           \
    [NUMC_PRIM_##P][NUMC_##E] = EW_XSTR_(EW_MATH1(E, T, x, fn)),
#define EW_TEXT_M2(P, fn, cx, fix, E, T)                                                           \
    [NUMC_PRIM_##P][NUMC_##E] = EW_XSTR_(EW_MATH2(E, T, a, b, fn)),
#define EW_TEXT_C1(P, fn, cx, fix, E, T) EW_TEXT_C1_##cx(P, fn, E)
#define EW_TEXT_C1_C(P, fn, E) [NUMC_PRIM_##P][NUMC_##E] = "ew_c_" #fn "_" #E "(x)",
#define EW_TEXT_C1_N(P, fn, E)
#define EW_TEXT_C2(P, fn, cx, fix, E, T) EW_TEXT_C2_##cx(P, fn, E)
#define EW_TEXT_C2_C(P, fn, E) [NUMC_PRIM_##P][NUMC_##E] = "ew_c_" #fn "_" #E "(a, b)",
#define EW_TEXT_C2_N(P, fn, E)
#define EW_TEXT_MATH_F(E, T) EW_MATH_UNARY(EW_TEXT_M1, E, T) EW_MATH_BINARY(EW_TEXT_M2, E, T)
#define EW_TEXT_MATH_H EW_TEXT_MATH_F
#define EW_TEXT_MATH_C(E, T)                                                                       \
    EW_MATH_UNARY(EW_TEXT_C1, E, T)                                                                \
    EW_MATH_BINARY(EW_TEXT_C2, E, T) EW_MATH_COMPLEX_UNARY(EW_TEXT_C1, E, T)
#define EW_TEXT_MATH_B(E, T)
#define EW_TEXT_MATH_S(E, T)
#define EW_TEXT_MATH_U(E, T)

#define EW_TEXT_ROWS(E, n, t, s, k, K)                                                             \
    EW_ARITH_OPS_##K(EW_TEXT_CELL, E, t, K) EW_TEXT_MATH_##K(E, EW_CT_##K(E, t))
static const char *const ew_text[NUMC_PRIM_COUNT][NUMC_DTYPE_COUNT] = {
    NUMC_DTYPE_LIST(EW_TEXT_ROWS)};

const char *numc_ew_expr_text(numc_prim p, numc_dtype dt) {
    if ((unsigned)p >= NUMC_PRIM_COUNT || (unsigned)dt >= NUMC_DTYPE_COUNT) return NULL;
    return ew_text[p][dt];
}
