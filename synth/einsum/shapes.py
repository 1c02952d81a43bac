"""Shape inference: bind every axis of an expression to a size, and flatten it to one index structure.

Everything after parsing (evaluation, planning, lowering, synthesis) works on the Bound form:
each operand reshaped so that every array axis is one index (groups split, units and
broadcast ellipsis axes of size one dropped), the output's indices, and each index's size.
"""
from __future__ import annotations

import dataclasses
import math
from collections import Counter
from dataclasses import dataclass, field

from synth.einsum.ast import (Anonymous, Axis, Ellipsis_, Expr, Group, Pattern, Unit, anonymous_of, axes_of,
                              has_ellipsis)
from synth.errors import ArityError, NameError_, ShapeError

LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class Operand:
    """One input: `array.reshape(flat_shape)` has one axis per entry of `indices`.

    An index may repeat (NumPy's `ii`): that operand contributes its diagonal.
    """
    shape: tuple[int, ...]
    flat_shape: tuple[int, ...]
    indices: tuple[str, ...]


@dataclass(frozen=True)
class Bound:
    """An expression with every axis bound to a size.

    result[output] = reduction over the indices not in `output` of the product of the operands;
    then `.reshape(output_shape)` composes the output's groups and inserts its units. Output
    indices found in no operand (repeat) broadcast. Ellipsis axes are the indices
    "...0", "...1", ... (right-aligned across operands, as NumPy broadcasts them).
    """
    expr: Expr
    operands: tuple[Operand, ...]
    output: tuple[str, ...]
    output_shape: tuple[int, ...]
    sizes: dict[str, int] = field(hash=False)
    reduction: str | None

    @property
    def reduced(self) -> tuple[str, ...]:
        """Indices summed (or otherwise reduced) away, in order of first appearance."""
        seen = dict.fromkeys(i for op in self.operands for i in op.indices)
        return tuple(i for i in seen if i not in self.output)

    @property
    def flat_output_shape(self) -> tuple[int, ...]:
        return tuple(self.sizes[i] for i in self.output)

    def letters(self) -> dict[str, str]:
        """A letter per index (in order of first appearance), for numpy.einsum and opt_einsum."""
        order = dict.fromkeys([i for op in self.operands for i in op.indices] + list(self.output))
        if len(order) > len(LETTERS):
            raise ShapeError(f"{len(order)} distinct indices; einsum subscripts allow {len(LETTERS)}")
        return dict(zip(order, LETTERS))

    def subscripts(self) -> str:
        """The flat structure as NumPy subscripts, e.g. 'abc,cd->abd' (indices renamed to letters)."""
        letter = self.letters()
        inputs = ",".join("".join(letter[i] for i in op.indices) for op in self.operands)
        return inputs + "->" + "".join(letter[i] for i in self.output)


def normalize(expr: Expr, *shapes, **sizes: int) -> Bound:
    """Bind `expr` to operand shapes and keyword sizes; ShapeError names the axis, operands and sizes."""
    shapes = tuple(tuple(map(int, s)) for s in shapes)
    if not sizes:
        bound = _plain_numpy(expr, shapes)
        if bound is not None:
            return bound
    return _general(expr, shapes, sizes)


def _plain_numpy(expr: Expr, shapes) -> Bound | None:
    """The common case without the general machinery: NumPy-style letters, no ellipsis, consistent sizes.

    Builds the Bound `_general` builds (each axis is one index; sizes in order of first appearance;
    NumPy's implicit output). None on anything else, errors included, so that `_general` decides
    and words every error the same way. Planning small expressions is dominated by this call.
    """
    if expr.style != "numpy" or len(shapes) != len(expr.inputs):
        return None
    size: dict[str, int] = {}
    operands = []
    for pattern, shape in zip(expr.inputs, shapes):
        if len(pattern) != len(shape):
            return None
        try:
            indices = tuple([term.name for term in pattern])
        except AttributeError:      # an ellipsis, which has no name
            return None
        for name, n in zip(indices, shape):
            if size.setdefault(name, n) != n:
                return None
        operands.append(Operand(shape, shape, indices))
    if expr.output is None:
        counts = Counter(i for op in operands for i in op.indices)
        output = tuple(sorted(i for i, c in counts.items() if c == 1))
    else:
        try:
            output = tuple([term.name for term in expr.output])
        except AttributeError:
            return None
        if not all(map(size.__contains__, output)):
            return None
    return Bound(expr, tuple(operands), output, tuple(map(size.__getitem__, output)), size, expr.reduction)


def _general(expr: Expr, shapes, sizes) -> Bound:
    if len(shapes) != len(expr.inputs):
        raise ArityError(f"{_describe(expr)} takes {len(expr.inputs)} operand{'s' * (len(expr.inputs) != 1)}",
                         found=str(len(shapes)))
    sources = _Sources(expr, sizes)
    ellipsis = _bind_ellipsis(expr, shapes)
    named = _name_anonymous(expr, sources)
    for k, (pattern, shape) in enumerate(zip(expr.inputs, shapes)):
        for term, dims in _split(pattern, shape, k, ellipsis):
            if isinstance(term, Axis):
                sources.add(term.name, dims[0], f"operand {k}")
            elif isinstance(term, Unit) and dims[0] != 1:
                raise ShapeError(f"operand {k}: a unit axis (1) has size {dims[0]}", found=f"shape {shape}")
            elif isinstance(term, Anonymous) and dims[0] != term.size:
                raise ShapeError(f"operand {k}: anonymous axis {term.size} has size {dims[0]}",
                                 found=f"shape {shape}")
    # Groups are solved on the named form; their texts (in errors) are the written ones.
    groups = [(term, shape_of[0], k, written) for k, (p, q, s) in enumerate(zip(named.inputs, expr.inputs, shapes))
              for (term, shape_of), written in zip(_split(p, s, k, ellipsis), q) if isinstance(term, Group)]
    sources.solve_groups(groups)
    output_pattern = named.output if named.output is not None else _implicit_output(expr)
    for name in (a.name for a in axes_of(output_pattern)):
        if name not in sources.size:
            raise ShapeError(f"axis {name} of the output has no size", expected=f"a keyword size ({name}=...)")
    size = dict(sources.size) | {name: n for name, (n, _) in ellipsis.items()}
    if ellipsis and not has_ellipsis(output_pattern) and expr.kind != "reduce" \
            and any(n != 1 for n, _ in ellipsis.values()):
        raise ShapeError("the output has no '...' but the inputs' '...' stands for axes of sizes "
                         f"{tuple(n for n, _ in ellipsis.values())}", expected="'...' in the output")
    operands = tuple(_flatten_input(p, s, k, ellipsis, size) for k, (p, s) in enumerate(zip(named.inputs, shapes)))
    output, output_shape = _flatten_output(output_pattern, ellipsis, size)
    return Bound(expr, operands, output, output_shape, size, expr.reduction)


def _name_anonymous(expr: Expr, sources: _Sources) -> Expr:
    """`expr` with each anonymous axis a named axis of its own, of its size: names no one can
    write (`2'0`), so that every later stage treats them as axes (reduced, or repeated)."""
    count = 0

    def name(term):
        nonlocal count
        if isinstance(term, Group):
            return Group(tuple(map(name, term.members)))
        if not isinstance(term, Anonymous):
            return term
        axis = f"{term.size}'{count}"
        count += 1
        sources.add(axis, term.size, f"anonymous axis {term.size}")
        sources.anonymous.add(axis)
        return Axis(axis)

    if not any(anonymous_of(p) for p in expr.inputs + ((expr.output,) if expr.output is not None else ())):
        return expr
    return dataclasses.replace(expr, inputs=tuple(tuple(map(name, p)) for p in expr.inputs),
                               output=tuple(map(name, expr.output)) if expr.output is not None else None)


def _describe(expr: Expr) -> str:
    from synth.einsum.syntax import format
    return repr(format(expr))


class _Sources:
    """Sizes of named axes and where each came from, so a conflict can name both sides."""

    def __init__(self, expr: Expr, keywords: dict[str, int]):
        self.size: dict[str, int] = {}
        self.origin: dict[str, str] = {}
        self.anonymous: set[str] = set()          # the names given to anonymous axes
        mentioned = {a.name for p in expr.inputs + ((expr.output,) if expr.output else ()) for a in axes_of(p)}
        for name, n in list(expr.sizes) + list(keywords.items()):
            if name not in mentioned:
                raise NameError_(f"size given for axis {name}, which {_describe(expr)} does not name")
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ShapeError(f"axis {name}: size must be a positive integer", found=repr(n))
            self.add(name, n, f"{name}={n}")

    def add(self, name: str, n: int, origin: str):
        if name in self.size and self.size[name] != n:
            raise ShapeError(f"axis {name}: {self.origin[name]} has {self.size[name]}, {origin} has {n}")
        self.size.setdefault(name, n)
        self.origin.setdefault(name, origin)

    def solve_groups(self, groups):
        """Each group's size is the product of its members': infer one unknown member per group by division."""
        pending = list(groups)
        while pending:
            progress, waiting = False, []
            for group, total, k, written in pending:
                names = [m.name for m in group.members if isinstance(m, Axis)]
                unknown = sorted({n for n in names if n not in self.size})
                known = math.prod(self.size[n] for n in names if n in self.size)
                if len(unknown) > 1:
                    waiting.append((group, total, k, written))
                    continue
                progress = True
                text = _group_text(written)
                # Anonymous axes' sizes are in the group's text already.
                found = _sizes_text([n for n in names if n not in self.anonymous], self.size) or None
                if not unknown:
                    if known != total:
                        raise ShapeError(f"group {text} of operand {k} has size {total}, but its axes "
                                         f"multiply to {known}", found=found)
                    continue
                [name] = unknown
                if total % known or (names.count(name) > 1):
                    raise ShapeError(f"axis {name}: group {text} of operand {k} has size {total}, "
                                     f"not divisible by {known}", found=found)
                self.add(name, total // known, f"group {text} of operand {k}")
            if not progress:
                group, total, k, written = waiting[0]
                unknown = sorted({m.name for m in group.members if isinstance(m, Axis)} - set(self.size))
                raise ShapeError(f"cannot split group {_group_text(written)} of operand {k} (size {total}): "
                                 f"axes {', '.join(unknown)} are unknown",
                                 expected="all but one of them given by keyword, e.g. "
                                          f"{unknown[0]}=...")
            pending = waiting


def _group_text(group: Group) -> str:
    from synth.einsum.syntax import _named_term
    return _named_term(group)


def _sizes_text(names, size) -> str:
    return ", ".join(f"{n}={size[n]}" for n in dict.fromkeys(names) if n in size)


def _bind_ellipsis(expr: Expr, shapes) -> dict[str, tuple[int, list[int]]]:
    """Ellipsis index -> (broadcast size, operands that have it), right-aligned like NumPy."""
    ranks = {}
    for k, (pattern, shape) in enumerate(zip(expr.inputs, shapes)):
        named = len(pattern) - has_ellipsis(pattern)
        if has_ellipsis(pattern):
            if len(shape) < named:
                raise ShapeError(f"operand {k} has {len(shape)} axes, its pattern "
                                 f"{_pattern_text(pattern, expr)} names at least {named}", found=f"shape {shape}")
            ranks[k] = len(shape) - named
        elif len(shape) != named:
            raise ShapeError(f"operand {k} has {len(shape)} axes, its pattern {_pattern_text(pattern, expr)} "
                             f"names {named}", found=f"shape {shape}")
    width = max(ranks.values(), default=0)
    bound: dict[str, tuple[int, list[int]]] = {}
    for position in range(width):
        name = f"...{position}"
        seen = []
        for k, rank in ranks.items():
            offset = position - (width - rank)
            if offset >= 0:
                start = _ellipsis_start(expr.inputs[k])
                seen.append((k, shapes[k][start + offset]))
        wide = {n for _, n in seen if n != 1}
        if len(wide) > 1:
            text = ", ".join(f"operand {k} has {n}" for k, n in seen)
            raise ShapeError(f"'...' axis {position} does not broadcast: {text}")
        bound[name] = (wide.pop() if wide else 1, [k for k, _ in seen])
    return bound


def _ellipsis_start(pattern: Pattern) -> int:
    return next(i for i, t in enumerate(pattern) if isinstance(t, Ellipsis_))


def _pattern_text(pattern: Pattern, expr: Expr) -> str:
    from synth.einsum.syntax import _named_pattern, _numpy_pattern
    return repr(_numpy_pattern(pattern) if expr.style == "numpy" else _named_pattern(pattern))


def _split(pattern: Pattern, shape, k: int, ellipsis):
    """(term, its dims) for each term of an input pattern; an ellipsis gets all of its dims."""
    out, i = [], 0
    extra = len(shape) - (len(pattern) - has_ellipsis(pattern))
    for term in pattern:
        width = extra if isinstance(term, Ellipsis_) else 1
        out.append((term, shape[i:i + width]))
        i += width
    return out


def _flatten_input(pattern: Pattern, shape, k: int, ellipsis, size) -> Operand:
    flat, indices = [], []
    width = len(ellipsis)
    for term, dims in _split(pattern, shape, k, ellipsis):
        if isinstance(term, Axis):
            members = [term]
        elif isinstance(term, Group):
            members = [m for m in term.members if isinstance(m, Axis)]
        elif isinstance(term, Ellipsis_):
            # Right-aligned: this operand's j-th ellipsis dim is index width - len(dims) + j.
            for j, n in enumerate(dims):
                name = f"...{width - len(dims) + j}"
                if n == size[name]:      # a broadcast dim of size one is dropped, the others kept
                    flat.append(n)
                    indices.append(name)
            continue
        else:
            continue
        flat.extend(size[m.name] for m in members)
        indices.extend(m.name for m in members)
    return Operand(tuple(shape), tuple(flat), tuple(indices))


def _flatten_output(pattern: Pattern, ellipsis, size):
    """The output's indices, and its final shape (groups composed, units inserted)."""
    def expand(term) -> list[str]:
        if isinstance(term, Ellipsis_):
            return list(ellipsis)
        return [term.name] if isinstance(term, Axis) else []

    indices, shape = [], []
    for term in pattern:
        if isinstance(term, Group):
            members = [i for m in term.members for i in expand(m)]
            indices.extend(members)
            shape.append(math.prod(size[i] for i in members))
        else:
            indices.extend(expand(term))
            shape.extend([size[i] for i in expand(term)] if not isinstance(term, Unit) else [1])
    return tuple(indices), tuple(shape)


def _implicit_output(expr: Expr) -> Pattern:
    """NumPy's rule: the ellipsis first, then the axes that appear once, sorted (by code point)."""
    counts = Counter(a.name for p in expr.inputs for a in axes_of(p))
    once = sorted(n for n, c in counts.items() if c == 1)
    return ((Ellipsis_(),) if any(has_ellipsis(p) for p in expr.inputs) else ()) + tuple(Axis(n) for n in once)
