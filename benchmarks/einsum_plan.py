"""Contraction planning, synth against opt_einsum, on the same expressions in one run.

Quality: synth's path and opt_einsum's are both costed by opt_einsum.contract_path (its FLOP
count, `opt_cost`), against `optimal` up to 8 operands and `dp` above. Speed: the path
search alone (synth.einsum.planning.search against opt_einsum.paths.optimal / .dynamic_programming
on the same index sets) and the public call end to end (synth.einsum.plan(text, *shapes)
against opt_einsum.contract_path(text, *shapes, shapes=True)), each the best of several
interleaved repeats with one timer; "fresh" is the same call with parse's cache cleared each
time (a text seen for the first time). The last line is JSON.

    python benchmarks/einsum_plan.py [--quick]
"""
from __future__ import annotations

import argparse
import gc
import json
import math
import statistics
import time

import opt_einsum as oe

from synth.einsum import parse, plan
from synth.einsum.planning import search

EXACT_LIMIT = 8          # opt_einsum's optimal is run up to here, dp above


def symbols():
    k = 0
    while True:
        yield oe.get_symbol(k)
        k += 1


def network(tensors, output="", size=None):
    """An einsum from tensors given as lists of index names; sizes from `size` (name -> int)."""
    return ",".join("".join(t) for t in tensors) + "->" + output, size


def mps_norm(sites, bond, phys):
    s = symbols()
    ket_b = [next(s) for _ in range(sites - 1)]
    bra_b = [next(s) for _ in range(sites - 1)]
    p = [next(s) for _ in range(sites)]
    tensors = []
    for i in range(sites):
        for bonds in (ket_b, bra_b):
            t = ([bonds[i - 1]] if i > 0 else []) + [p[i]] + ([bonds[i]] if i < sites - 1 else [])
            tensors.append(t)
    size = {c: bond for c in ket_b + bra_b} | {c: phys for c in p}
    return network(tensors, "", size)


def mps_mpo_expectation(sites, bond, phys, mpo_bond):
    s = symbols()
    kb = [next(s) for _ in range(sites - 1)]
    bb = [next(s) for _ in range(sites - 1)]
    ob = [next(s) for _ in range(sites - 1)]
    up = [next(s) for _ in range(sites)]
    down = [next(s) for _ in range(sites)]
    tensors = []
    for i in range(sites):
        def chain(bonds, phys_index):
            return ([bonds[i - 1]] if i > 0 else []) + [phys_index] + ([bonds[i]] if i < sites - 1 else [])
        tensors += [chain(kb, up[i]), chain(ob, up[i]) + [down[i]], chain(bb, down[i])]
    size = {c: bond for c in kb + bb} | {c: mpo_bond for c in ob} | {c: phys for c in up + down}
    return network(tensors, "", size)


def ring(n, bond, phys):
    s = symbols()
    b = [next(s) for _ in range(n)]
    p = [next(s) for _ in range(n)]
    tensors = [[b[i - 1], p[i], b[i]] for i in range(n)]
    return network(tensors, "".join(p[:2]), {c: bond for c in b} | {c: phys for c in p})


def grid(w, h, bond, phys=None):
    s = symbols()
    tensors = [[] for _ in range(w * h)]
    for x in range(w):
        for y in range(h):
            k = x * h + y
            if x + 1 < w:
                c = next(s)
                tensors[k].append(c)
                tensors[(x + 1) * h + y].append(c)
            if y + 1 < h:
                c = next(s)
                tensors[k].append(c)
                tensors[k + 1].append(c)
    size = {c: bond for t in tensors for c in t}
    out = ""
    if phys:
        for t in tensors:
            c = next(s)
            t.append(c)
            size[c] = phys
        out = "".join(t[-1] for t in tensors[:2])
    return network(tensors, out, size)


def binary_tree(levels, bond, leaf_dim):
    s = symbols()
    tensors, size = [], {}

    def node(depth):
        up = next(s)
        size[up] = bond if depth > 0 else leaf_dim
        if depth == levels:
            size[up] = leaf_dim
            tensors.append([up])
            return up
        left, right = node(depth + 1), node(depth + 1)
        tensors.append([left, right, up])
        return up

    root = node(0)
    return network(tensors, root, size)


def chain(dims):
    s = symbols()
    idx = [next(s) for _ in dims]
    tensors = [[idx[i], idx[i + 1]] for i in range(len(dims) - 1)]
    return network(tensors, idx[0] + idx[-1], dict(zip(idx, dims)))


def random_equation(n, regularity, seed, n_out=0):
    from opt_einsum.testing import rand_equation
    eq, _, size = rand_equation(n, regularity, n_out=n_out, d_min=2, d_max=9, seed=seed,
                                           return_size_dict=True)
    return eq, size


def cases():
    named = {"b": 4, "h": 8, "i": 256, "j": 256, "d": 64, "e": 512, "f": 512}
    out = [
        ("attention scores", ("bhid,bhjd->bhij", named)),
        ("attention values", ("bhij,bhjd->bhid", named)),
        ("attention with projections", ("bie,ehd,bje,ehd->bhij", {"b": 4, "i": 128, "j": 128, "e": 512,
                                                                    "h": 8, "d": 64})),
        ("attention output projected", ("bhij,bjf,fhd,hde->bie", {"b": 4, "h": 8, "i": 128, "j": 128,
                                                                    "f": 512, "d": 64, "e": 512})),
        ("bilinear form", ("i,ij,j->", {"i": 1000, "j": 800})),
        ("batched bilinear layer", ("bi,oij,bj->bo", {"b": 64, "o": 32, "i": 128, "j": 96})),
        ("quadratic form chain", ("i,ij,jk,k->", {"i": 500, "j": 40, "k": 600})),
        ("MLP without nonlinearity", ("bi,ij,jk,kl->bl", {"b": 32, "i": 784, "j": 512, "k": 256, "l": 10})),
        ("Tucker reconstruction", ("abc,ia,jb,kc->ijk", {"a": 8, "b": 8, "c": 8, "i": 64, "j": 64, "k": 64})),
        ("CP reconstruction", ("ir,jr,kr->ijk", {"i": 50, "j": 60, "k": 70, "r": 16})),
        ("outer product of four", ("a,b,c,d->abcd", {"a": 10, "b": 20, "c": 30, "d": 40})),
        ("opt_einsum docs example", ("ea,fb,abcd,gc,hd->efgh", {c: 10 for c in "abcdefgh"})),
        ("matrix chain 3", chain([10, 100, 5, 50])),
        ("matrix chain 6", chain([30, 35, 15, 5, 10, 20, 25])),
        ("matrix chain 8", chain([40, 20, 30, 10, 30, 50, 5, 60, 25])),
        ("MPS norm, 4 sites", mps_norm(4, 32, 2)),
        ("PEPS 2x3", grid(2, 3, 4)),
        ("random n=5", random_equation(5, 3, 1)),
        ("random n=6", random_equation(6, 3, 2)),
        ("random n=7", random_equation(7, 3, 3, n_out=2)),
        ("random n=8", random_equation(8, 3, 4)),
        ("random n=8 dense", random_equation(8, 4, 5, n_out=1)),
        # above 8 operands: against dp
        ("MPS norm, 5 sites", mps_norm(5, 32, 2)),
        ("MPS norm, 8 sites", mps_norm(8, 64, 2)),
        ("MPS norm, 10 sites", mps_norm(10, 64, 2)),
        ("MPS-MPO-MPS, 3 sites", mps_mpo_expectation(3, 16, 2, 4)),
        ("MPS-MPO-MPS, 5 sites", mps_mpo_expectation(5, 16, 2, 4)),
        ("MPS-MPO-MPS, 6 sites", mps_mpo_expectation(6, 32, 2, 5)),
        ("periodic MPS, 12 sites", ring(12, 8, 2)),
        ("binary tree, 15 nodes", binary_tree(3, 8, 4)),
        ("PEPS 3x3", grid(3, 3, 4)),
        ("PEPS 3x4 open", grid(3, 4, 3, 2)),
        ("PEPS 4x4", grid(4, 4, 3)),
        ("PEPS 4x5", grid(4, 5, 3)),
        ("matrix chain 20", chain([7, 31, 12, 45, 9, 22, 15, 38, 6, 27, 19, 40, 11, 33, 8, 29, 14, 36, 10,
                                   25, 17])),
        ("random n=10", random_equation(10, 3, 6)),
        ("random n=12", random_equation(12, 3, 7, n_out=2)),
        ("random n=14", random_equation(14, 3, 8)),
        ("random n=16", random_equation(16, 3, 9)),
        ("random n=20 sparse", random_equation(20, 2, 10)),
    ]
    return out


def best_time(functions, budget: float, most: int):
    """Best time per call of each function over interleaved repeats (one timer for all). Fast
    functions are timed in batches of calls (at least 2 ms a batch), as timeit does."""
    def batch(f, number):
        t = time.perf_counter()
        for _ in range(number):
            f()
        return (time.perf_counter() - t) / number

    numbers = [max(1, int(2e-3 / max(batch(f, 1), 1e-7))) for f in functions]
    times = [math.inf] * len(functions)
    gc.collect()
    gc.disable()          # as timeit does: a collection would land on whichever call is running
    try:
        start = time.perf_counter()
        for repeat in range(most):
            for k, f in enumerate(functions):
                times[k] = min(times[k], batch(f, numbers[k]))
            if repeat >= 2 and time.perf_counter() - start > budget:
                break
    finally:
        gc.enable()
    return times


def measure(name, eq, size, budget, most):
    inputs_text, output = eq.split("->")
    terms = inputs_text.split(",")
    shapes = [tuple(size[c] for c in t) for t in terms]
    n = len(terms)
    method = "optimal" if n <= EXACT_LIMIT else "dp"
    ours = plan(eq, *shapes)
    recount = oe.contract_path(eq, *shapes, shapes=True, optimize=[tuple(p) for p in ours.path])[1]
    assert int(recount.opt_cost) == ours.flops, (name, int(recount.opt_cost), ours.flops)
    theirs = oe.contract_path(eq, *shapes, shapes=True, optimize=method)[1]
    theirs_flops = int(theirs.opt_cost)
    sets = [frozenset(t) for t in terms]
    out = frozenset(output)
    path_fn = oe.paths.optimal if method == "optimal" else oe.paths.dynamic_programming
    search_ours, search_theirs = best_time(
        [lambda: search(list(sets), out, size), lambda: path_fn(list(sets), out, dict(size))], budget, most)
    # parse caches the text's Expr, so a repeated call mostly measures the rest; `fresh` clears
    # that cache on every call: the cost of a text seen for the first time.
    call_ours, call_theirs, call_fresh = best_time(
        [lambda: plan(eq, *shapes), lambda: oe.contract_path(eq, *shapes, shapes=True, optimize=method),
         lambda: (parse.cache_clear(), plan(eq, *shapes))],
        budget, most)
    return {"name": name, "operands": n, "peer": method, "flops": ours.flops, "peer_flops": theirs_flops,
            "flops_ratio": ours.flops / theirs_flops,
            "largest_intermediate": ours.largest_intermediate,
            "peer_largest_intermediate": int(theirs.largest_intermediate),
            "search_ms": search_ours * 1e3, "peer_search_ms": search_theirs * 1e3,
            "search_speedup": search_theirs / search_ours,
            "call_ms": call_ours * 1e3, "peer_call_ms": call_theirs * 1e3, "call_speedup": call_theirs / call_ours,
            "fresh_call_ms": call_fresh * 1e3, "fresh_call_speedup": call_theirs / call_fresh}


def geomean(values):
    return math.exp(statistics.fmean(math.log(v) for v in values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    args = parser.parse_args()
    budget, most = (0.05, 3) if args.quick else (0.5, 15)
    rows = []
    print(f"{'expression':30s} {'n':>3s} {'peer':>7s} {'synth FLOPs':>12s} {'peer FLOPs':>12s} {'ratio':>6s} "
          f"{'search ms':>10s} {'peer ms':>9s} {'x':>6s} {'call ms':>8s} {'peer ms':>8s} {'x':>6s} "
          f"{'fresh ms':>8s} {'x':>6s}")
    for name, (eq, size) in cases():
        r = measure(name, eq, size, budget, most)
        rows.append(r)
        print(f"{name:30s} {r['operands']:3d} {r['peer']:>7s} {r['flops']:12.4e} {r['peer_flops']:12.4e} "
              f"{r['flops_ratio']:6.3f} {r['search_ms']:10.3f} {r['peer_search_ms']:9.3f} "
              f"{r['search_speedup']:6.2f} {r['call_ms']:8.3f} {r['peer_call_ms']:8.3f} {r['call_speedup']:6.2f} "
              f"{r['fresh_call_ms']:8.3f} {r['fresh_call_speedup']:6.2f}",
              flush=True)
    small = [r for r in rows if r["peer"] == "optimal"]
    large = [r for r in rows if r["peer"] == "dp"]
    summary = {
        "expressions": len(rows),
        "max_flops_ratio_vs_optimal": max(r["flops_ratio"] for r in small),
        "max_flops_ratio_vs_dp": max(r["flops_ratio"] for r in large),
        "better_than_peer": sum(r["flops_ratio"] < 1 for r in rows),
        "search_speedup_geomean_vs_optimal": geomean([r["search_speedup"] for r in small]),
        "search_speedup_geomean_vs_dp": geomean([r["search_speedup"] for r in large]),
        "search_slower_than_peer": [r["name"] for r in rows if r["search_speedup"] < 1],
        "call_speedup_geomean": geomean([r["call_speedup"] for r in rows]),
        "call_slower_than_peer": [r["name"] for r in rows if r["call_speedup"] < 1],
        "fresh_call_speedup_geomean": geomean([r["fresh_call_speedup"] for r in rows]),
        "fresh_call_slower_than_peer": [r["name"] for r in rows if r["fresh_call_speedup"] < 1],
        "rows": rows,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
