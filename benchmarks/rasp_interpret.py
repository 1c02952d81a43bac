"""Running RASP programs: synth's interpreter against tracr's RASP evaluator, same programs.

Each program is written twice, as RASP text for synth and with tracr's Python RASP API, as the
paper writes it (reverse via length; histogram via selector width; sort of unique keys; the
fraction of earlier "(" tokens). Both evaluate the same inputs; the outputs must agree
exactly; the time is the best of `--repeat` runs of one evaluation (the s-op graph is built
once, outside the timing, for both). Prints one line per program and length, then JSON.

    .venv/bin/python benchmarks/rasp_interpret.py [--lengths 16 64 256] [--repeat 5]
"""
from __future__ import annotations

import argparse
import json
import random
import time

from tracr.compiler import lib
from tracr.rasp import rasp

from synth.dsl.rasp import apply, evaluate, run_text

SOURCE = """
tokens = tokens_asis;   # tracr passes tokens through unchanged
reverse = aggregate(select(indices, length - indices - 1, ==), tokens);
hist = selector_width(select(tokens, tokens, ==));
sort = aggregate(select(selector_width(select(tokens, tokens, <)), indices, ==), tokens);
frac_open = aggregate(select(indices, indices, <=), indicator(tokens == "("));
"""

TRACR = {
    "reverse": lib.make_reverse(rasp.tokens),
    "hist": lib.make_hist(),
    "sort": lib.make_sort_unique(rasp.tokens, rasp.tokens),
    "frac_open": lib.make_frac_prevs(rasp.tokens == "("),
}


def inputs(name: str, n: int, rng: random.Random) -> list:
    if name == "sort":                      # unique keys: a permutation of n numbers
        return rng.sample(range(n), n)
    alphabet = "()" if name == "frac_open" else "abcdefgh"
    return [rng.choice(alphabet) for _ in range(n)]


def best_time(f, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lengths", type=int, nargs="+", default=[16, 64, 256])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    env = run_text(SOURCE)
    rng = random.Random(0)
    rows = []
    for name, tracr_sop in TRACR.items():
        sop = evaluate(env, name)
        for n in args.lengths:
            xs = inputs(name, n, rng)
            ours = list(apply(sop, xs).values)
            theirs = rasp.evaluate(tracr_sop, xs)
            if ours != theirs:
                raise SystemExit(f"{name} n={n}: outputs differ: {ours} vs {theirs}")
            t_synth = best_time(lambda: apply(sop, xs), args.repeat)
            t_tracr = best_time(lambda: rasp.evaluate(tracr_sop, xs), args.repeat)
            rows.append({"program": name, "length": n, "synth_s": round(t_synth, 6),
                         "tracr_s": round(t_tracr, 6), "speedup": round(t_tracr / t_synth, 2)})
            print(f"{name:10s} n={n:4d}  synth {t_synth * 1e3:9.2f} ms  tracr {t_tracr * 1e3:9.2f} ms"
                  f"  tracr/synth {t_tracr / t_synth:6.2f}x  (outputs equal)")
    print(json.dumps({"benchmark": "rasp_interpret", "rows": rows}))


if __name__ == "__main__":
    main()
