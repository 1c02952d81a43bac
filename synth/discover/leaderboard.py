"""Final ranking on meta-validation tasks: programs and tuned baselines over one learning-rate grid."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Sequence

import jax
import numpy as np
import optax

from synth.discover.evaluate import FINAL_LRS, Problem, optax_rule, program_rule
from synth.discover.tasks import Task
from synth.dsl.optim import vectorized
from synth.dsl.optim.ast import Program

FINAL_SEEDS = (0, 1, 2)

# Peers at their published defaults; only the learning rate is tuned, as for discovered programs.
BASELINES = {
    "sgd_momentum": lambda lr: optax.sgd(lr, momentum=0.9),
    "adamw": lambda lr: optax.adamw(lr),
    "lion": lambda lr: optax.lion(lr),
}


@dataclass(frozen=True)
class Entry:
    """One optimizer's tuned result: fitness is the mean over tasks of the best-lr mean score."""
    name: str
    fitness: float
    per_task: dict[str, dict[str, float]]   # task -> {"score", "lr"}
    program: str | None = None


def _entry(name: str, grid: dict[str, np.ndarray], program: str | None = None) -> Entry:
    per_task = {}
    for task, scores in grid.items():
        mean = scores.mean(axis=1)               # over seeds
        best = int(np.argmin(mean))
        per_task[task] = {"score": float(mean[best]), "lr": FINAL_LRS[best]}
    fitness = float(np.mean([t["score"] for t in per_task.values()]))
    return Entry(name, fitness, per_task, program)


@functools.cache
def _problem(task: Task) -> Problem:
    return Problem(task, FINAL_SEEDS)


@functools.cache
def _program_grid(task: Task):
    """One compiled function per task serves every program: the program is an array argument."""
    problem = _problem(task)

    def grid(enc):
        update, state0 = program_rule(enc, problem.segments)
        return problem.scores(update, state0, FINAL_LRS)
    return jax.jit(grid)


def evaluate_program(name: str, program: Program, tasks: Sequence[Task], text: str) -> Entry:
    enc = vectorized.encode(program)
    return _entry(name, {t.name: np.asarray(_program_grid(t)(enc)) for t in tasks}, text)


def evaluate_baseline(name: str, tasks: Sequence[Task]) -> Entry:
    make = BASELINES[name]
    grid = {}
    for t in tasks:
        update, state0 = optax_rule(make)
        problem = _problem(t)   # built outside the trace: the cached Problem must hold arrays, not tracers
        grid[t.name] = np.asarray(jax.jit(lambda: problem.scores(update, state0, FINAL_LRS))())
    return _entry(name, grid)


def leaderboard(programs: Sequence[tuple[str, Program, str]], tasks: Sequence[Task]) -> list[Entry]:
    """Programs (name, program, text) and every baseline, best (lowest fitness) first."""
    entries = [evaluate_program(n, p, tasks, text) for n, p, text in programs]
    entries += [evaluate_baseline(n, tasks) for n in BASELINES]
    return sorted(entries, key=lambda e: e.fitness)


def format_table(entries: Sequence[Entry]) -> str:
    tasks = list(entries[0].per_task)
    width = max(len(e.name) for e in entries)
    head = f"{'optimizer':<{width}}  {'fitness':>8}  " + "  ".join(f"{t:>14}" for t in tasks)
    rows = [f"{e.name:<{width}}  {e.fitness:8.3f}  "
            + "  ".join(f"{e.per_task[t]['score']:8.3f}@{e.per_task[t]['lr']:<5.0e}" for t in tasks)
            for e in entries]
    note = "fitness: mean over tasks of log10(final/initial held-out loss) at the best lr; lower is better"
    return "\n".join([head, "-" * len(head), *rows, note])
