"""Einsum programs: one expression, or a short chain of them written `ij->ji | ij,jk->ik`.

A chain's first step takes the first inputs of the program; every later step takes the
previous step's result as its first operand and the next inputs of the program as the rest.
So `ij->ji | ij,jk->ik` is `transpose(x0) @ x1`, a program of two inputs. Keyword sizes live in
the steps themselves (`rearrange(b (h w) -> b h w, h=2)`).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from synth.einsum.ast import Anonymous, Axis, Ellipsis_, Expr, Group, Unit
from synth.einsum.semantics import evaluate
from synth.einsum.shapes import Bound, normalize
from synth.einsum.syntax import format, parse
from synth.errors import ArityError, Location, ParseError, SynthError

Chain = tuple[Expr, ...]


def parse_chain(text: str, file: str = "<string>") -> Chain:
    """Steps separated by `|` (a character no expression contains); errors point into the whole text."""
    steps, start = [], 0
    pieces = text.split("|")
    for piece in pieces:
        try:
            if len(pieces) > 1 and not piece.strip():
                raise ParseError("an empty step", where=Location(file, 1, len(piece) + 1),
                                 expected="an expression between '|'s")
            steps.append(parse(piece, file=file))
        except SynthError as e:
            raise _moved(e, text, start, file) from None
        start += len(piece) + 1
    return tuple(steps)


def as_chain(program: str | Expr | Sequence[str | Expr], file: str = "<string>") -> Chain:
    """A program given as text (with `|` for chains), an Expr, or a sequence of either."""
    if isinstance(program, Expr):
        return (program,)
    if isinstance(program, str):
        return parse_chain(program, file)
    steps = tuple(s for p in program for s in as_chain(p, file))
    if not steps:
        raise SynthError("an empty program", expected="at least one expression")
    return steps


def format_chain(chain: Chain) -> str:
    return " | ".join(format(step) for step in chain)


def arity(chain: Chain) -> int:
    """How many inputs the program takes."""
    return len(chain[0].inputs) + sum(len(step.inputs) - 1 for step in chain[1:])


def bind(chain: Chain, shapes: Sequence[Sequence[int]]) -> tuple[Bound, ...]:
    """Each step bound to its operands' shapes; errors in a chain say which step."""
    shapes = [tuple(int(d) for d in s) for s in shapes]
    if len(shapes) != arity(chain):
        raise ArityError(f"{format_chain(chain)!r} takes {arity(chain)} inputs", found=f"{len(shapes)} shapes")
    bounds, rest = [], list(shapes)
    for k, step in enumerate(chain):
        operands = ([bounds[-1].output_shape] if bounds else []) + [rest.pop(0) for _ in
                                                                     range(len(step.inputs) - bool(bounds))]
        try:
            bounds.append(normalize(step, *operands))
        except SynthError as e:
            if len(chain) == 1:
                raise
            raise type(e)(f"step {k + 1} ({format(step)}): {e.what}", where=e.where, found=e.found,
                          expected=e.expected) from None
    return tuple(bounds)


def run(bounds: Sequence[Bound], arrays: Sequence) -> np.ndarray:
    """The reference meaning (NumPy), step by step; object arrays (Fractions, sympy sums) work too."""
    arrays, result = list(arrays), None
    for b in bounds:
        operands = ([result] if result is not None else []) + [arrays.pop(0) for _ in
                                                               range(len(b.operands) - (result is not None))]
        result = evaluate(b, operands)
    return result


def example_shapes(chain: Chain, sizes: Sequence[int]) -> list[tuple[int, ...]]:
    """Input shapes for the program: named axes take sizes from `sizes` in turn (keyword sizes win).

    Later steps take the sizes their first operand (the previous result) fixes.
    """
    cycle, shapes, result = iter(_repeat(sizes)), [], None
    for step in chain:
        known = dict(step.sizes)
        ellipsis: tuple[int, ...] = (2,)
        if result is not None:
            first = Expr((step.inputs[0],), step.inputs[0], kind="rearrange", reduction=None,
                         sizes=tuple((n, s) for n, s in step.sizes if n in _names(step.inputs[0])))
            bound = normalize(first, result)
            known |= {n: s for n, s in bound.sizes.items() if not n.startswith("...")}
            ellipsis = tuple(s for n, s in sorted(bound.sizes.items()) if n.startswith("..."))
        for name in sorted({n for p in step.inputs for n in _names(p)} - set(known)):
            known[name] = next(cycle)
        operands = step.inputs[1:] if result is not None else step.inputs
        new = [_shape(p, known, ellipsis) for p in operands]
        shapes.extend(new)
        bound = normalize(step, *([result] if result is not None else []), *new)
        result = bound.output_shape
    return shapes


def _repeat(sizes):
    while True:
        yield from sizes


def _names(pattern) -> list[str]:
    return [m.name for t in pattern for m in (t.members if isinstance(t, Group) else (t,)) if isinstance(m, Axis)]


def _shape(pattern, known: dict[str, int], ellipsis: tuple[int, ...]) -> tuple[int, ...]:
    shape: list[int] = []
    for term in pattern:
        if isinstance(term, Axis):
            shape.append(known[term.name])
        elif isinstance(term, Unit):
            shape.append(1)
        elif isinstance(term, Anonymous):
            shape.append(term.size)
        elif isinstance(term, Ellipsis_):
            shape.extend(ellipsis)
        else:
            shape.append(int(np.prod([known[m.name] if isinstance(m, Axis) else m.size for m in term.members
                                      if isinstance(m, (Axis, Anonymous))])))
    return tuple(shape)


def _moved(error: SynthError, text: str, start: int, file: str) -> SynthError:
    """A step's error with its line and column counted in the whole chain's text."""
    where = error.where
    if where is not None and where.line is not None:
        before = text[:start]
        line = before.count("\n") + where.line
        column = where.column
        if where.line == 1 and column is not None:
            column += start - (before.rfind("\n") + 1)
        where = Location(file, line, column)
    return type(error)(error.what, where=where, found=error.found, expected=error.expected)
