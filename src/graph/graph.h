/* graph.h — the graph IR (graph mode) as data, and its passes. Nothing here
 * executes: the executor is interp/exec.c, and constant folding evaluates
 * through a function its caller passes in.
 *
 * A graph is SSA: values are numbered; each is a graph input, a constant (a
 * concrete array the graph holds) or an output of exactly one node. Nodes are
 * stored in topological order (the order they were traced in), so a forward
 * walk is an execution order and passes are single sweeps. Passes never move
 * value ids: they mark nodes dead and redirect uses (CSE), turn node outputs
 * into constants (folding) and finally compact the node list. The analysis
 * pass (numc_graph_analyse) computes each value's uses and last use, from
 * which the executor frees intermediates as soon as they are dead. Fusion and
 * code generation are meant to work on this same IR: a fused group is a run of
 * nodes, and the per-value producer/uses tables are what they need.
 *
 * Control primitives (call, cond, while, scan_loop; flag PF_BODIES) hold their
 * bodies in params->ptr as a numc_subgraphs (refcounted; a node retains it). */
#ifndef NUMC_GRAPH_H
#define NUMC_GRAPH_H

#include "../backend/fused.h"
#include "../prim/prim.h"

enum { GV_INPUT = 0, GV_CONST = 1, GV_NODE = 2, GV_DEAD = 3 /* its node was removed */ };

typedef struct {
    numc_aval aval;
    uint8_t kind;      /* GV_INPUT, GV_CONST, GV_NODE, GV_DEAD */
    uint8_t weak;      /* inputs only: a Python scalar (NEP 50 weak) */
    int producer;      /* GV_NODE: node index; GV_INPUT: input position */
    int out_index;     /* GV_NODE: which output of the producer */
    numc_array *konst; /* GV_CONST: the value (retained) */
    /* analysis (numc_graph_analyse) */
    int nuses;    /* node operand uses + graph output uses */
    int last_use; /* index of the last node using it; nnodes = graph output */
} numc_gvalue;

typedef struct {
    numc_prim prim;
    numc_params params; /* a copy; params.ptr retained for constant/control prims */
    int nin, nout;
    int *in, *out;   /* value ids (one malloc: in then out) */
    int *dead_after; /* analysis: owned values to release once this node ran */
    int ndead;
    bool dead; /* pass bookkeeping, removed by compaction */
} numc_gnode;

typedef struct {
    int traced_nodes; /* nodes when the trace ended */
    int cse_merged;   /* nodes removed as duplicates (and merged small constants) */
    int folded;       /* nodes evaluated at compile time */
    int dce_removed;  /* nodes removed as dead */
    int nodes;        /* nodes now */
    int constants;    /* constant values referenced now */
} numc_graph_stats_t;

struct numc_graph {
    atomic_long refcount;
    numc_gvalue *values;
    int nvalues, capvalues;
    numc_gnode *nodes;
    int nnodes, capnodes;
    int *inputs, ninputs, capinputs;
    int *outputs, noutputs;
    bool analysed, optimised;
    int *const_ids, nconst; /* analysis: the constants the executor loads */
    int64_t work;           /* analysis: elements produced per run (a cost estimate) */
    numc_graph_stats_t stats;
    /* the compiled backward body of a call of this graph (the VJP rule of
     * call, rules/call_vjp.c), built on first use; NUMC_CALL_VJP_INLINE when
     * it could not be traced */
    _Atomic(struct numc_subgraphs *) vjp_body;
    /* the fusion plan (numc_graph_fuse, fuse.c), NULL when the graph runs
     * node by node; rebuilt by each numc_graph_fuse */
    struct numc_fusion *fusion;
};
typedef struct numc_graph numc_graph;

/* The bodies of a control primitive: call 1, cond n branches, while {cond,
 * body}, scan_loop 1. Refcounted. */
typedef struct numc_subgraphs {
    atomic_long refcount;
    int n;
    numc_graph *g[];
} numc_subgraphs;

/* ---- building (graph.c) ---- */
numc_graph *numc_graph_new(void);
numc_graph *numc_graph_retain(numc_graph *g);
void numc_graph_release(numc_graph *g);
/* New value ids, or -1 with the error set. */
int numc_graph_add_input(numc_graph *g, const numc_aval *av, bool weak);
int numc_graph_add_const(numc_graph *g, numc_array *value); /* retains value */
/* Appends a node; out_ids receives nout new value ids. params is copied. */
numc_status numc_graph_add_node(numc_graph *g, numc_prim p, int nin, const int *in,
                                const numc_params *params, int nout, const numc_aval *out_avals,
                                int *out_ids);
numc_status numc_graph_set_outputs(numc_graph *g, int n, const int *ids);
/* Replaces the input list (each id must be a GV_INPUT value of g). */
numc_status numc_graph_set_inputs(numc_graph *g, int n, const int *ids);
/* Text form, malloc'ed. */
char *numc_graph_to_string(const numc_graph *g);

numc_subgraphs *numc_subgraphs_new(int n, numc_graph *const *g); /* retains each g */
void numc_subgraphs_release(numc_subgraphs *s);
numc_subgraphs *numc_subgraphs_retain(numc_subgraphs *s);

/* params.ptr of a node is owned by it: the value of a constant, the bodies
 * of a PF_BODIES primitive. These retain / release it (others: no-op). */
void numc_params_ptr_retain(numc_prim p, const void *ptr);
void numc_params_ptr_release(numc_prim p, const void *ptr);

/* The marker NUMC_CALL_VJP_INLINE points at (graph.c owns the cache slot). */
#define NUMC_CALL_VJP_INLINE ((struct numc_subgraphs *)&numc_call_vjp_inline_marker)
extern const int numc_call_vjp_inline_marker;

/* ---- passes (passes.c) ---- */
#define NUMC_FOLD_MAX_ELEMENTS ((int64_t)1 << 16) /* larger results stay computed at run time */
numc_status numc_graph_dce(numc_graph *g);
numc_status numc_graph_cse(numc_graph *g);
/* Constant folding evaluates nodes with eval (the executor passes
 * numc_eager_run); the graph layer itself never executes. */
numc_status numc_graph_fold(numc_graph *g, numc_apply_fn eval);
void numc_graph_compact(numc_graph *g);
numc_status numc_graph_analyse(numc_graph *g);
/* All of the above, in order (idempotent). The public numc_graph_optimise
 * (interp/exec.c) calls it with numc_eager_run. */
numc_status numc_graph_optimise_with(numc_graph *g, numc_apply_fn eval);

/* ---- fusion and memory planning (fuse.c) ----
 * The pass groups elementwise nodes (and folds the broadcast_in_dim nodes
 * feeding them) into fused programs (backend/fused.h), schedules each group
 * at its last member, recomputes when each materialised value dies, and
 * plans the group outputs that never leave the call into one arena buffer
 * (liveness-based offsets). The graph itself is unchanged: transforms still
 * see every node, and the executor runs a group's members one by one when
 * the device has no fused kernel. */
typedef struct {
    numc_fused_prog *prog;
    int pos;      /* node index the group runs at (its last member) */
    int nmembers; /* elementwise nodes, in order */
    int *members;
    int nfold; /* broadcast_in_dim nodes folded into its inputs */
    int *fold;
    int *in_vals;  /* prog->nin value ids read */
    int *out_vals; /* prog->nout value ids written */
} numc_fgroup;

typedef struct numc_fusion {
    int ngroups;
    numc_fgroup *groups;
    int nnodes;
    int *node_group;  /* per node: the group that runs it (-1: runs itself) */
    int **dead_after; /* per node: materialised values to release after it */
    int *ndead;
    /* memory plan: arena_off[v] = byte offset of value v in the arena, or -1 */
    int64_t *arena_off;
    int64_t arena_bytes;
    int arena_values;
    int inplace; /* arena values written over a dead input of their group */
    _Atomic(numc_buffer *) arena; /* cached between calls when nothing else holds it */
    atomic_llong arena_allocs;    /* arenas allocated so far (a statistic) */
    int fused_ops;
} numc_fusion;

/* Builds g's fusion plan (replacing any earlier one). g must be analysed. */
numc_status numc_graph_fuse(numc_graph *g);
void numc_fusion_free(numc_fusion *f);
/* The optimised graph with its fusion groups, as text (malloc'ed). */
char *numc_graph_fused_to_string(const numc_graph *g);

#endif
