"""Batched population scoring versus one jitted program at a time, on the same programs and tasks.

    python benchmarks/discover_throughput.py [--programs 64] [--per-program 6]

An evaluation is one program trained on every search task (each at the search learning rates)
and scored. Batched: the whole population goes through one compiled XLA computation per task
(compiled once; the steady-state rate is what a long search sees, the first call is shown too).
Per program: each program is traced and jit-compiled into its own training loop, as a search
without the vectorized interpreter must do for every new program; the rate is measured on the
first --per-program programs. The last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import platform
import random
import time

import jax
import numpy as np

from synth.discover import tasks
from synth.discover.evaluate import SEARCH_LRS, Problem, PopulationScorer
from synth.dsl import optim
from synth.dsl.optim import mutate, semantics, vectorized


def population(n: int, seed: int = 0) -> list[optim.Program]:
    """Distinct well-shaped programs reached by mutation from the library (as a search meets them)."""
    rng = random.Random(seed)
    programs = [optim.library.load(name) for name in optim.library.NAMES]
    while len(programs) < n:
        child = mutate.mutate(rng.choice(programs), rng)
        if semantics.is_well_shaped(child) and vectorized.fits(child) and child not in programs:
            programs.append(child)
    return programs[:n]


def per_program_scores(program, problem: Problem) -> float:
    def update(g, state, w, lr):
        step, m, v = semantics.run_flat(program, problem.segments, w, g, state[0], state[1], lr)
        return step, (m, v)
    init = lambda w0: (jax.numpy.zeros_like(w0), jax.numpy.zeros_like(w0))
    scores = jax.jit(lambda: problem.scores(update, init, SEARCH_LRS))()
    return float(np.min(np.mean(np.asarray(scores), axis=1)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--programs", type=int, default=64)
    parser.add_argument("--per-program", type=int, default=6)
    args = parser.parse_args()
    programs = population(args.programs)
    encoded = vectorized.stack(programs)
    search_tasks = tasks.SEARCH_TASKS

    scorers = [PopulationScorer(t) for t in search_tasks]
    t0 = time.perf_counter()
    first = np.stack([s(encoded) for s in scorers])
    first_call = time.perf_counter() - t0
    t0 = time.perf_counter()
    batched = np.stack([s(encoded) for s in scorers])
    steady = time.perf_counter() - t0

    problems = [Problem(t, (0,)) for t in search_tasks]
    t0 = time.perf_counter()
    single = np.array([[per_program_scores(p, pr) for pr in problems]
                       for p in programs[:args.per_program]]).T
    per_program = time.perf_counter() - t0

    agree = float(np.max(np.abs(single - batched[:, :args.per_program])))
    result = {
        "programs": args.programs,
        "tasks": [t.name for t in search_tasks],
        "batched_seconds": steady,
        "batched_first_call_seconds": first_call,
        "batched_evals_per_s": args.programs / steady,
        "batched_evals_per_s_with_compile": args.programs / first_call,
        "per_program_seconds": per_program,
        "per_program_evals_per_s": args.per_program / per_program,
        "ratio": (args.programs / steady) / (args.per_program / per_program),
        "ratio_with_compile": (args.programs / first_call) / (args.per_program / per_program),
        "max_score_difference": agree,
        "machine": f"{platform.machine()} {jax.device_count()}x{jax.devices()[0].platform}, "
                   f"{__import__('os').cpu_count()} cpus",
    }
    assert np.allclose(first, batched), "batched scoring is not deterministic"
    print(f"batched: {result['batched_evals_per_s']:.2f} evals/s "
          f"({result['batched_evals_per_s_with_compile']:.2f} counting its one compilation)")
    print(f"per-program jit: {result['per_program_evals_per_s']:.3f} evals/s")
    print(f"ratio: {result['ratio']:.0f}x (counting the batched compilation: "
          f"{result['ratio_with_compile']:.0f}x); largest score difference {agree:.2e}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
