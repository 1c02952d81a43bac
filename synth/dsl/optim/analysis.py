"""Analyses of optimizer programs: dead code, fingerprints, simplification, equivalence.

Fast paths run functions.py's table on NumPy (one vectorised call per statement over a batch
of random states); the JAX semantics stay the reference, and a reported counterexample is always
replayed on them. Algebra and proofs live in symbolic.py.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import jax
import numpy as np

from synth.dsl.optim import symbolic
from synth.dsl.optim.ast import Program, Var
from synth.dsl.optim.functions import FUNCTIONS, RowSegments
from synth.dsl.optim.semantics import run
from synth.sketch.answers import Answer, Counterexample, Proved, Tested, Unknown


# ---------------------------------------------------------------- dead code

def remove_dead(program: Program) -> Program:
    """Drop every statement whose value never reaches a returned variable."""
    live, kept = set(program.returns), []
    for s in reversed(program.statements):
        if s.target in live:   # read later (or returned) before any reassignment
            live.discard(s.target)
            live.update(a.name for a in s.args if isinstance(a, Var))
            kept.append(s)
    return Program(tuple(reversed(kept)), program.returns)


def redundancy(program: Program) -> float:
    """The share of statements that are dead."""
    n = len(program.statements)
    return (n - len(remove_dead(program).statements)) / n if n else 0.0


# ---------------------------------------------------------------- NumPy evaluation

SIZES = (3, 5)   # two tensors of different sizes, so per-tensor and global reductions differ


@dataclass(frozen=True)
class Batch:
    """Rows of states: w, g, m, v of shape (rows, sum(SIZES)), lr of shape (rows, 1)."""
    w: np.ndarray
    g: np.ndarray
    m: np.ndarray
    v: np.ndarray
    lr: np.ndarray

    def astype(self, dtype) -> Batch:
        return Batch(*(np.asarray(x, dtype) for x in (self.w, self.g, self.m, self.v, self.lr)))


def random_batch(rows: int, seed: int) -> Batch:
    """float32 states at mixed scales: each input ~ N(0, s^2), s in [0.01, 10]; lr in [1e-4, 1]."""
    rng = np.random.default_rng(seed)
    n = sum(SIZES)

    def draw():
        return rng.standard_normal((rows, n)) * 10.0 ** rng.uniform(-2, 1, (rows, 1))

    lr = 10.0 ** rng.uniform(-4, 0, (rows, 1))
    return Batch(draw(), draw(), draw(), draw(), lr).astype(np.float32)


def evaluate(program: Program, batch: Batch) -> np.ndarray:
    """(update, m, v) stacked, shape (3, rows, n), in the batch's dtype: the mirror of run_flat."""
    env = {"w": batch.w, "g": batch.g, "m": batch.m, "v": batch.v, "lr": batch.lr}
    scalar, shape = batch.w.dtype.type, batch.w.shape
    segments = RowSegments(SIZES, shape[0])
    with np.errstate(all="ignore"):
        for s in program.statements:
            args = [env[a.name] if isinstance(a, Var) else scalar(a.value) for a in s.args]
            env[s.target] = FUNCTIONS[s.op](segments, *args)
    out = np.empty((len(program.returns), *shape), batch.w.dtype)
    for i, name in enumerate(program.returns):
        out[i] = env[name]   # broadcasts scalars, as run_flat does
    return out


def finite_update(program: Program, rows: int = 16) -> bool:
    """Whether the update is finite on random float32 states (a NaN rule is not worth training)."""
    return bool(np.all(np.isfinite(evaluate(program, random_batch(rows, seed=0))[0])))


# ---------------------------------------------------------------- fingerprint

# float64, so that reordered but equal arithmetic rounds to the same 6 digits almost surely.
# One fixed random state per step of a short rollout: m and v carry over from step to step.
_PROBES = [replace(random_batch(3, seed=1729 + k),
                   lr=np.array([[1e-2], [1e-3], [1e-1]])).astype(np.float64) for k in range(3)]
_FLUSH = 1e-12    # below this, a value is float noise (x - x computed two ways): zero


def fingerprint(program: Program) -> str:
    """A hash of the updates of a 3-step rollout on fixed random states, rounded to 6 digits.

    Only the updates are hashed: m and v are memory, and they matter exactly insofar as they
    change a later update. With two state variables, a value reaches the update within two
    steps or never, so state that never does (dead memory) leaves the fingerprint unchanged.
    Equal programs (up to dead code, names, reordered arithmetic) get equal fingerprints, unless
    float64 noise (~1e-16) straddles a rounding boundary (~1e-6 apart): rare, not impossible.
    Values below 1e-12 in magnitude count as zero.
    """
    m, v, updates = _PROBES[0].m, _PROBES[0].v, []
    for probe in _PROBES:
        update, m, v = evaluate(program, replace(probe, m=m, v=v))
        updates.append(update)
    return _digest(np.stack(updates))


def _digest(x: np.ndarray) -> str:
    x = np.where(np.abs(x) < _FLUSH, 0.0, x)        # NaN compares False and stays
    mantissa, exponent = np.frexp(x)
    # Round to 20 significant bits (6 digits), back to a value: just below 2**k meets 2**k.
    rounded = np.ldexp(np.rint(np.ldexp(mantissa, 20)), exponent - 20) + 0.0   # + 0.0: no -0.0
    rounded[np.isnan(rounded)] = np.nan                 # one NaN bit pattern
    return hashlib.blake2b(rounded.tobytes(), digest_size=16).hexdigest()


# ---------------------------------------------------------------- simplification

@dataclass(frozen=True)
class Simplified:
    program: Program
    evidence: Proved | Tested    # why `program` computes what the original does


def simplify(program: Program, timeout_ms: int = 2000, cases: int = 64) -> Simplified:
    """Dead-code removal, then a sympy rewrite kept only if shorter and proved (or tested) equal.

    timeout_ms bounds Z3 and each sympy rewrite; `cases` random tests stand in when Z3 times out.
    """
    live = remove_dead(program)
    n, dead = len(program.statements), len(program.statements) - len(live.statements)
    fallback = Simplified(live, Proved("dead-code removal", f"{dead} of {n} statements removed"))
    rewrite = symbolic.simplest(live, seconds=timeout_ms / 1000)
    if rewrite is None:
        return fallback
    verdict = symbolic.compare(live, rewrite, timeout_ms)
    if verdict.status == "unsat":
        return Simplified(rewrite, Proved("z3", "update, m and v equal over the reals"))
    if verdict.status == "unknown":
        tested = random_test(live, rewrite, cases)
        if isinstance(tested, Tested):
            return Simplified(rewrite, tested)
    return fallback   # z3 or a test refuted the rewrite (e.g. sympy cancelled y / y)


# ---------------------------------------------------------------- equivalence

def equivalent(a: Program, b: Program, timeout_ms: int = 2000, cases: int = 64) -> Answer:
    """Z3 over the reals; a counterexample is replayed in float32; else random testing."""
    verdict = symbolic.compare(a, b, timeout_ms)
    if verdict.status == "unsat":
        return Proved("z3", "update, m and v equal over the reals")
    if verdict.status == "sat" and verdict.exact and verdict.model is not None:
        found = _replay(a, b, verdict.model)
        if found is not None:
            return found
    tested = random_test(a, b, cases)
    if isinstance(tested, Tested) and verdict.status == "sat" and verdict.exact:
        return Unknown(f"z3 found real inputs where they differ ({_show(verdict.model)}), "
                       f"but neither float32 nor {cases} random cases show it")
    return tested


def random_test(a: Program, b: Program, cases: int = 64, seed: int = 0) -> Tested | Counterexample:
    """Compare on `cases` random float32 states (computed in float64, rtol 1e-6, atol 1e-9)."""
    batch = random_batch(cases, seed)
    x, y = evaluate(a, batch.astype(np.float64)), evaluate(b, batch.astype(np.float64))
    differ = ~_close(x, y, rtol=1e-6, atol=1e-9)
    rows = np.flatnonzero(differ.any(axis=(0, 2)))
    if rows.size:
        r = rows[0]
        inputs = {name: _tree(getattr(batch, name)[r]) for name in ("w", "g", "m", "v")}
        return _counterexample(a, b, inputs | {"lr": np.float32(batch.lr[r, 0])})
    with np.errstate(invalid="ignore"):
        diff = np.abs(x - y)
    return Tested(cases, float(np.max(diff, where=np.isfinite(diff), initial=0.0)))


def _replay(a: Program, b: Program, model: dict[str, float]) -> Counterexample | None:
    """The z3 model (one coordinate) on every coordinate, if float32 shows the difference."""
    with np.errstate(over="ignore"):   # a model value beyond float32 becomes inf
        inputs = {name: tuple(np.full(k, model[name], np.float32) for k in SIZES)
                  for name in ("w", "g", "m", "v")} | {"lr": np.float32(model["lr"])}
    found = _counterexample(a, b, inputs)
    x, y = (np.concatenate([np.ravel(leaf) for leaf in jax.tree_util.tree_leaves(out)])
            for out in (found.expected, found.got))
    return None if _close(x, y, rtol=1e-5, atol=0.0).all() else found


def _counterexample(a: Program, b: Program, inputs: dict) -> Counterexample:
    expected, got = (jax.tree_util.tree_map(np.asarray, run(p, **inputs)) for p in (a, b))
    return Counterexample(inputs, expected, got)


def _tree(flat: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(np.split(flat, np.cumsum(SIZES)[:-1]))


def _close(x, y, rtol: float, atol: float) -> np.ndarray:
    """Elementwise agreement; NaN equals NaN and an infinity equals itself."""
    with np.errstate(invalid="ignore", over="ignore"):
        near = np.abs(x - y) <= atol + rtol * np.maximum(np.abs(x), np.abs(y))
    return near | (x == y) | (np.isnan(x) & np.isnan(y))


def _show(model: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:.3g}" for k, v in model.items())
