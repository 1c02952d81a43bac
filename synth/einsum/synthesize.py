"""Synthesis from examples: the cheapest einsum/einops program mapping every example's inputs to its output.

Candidates come from `candidates.py`, cheapest first and shape-consistent on every example.
Each runs on the first example by the reference semantics (`evaluate` on the flat structure
the candidate comes with); a result seen before on a rejected candidate is skipped unchecked
(observational equivalence). The first candidate that matches the first example's output is
run from its text's meaning (`synth.einsum.einsum`, shapes inferred afresh) on every example,
and returned only if it matches them all.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from synth.einsum.ast import Expr
from synth.einsum.candidates import MAX_COST, Signature, candidates
from synth.einsum.prune import Marginals
from synth.einsum.semantics import einsum, evaluate
from synth.einsum.syntax import format, parse
from synth.errors import ExampleError, Location, SynthError


@dataclass(frozen=True, eq=False)   # holds arrays, whose == is elementwise
class Example:
    """Input arrays and the output array a program must produce from them."""
    inputs: tuple[np.ndarray, ...]
    output: np.ndarray
    source: str = "<example>"       # where it came from, for error messages


@dataclass(frozen=True)
class Found:
    """A program that reproduces every example (checked on each, by the reference semantics)."""
    program: Expr
    seconds: float
    candidates_tried: int
    verified_examples: int

    def describe(self) -> str:
        return (f"{format(self.program)}\n  found in {self.seconds:.3f} s after {self.candidates_tried} candidates; "
                f"reproduces all {self.verified_examples} example(s)")


@dataclass(frozen=True)
class NotFound:
    """No program found: the search space was exhausted, or the time ran out."""
    reason: str
    seconds: float
    candidates_tried: int

    def describe(self) -> str:
        return f"no program found: {self.reason} ({self.seconds:.3f} s, {self.candidates_tried} candidates)"


def synthesize(examples: Sequence[Example | tuple], timeout: float = 10.0,
               max_cost: int = MAX_COST) -> Found | NotFound:
    """Find an einsum/einops program mapping each example's inputs to its output.

    `examples` are Examples or (inputs, output) pairs. Malformed examples raise ExampleError.
    """
    start = time.perf_counter()
    examples = checked(examples)
    signature = Signature.of([tuple(a.shape for a in ex.inputs) for ex in examples],
                             [ex.output.shape for ex in examples])
    first = examples[0]
    tolerances = [_tolerance(ex) for ex in examples]
    rejected_first: set[bytes] = set()      # fingerprints on example 0 of candidates it rejected
    rejected_all: set[tuple] = set()        # fingerprints on all examples of candidates a later one rejected
    timed_out = lambda: time.perf_counter() - start > timeout  # noqa: E731
    tried = 0
    pruner = Marginals(first.inputs, first.output, tolerances[0])
    for expr, bound in candidates(signature, max_cost, stop=timed_out, pruner=pruner):
        if timed_out():
            break
        tried += 1
        with np.errstate(all="ignore"):
            got = evaluate(bound, first.inputs)
        key = _fingerprint(got, tolerances[0])
        if key in rejected_first:
            continue
        if not _matches(got, first.output, tolerances[0]):
            rejected_first.add(key)
            continue
        results = [_run(expr, ex) for ex in examples]
        keys = tuple(_fingerprint(r, tol) if r is not None else b"" for r, tol in zip(results, tolerances))
        if keys in rejected_all:
            continue
        if all(r is not None and _matches(r, ex.output, tol) for r, ex, tol in zip(results, examples, tolerances)):
            assert parse(format(expr)) == expr, f"candidate {format(expr)!r} does not round-trip"
            return Found(expr, time.perf_counter() - start, tried, len(examples))
        rejected_all.add(keys)
    seconds = time.perf_counter() - start
    if seconds > timeout:
        return NotFound(f"timed out after {timeout:g} s", seconds, tried)
    return NotFound(f"no program up to cost {max_cost} reproduces the examples (search space exhausted)",
                    seconds, tried)


def load_example(path: str | Path) -> Example:
    """An example from an .npz file holding arrays input0, input1, ... and output."""
    path = Path(path)
    where = Location(str(path))
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: np.asarray(data[name]) for name in data.files}
    except FileNotFoundError:
        raise ExampleError("no such file", where=where, expected="an .npz file") from None
    except (OSError, ValueError) as e:     # not a zip, or pickled objects
        raise ExampleError("cannot read the examples", where=where, found=str(e).split("\n")[0],
                           expected="an .npz file of numeric arrays (numpy.savez)") from None
    count = sum(1 for name in arrays if name.startswith("input"))
    expected_names = [f"input{k}" for k in range(count)] + ["output"]
    if "output" not in arrays:
        raise ExampleError("no array named 'output'", where=where, found=_names(arrays),
                           expected="arrays input0, input1, ... and output")
    if sorted(arrays) != sorted(expected_names) or count == 0:
        raise ExampleError("unexpected array names", where=where, found=_names(arrays),
                           expected=", ".join(expected_names if count else ["input0", "output"]))
    return Example(tuple(arrays[f"input{k}"] for k in range(count)), arrays["output"], str(path))


def checked(examples: Iterable[Example | tuple]) -> list[Example]:
    """The examples as Examples, after checking that they can specify one program."""
    out = []
    for k, ex in enumerate(examples):
        if not isinstance(ex, Example):
            try:
                inputs, output = ex
                ex = Example(tuple(np.asarray(a) for a in inputs), np.asarray(output), f"example {k}")
            except (TypeError, ValueError):
                raise ExampleError(f"example {k} is not an (inputs, output) pair",
                                   found=type(ex).__name__) from None
        for role, array in [(f"input{i}", a) for i, a in enumerate(ex.inputs)] + [("output", ex.output)]:
            if array.dtype.kind not in "biufc":
                raise ExampleError(f"{role} is not numeric", where=Location(ex.source), found=str(array.dtype),
                                   expected="booleans, integers, floating-point or complex numbers")
        out.append(ex)
    if not out:
        raise ExampleError("no examples", expected="at least one example")
    first = out[0]
    if not first.inputs:
        raise ExampleError("an example without inputs", where=Location(first.source), expected="input0, ...")
    for ex in out[1:]:
        if len(ex.inputs) != len(first.inputs):
            raise ExampleError(f"{len(ex.inputs)} inputs, but {first.source} has {len(first.inputs)}",
                               where=Location(ex.source))
        for role, a, b in [(f"input{i}", a, b) for i, (a, b) in enumerate(zip(first.inputs, ex.inputs))] \
                + [("output", first.output, ex.output)]:
            if a.ndim != b.ndim:
                raise ExampleError(f"{role} has {b.ndim} axes, but in {first.source} it has {a.ndim}",
                                   where=Location(ex.source), found=f"shape {b.shape}")
    return out


def _names(arrays) -> str:
    return ", ".join(sorted(arrays)) or "no arrays"


def _run(expr: Expr, example: Example) -> np.ndarray | None:
    try:
        with np.errstate(all="ignore"):
            return np.asarray(einsum(expr, *example.inputs))
    except SynthError:   # cannot happen for a shape-consistent candidate; skipped rather than trusted
        return None


def _fingerprint(result: np.ndarray, rtol: float) -> bytes:
    """The observational-equivalence key: equal results (exactly for integers; to a relative
    1/100 of the tolerance for floats, so that a result the tolerance rejects and one it accepts
    share a key only at the very edge of it) give equal keys. Rounding is relative, never to
    fixed decimals, under which tiny distinct results (products of many entries) would collide."""
    digest = hashlib.blake2b(repr((result.shape, result.dtype.kind)).encode(), digest_size=16)
    if rtol == 0.0 or result.dtype.kind not in "fc":
        digest.update(np.ascontiguousarray(result).tobytes())
        return digest.digest()
    bits = math.ceil(-math.log2(rtol / 100))
    for part in ((result.real, result.imag) if np.iscomplexobj(result) else (result,)):
        mantissa, exponent = np.frexp(part.astype(np.float64))
        digest.update((np.round(mantissa * 2.0 ** bits) + 0.0).tobytes())     # + 0.0: -0.0 is 0.0
        digest.update(np.where(mantissa == 0, 0, exponent).tobytes())
    return digest.digest()


def _tolerance(example: Example) -> float:
    """Relative tolerance of the least precise floating type among the example's arrays; 0 for integers."""
    floats = [a.dtype for a in example.inputs + (example.output,) if a.dtype.kind in "fc"]
    if not floats:
        return 0.0
    return max({2: 1e-2, 4: 1e-4, 8: 1e-9}.get(np.finfo(d).bits // 8, 1e-9) for d in floats)


def _matches(got: np.ndarray, want: np.ndarray, rtol: float) -> bool:
    """Equal for integers; for floats within `rtol` of each entry plus `rtol` of the output's largest
    entry (sums of many terms carry absolute, not relative, rounding error); NaN matches NaN only."""
    if got.shape != want.shape:
        return False
    if rtol == 0.0:
        return bool(np.array_equal(got, want))
    nan = np.isnan(want)
    if not np.array_equal(np.isnan(got), nan):
        return False
    got, want = got[~nan], want[~nan]
    with np.errstate(all="ignore"):
        largest = float(np.abs(want).max()) if want.size else 0.0
        return bool(np.all((got == want) | (np.abs(got - want) <= rtol * (np.abs(want) + (largest or 1.0)))))
