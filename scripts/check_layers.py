#!/usr/bin/env python3
"""Checks that numc's layers depend one way (docs/architecture.md).

Layers, from the bottom; each may include and call only layers below it:
    src/core -> src/prim -> src/backend (+ cpu/) -> src/graph -> src/interp
    -> src/rules -> src/np -> python/numc
include/numc.h is the public API and belongs to no layer.

Violations, each printed as `file: includes/calls X of higher layer Y`:
  (a) an `#include "..."` that resolves to a header of a higher layer;
  (b) an object file with an undefined symbol that only objects of higher
      layers define (read with nm from the build's object files);
  (c) a file outside src/ (python/, tests/python, examples/) that includes a
      private header (anything under src/); tests/c may;
  (d) an include or call loop among the files of python/numc (printed as
      cycles of files that together use every edge of the loop; --verbose
      names the include or symbol behind each edge).
Exit status 1 when there is a violation, 2 when the build is missing.

Usage: scripts/check_layers.py [--build DIR] [--verbose]
(`make check-layers` builds first; the object files must be current.)
"""
import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
LAYERS = [
    ("core", "src/core/"),
    ("prim", "src/prim/"),
    ("backend", "src/backend/"),
    ("graph", "src/graph/"),
    ("interp", "src/interp/"),
    ("rules", "src/rules/"),
    ("np", "src/np/"),
    ("python", "python/numc/"),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}
# Where `#include "x"` is looked for after the including file's folder (the
# include directories CMakeLists.txt gives the targets).
SEARCH = ["src", "include", "python/numc", "tests/c"]
SOURCE_EXT = (".c", ".h", ".def")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
DEFINED = set("TDBRCVWGSi")  # nm kinds that define a symbol
OUTSIDE = ["python/", "tests/python/", "examples/"]  # rule (c)


def layer_of(rel):
    for name, prefix in LAYERS:
        if rel.startswith(prefix):
            return name
    return None


def source_files():
    out = []
    for top in ("src", "python", "tests", "examples", "include"):
        for d, _, files in os.walk(os.path.join(ROOT, top)):
            for f in files:
                if f.endswith(SOURCE_EXT):
                    out.append(os.path.relpath(os.path.join(d, f), ROOT))
    return sorted(out)


def resolve(rel, target):
    for base in [os.path.dirname(rel)] + SEARCH:
        cand = os.path.normpath(os.path.join(base, target))
        if os.path.isfile(os.path.join(ROOT, cand)):
            return cand
    return None


def objects(build):
    """{object path: source path} for the library's and the extension's objects
    whose source still exists (a moved file leaves a stale object behind)."""
    out = {}
    for tdir in ("numc_obj.dir", "_numc.dir"):
        base = os.path.join(build, "CMakeFiles", tdir)
        for d, _, files in os.walk(base):
            for f in files:
                if not f.endswith(".c.o"):
                    continue
                obj = os.path.join(d, f)
                src = os.path.relpath(obj, base)[: -len(".o")]
                if os.path.isfile(os.path.join(ROOT, src)):
                    out[obj] = src
    return out


def symbols(objs):
    """({source: set of defined globals}, {source: set of undefined})."""
    defined, undefined = defaultdict(set), defaultdict(set)
    if not objs:
        return defined, undefined
    res = subprocess.run(["nm", "-A", "-g"] + sorted(objs), capture_output=True, text=True,
                         check=True)
    for line in res.stdout.splitlines():
        # "path.o:0000000000000000 T name" or "path.o:                 U name"
        obj, _, rest = line.partition(":")
        parts = rest.split()
        if len(parts) < 2 or obj not in objs:
            continue
        kind, name = parts[-2], parts[-1]
        if kind == "U":
            undefined[objs[obj]].add(name)
        elif kind in DEFINED:
            defined[objs[obj]].add(name)
    return defined, undefined


def components(nodes, edges):
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return comps


def shortest_path(src, dst, members, edges):
    prev, frontier = {src: None}, [src]
    while frontier and dst not in prev:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v]):
                if w in members and w not in prev:
                    prev[w] = v
                    nxt.append(w)
        frontier = nxt
    path, v = [], dst
    while v is not None:
        path.insert(0, v)
        v = prev[v]
    return path


def cycles(nodes, edges):
    """For each loop (strongly connected component), cycles that together use
    every edge inside it: each is an edge a -> b closed by a shortest path
    b -> a, so fixing them all breaks the loop."""
    out = []
    for comp in components(nodes, edges):
        members, covered, found = set(comp), set(), []
        for a in comp:
            for b in sorted(edges[a] & members):
                if (a, b) in covered:
                    continue
                cyc = [a] + shortest_path(b, a, members, edges)
                covered.update(zip(cyc, cyc[1:]))
                found.append(cyc)
        out.append((comp, found))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build", help="the CMake build directory (default: build)")
    ap.add_argument("--verbose", action="store_true", help="also print each loop's edges")
    args = ap.parse_args()
    build = os.path.join(ROOT, args.build) if not os.path.isabs(args.build) else args.build

    files = source_files()
    violations, nchecks = [], 0
    py_edges = defaultdict(set)  # python/numc file graph: includes and calls
    py_why = {}

    # (a), (c): includes
    for rel in files:
        with open(os.path.join(ROOT, rel), errors="replace") as f:
            text = f.read()
        own = layer_of(rel)
        for target in INCLUDE_RE.findall(text):
            hdr = resolve(rel, target)
            if hdr is None:
                continue
            nchecks += 1
            dep = layer_of(hdr)
            if own and dep and RANK[dep] > RANK[own]:
                violations.append(f"{rel}: includes {hdr} of higher layer {dep}")
            if any(rel.startswith(p) for p in OUTSIDE) and hdr.startswith("src/"):
                violations.append(f"{rel}: includes private header {hdr} (only include/ is "
                                  "public outside src/)")
            if own == "python" and dep == "python":
                py_edges[rel].add(hdr)
                py_why[(rel, hdr)] = "includes"

    # (b), (d): symbols
    objs = objects(build)
    if not any(src.startswith("src/") for src in objs.values()):
        print(f"check_layers: no object files under {args.build}/CMakeFiles; build first "
              "(make check-layers)", file=sys.stderr)
        return 2
    defined, undefined = symbols(objs)
    definers = defaultdict(set)
    for src, names in defined.items():
        for n in names:
            definers[n].add(src)
    for src in sorted(undefined):
        own = layer_of(src)
        for name in sorted(undefined[src]):
            where = definers.get(name)
            if not where:
                continue  # libc, Python, BLAS, ...
            nchecks += 1
            ranks = {RANK[layer_of(w)] for w in where if layer_of(w)}
            if own and ranks and min(ranks) > RANK[own]:
                w = sorted(where)[0]
                violations.append(f"{src}: calls {name} of higher layer {layer_of(w)} ({w})")
            if own == "python":
                for w in where:
                    if layer_of(w) == "python" and w != src:
                        py_edges[src].add(w)
                        py_why.setdefault((src, w), f"calls {name}")

    py_nodes = {f for f in files if layer_of(f) == "python"}
    nchecks += sum(len(v) for v in py_edges.values())
    for comp, found in cycles(py_nodes, py_edges):
        print(f"python/numc: a loop among {len(comp)} files "
              f"({', '.join(os.path.basename(p) for p in comp)}), {len(found)} cycles:")
        for cyc in found:
            violations.append("python/numc: include/call cycle " +
                              " -> ".join(os.path.basename(p) for p in cyc))
            if args.verbose:
                for a, b in zip(cyc, cyc[1:]):
                    violations.append(f"    {a} {py_why.get((a, b), 'uses')} ({b})")

    for v in violations:
        print(v)
    n = sum(1 for v in violations if not v.startswith("    "))
    print(f"layers: {len(files)} files, {nchecks} checks, {n} violations")
    return 1 if n else 0


if __name__ == "__main__":
    sys.exit(main())
