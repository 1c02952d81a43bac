"""Equivalence of einsum programs: Proved with its evidence, a Counterexample, or Unknown.

Cheap and strong first: equal normal forms (network.py) prove equality outright. Otherwise
random small-integer tensors look for a difference (integer-valued float64, so sums and
products are exact and a difference is real). If none shows, sympy decides at the given
shapes: every output entry of both programs, with a symbol per input entry, expanded to a
polynomial (max and min are not polynomials: only normal forms prove those). Nothing is
reported equal on Unknown.

Without shapes the normal form is shape-generic (for programs without groups, units, anonymous axes or
ellipses) and proves equality at every shape; the numeric search runs at small shapes chosen
for both programs, and anything proved only at those shapes is reported Unknown with a note.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from synth.einsum.ast import Axis
from synth.einsum.chain import Chain, arity, as_chain, bind, example_shapes, run
from synth.einsum.network import NoForm, normal_form
from synth.einsum.shapes import Bound
from synth.errors import ArityError, ShapeError, SynthError
from synth.sketch.answers import Counterexample, Proved, Unknown

# Axis sizes tried, in turn, when no shapes are given: distinct sizes first (they tell axes apart).
EXAMPLE_SIZES = ((2, 3, 4, 5), (3,), (2,))
VALUES = 9               # random inputs are integers in [-VALUES, VALUES]
SYMBOLIC_LIMIT = 20_000  # sympy is tried when the expanded polynomials have at most this many terms


def check(a, b, shapes: Sequence[Sequence[int]] | None = None, *, cases: int = 16, seed: int = 0,
          symbolic_limit: int = SYMBOLIC_LIMIT) -> Proved | Counterexample | Unknown:
    """Do programs a and b (text with `|` for chains, Exprs, or sequences of them) agree on every input?"""
    first, second = as_chain(a, file="<A>"), as_chain(b, file="<B>")
    if arity(first) != arity(second):
        raise ArityError(f"the programs take different numbers of inputs: {arity(first)} and {arity(second)}")
    generic = shapes is None
    if generic:
        shapes, bounds = _common_shapes(first, second)
    else:
        shapes = [tuple(int(d) for d in s) for s in shapes]
        bounds = bind(first, shapes), bind(second, shapes)
    where = "at every shape" if generic else f"at shapes {_shapes_text(shapes)}"

    form, note = _compare_forms(first, second, bounds, generic)
    if note is None:
        return Proved("canonical form", f"both are {form} ({where})")
    found = _search(bounds, shapes, cases, seed)
    if found is not None:
        return found
    tested = f"equal on {cases} random integer inputs at shapes {_shapes_text(shapes)}"
    verdict, reason = _sympy(bounds, shapes, symbolic_limit)
    if verdict is False:
        found = _search(bounds, shapes, cases, seed + 1, exact=True)
        if found is not None:
            return found
        return Unknown(f"{tested}, but sympy's expansions differ and no input showing it was found")
    if verdict is True and not generic:
        return Proved("sympy", f"every output entry is the same expression of the input entries, expanded ({where})")
    if verdict is True:
        return Unknown(f"{tested}, and sympy proves them equal at those shapes only; "
                       "give shapes to check at yours")
    return Unknown(f"{tested}; {note}; {reason}")


def _common_shapes(first: Chain, second: Chain):
    """Small input shapes both programs accept, and both programs bound to them."""
    tried = []
    for sizes in EXAMPLE_SIZES:
        for chain in (first, second):
            try:
                shapes = example_shapes(chain, sizes)
                tried.append(_shapes_text(shapes))
                return shapes, (bind(first, shapes), bind(second, shapes))
            except SynthError:
                continue
    raise ShapeError("found no input shapes that both programs accept",
                     found=f"shapes only one accepts: {'; '.join(dict.fromkeys(tried))}" if tried else None,
                     expected="shapes given explicitly (--shapes)")


def _compare_forms(first: Chain, second: Chain, bounds, generic: bool):
    """(the shared normal form, None), or (None, why there is no shared one)."""
    if generic and not (_shape_free(first) and _shape_free(second)):
        return None, "without shapes, only programs without groups, units, anonymous axes and '...' have normal forms"
    forms = []
    for side, b in zip("AB", bounds):
        try:
            forms.append(normal_form(b, generic=generic))
        except NoForm as e:
            return None, f"{side} has no normal form ({e.reason})"
    return (forms[0], None) if forms[0] == forms[1] else (None, "their normal forms differ")


def _shape_free(chain: Chain) -> bool:
    """Does every step's index structure stay the same at every shape? (named axes only)"""
    return all(isinstance(t, Axis) for step in chain
               for pattern in step.inputs + ((step.output,) if step.output is not None else ())
               for t in pattern)


def _search(bounds, shapes, cases: int, seed: int, exact: bool = False) -> Counterexample | None:
    """Random integer inputs; `exact` computes with Fractions (for wider values)."""
    rng = np.random.default_rng(seed)
    high = 1000 if exact else VALUES
    for _ in range(cases):
        inputs = [rng.integers(-high, high + 1, size=s) for s in shapes]
        operands = [_fractions(x) if exact else x.astype(np.float64) for x in inputs]
        x, y = (run(b, operands) for b in bounds)
        if _differ(x, y, exact):
            return Counterexample({f"x{k}": v for k, v in enumerate(inputs)}, _tidy(x), _tidy(y))
    return None


def _fractions(x: np.ndarray) -> np.ndarray:
    out = np.empty(x.shape, dtype=object)
    out.flat[:] = [Fraction(int(v)) for v in x.flat]
    return out


def _differ(x, y, exact: bool) -> bool:
    if np.shape(x) != np.shape(y):
        return True
    if exact:
        return any(u != v for u, v in zip(np.ravel(x), np.ravel(y)))
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        far = np.abs(x - y) > 1e-9 * np.maximum(1.0, np.maximum(np.abs(x), np.abs(y)))
    return bool(np.any(far & ~(x == y) & ~(np.isnan(x) & np.isnan(y))))


def _tidy(x):
    """Integer-valued results shown as integers."""
    x = np.asarray(x)
    if x.dtype == object:
        x = np.asarray(x, dtype=np.float64)
    return x.astype(np.int64) if np.all(np.isfinite(x)) and np.all(x == np.round(x)) else x


def _sympy(bounds, shapes, limit: int) -> tuple[bool | None, str]:
    """(True: equal, False: differ, None: undecided) and why undecided: polynomials only."""
    if any(step.reduction in ("max", "min") for chain in bounds for step in chain):
        return None, "sympy does not decide max and min"
    terms = max(_terms(b) for b in bounds)
    if terms > limit:
        return None, f"too large for a sympy proof (about {terms} terms, limit {limit})"
    import sympy
    symbols = []
    for k, shape in enumerate(shapes):
        n = math.prod(shape)
        symbols.append(np.array(sympy.symbols(f"x{k}_0:{n}") if n else [], dtype=object).reshape(shape))
    x, y = (run(b, symbols) for b in bounds)
    for u, v in zip(np.ravel(x), np.ravel(y)):
        if sympy.expand(u - v) != 0:
            return False, ""
    return True, ""


def _terms(chain: Sequence[Bound]) -> int:
    """An upper bound on the monomials of the expanded output (each sum multiplies them)."""
    out = math.prod(chain[-1].flat_output_shape)
    for step in chain:
        out *= math.prod(step.sizes[i] for i in step.reduced) if step.reduction != "prod" else 1
    return out


def _shapes_text(shapes) -> str:
    return ",".join("x".join(map(str, s)) for s in shapes) if shapes else "()"
