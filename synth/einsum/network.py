"""A program's tensor-network normal form, canonical under renaming: equal forms, equal functions.

A chain composes into one sum of products over index variables ("atoms"):

    out[o...] = scale * sum over the summed atoms of the product of the factors x_k[atoms of k]

where a factor is an input, or a max/min/prod reduction over some atoms of an inner network
of the same kind. Reshapes are resolved by refining atoms: an axis of size 6 later split as
(2 3) becomes two atoms everywhere it occurs, and an index shared between operands unifies
their atoms. Inputs and the output are flat (row-major) atom sequences, so a merge followed
by a split cancels. The form is then normalised: atoms of size one vanish; a summed atom in
no factor becomes a factor of its size in `scale` (a max or min over one is dropped); a
reduction nested in another of the same kind merges with it; atoms that always occur side
by side in the same order, and are bound in the same places, fuse into one; and atoms are
renamed in order of first appearance (output first, then the inputs in order). The order of
sums, of factors and of reduced atoms is not represented at all: they commute for free.

Without concrete shapes ("generic" mode, only for steps whose structure does not depend on
shapes: no groups, units or ellipses) an atom's size is unknown unless a keyword fixes it; no
atoms fuse (that would need their sizes), and a mean keeps its unknown divisors as atoms.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from synth.einsum.shapes import Bound


class NoForm(Exception):
    """The program has no normal form here; `reason` says why."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reduction:
    """A factor: `op` (max, min or prod) over the `reduced` atoms of an inner network."""
    op: str
    reduced: tuple[int, ...]
    inner: Network


@dataclass(frozen=True)
class Network:
    """scale / (divisors' sizes) * sum over `summed` of the product of `factors`.

    Each factor is (input number, its flat atoms) or (Reduction, the atoms it depends on, sorted).
    """
    factors: tuple[tuple[int | Reduction, tuple[int, ...]], ...]
    summed: tuple[int, ...]
    scale: Fraction = Fraction(1)
    divisors: tuple[int, ...] = ()                      # generic mean: divide by these atoms' sizes


@dataclass(frozen=True)
class Form:
    """A program's canonical form; atoms are 0..n-1, numbered in order of first appearance."""
    output: tuple[int, ...]                             # the flat output, row-major
    network: Network
    sizes: tuple[int | None, ...]                       # None: the size of the input axes it indexes
    output_shape: tuple[int, ...] | None                # None in generic mode: one atom per axis

    def __str__(self) -> str:
        name = _names(len(self.sizes))
        sizes = " ".join(f"{name[a]}={s}" for a, s in enumerate(self.sizes) if s is not None)
        unknown = [name[a] for a, s in enumerate(self.sizes) if s is None]
        text = f"out[{' '.join(name[a] for a in self.output)}] = {_text(self.network, name)}"
        text += f"; sizes {sizes}" if sizes else ""
        text += f"; {' '.join(unknown)} as the inputs' axes" if unknown else ""
        return text + (f"; output shape {self.output_shape}" if self.output_shape is not None else "")


def _text(net: Network, name: list[str]) -> str:
    atoms = lambda seq: " ".join(name[a] for a in seq)
    terms = " ".join(f"x{ref}[{atoms(seq)}]" if isinstance(ref, int) else
                     f"{ref.op}_{{{atoms(ref.reduced)}}}({_text(ref.inner, name)})" for ref, seq in net.factors)
    terms = terms or "1"
    if net.summed:
        terms = f"sum_{{{atoms(net.summed)}}} {terms}"
    factor = "" if net.scale == 1 else f"{net.scale} * "
    return factor + "".join(f"1/|{name[a]}| * " for a in net.divisors) + terms


def normal_form(bounds: Sequence[Bound], generic: bool = False) -> Form:
    """The chain's normal form (raises NoForm when a reshape mixes axes in a way atoms cannot express)."""
    atoms = _Atoms(generic)
    inputs = _Inputs(atoms, bounds)
    value = None
    for bound in bounds:
        operands = ([value] if value is not None else []) + [inputs.next() for _ in
                                                             range(len(bound.operands) - (value is not None))]
        value = _step(atoms, bound, operands)
    return _canonical(atoms, value)


@dataclass
class _Value:
    """A network under construction; its atoms are resolved only at the end."""
    output: list[int]
    shape: tuple[int, ...]
    factors: list[tuple[object, list[int]]]      # (input number or _Node, atoms)
    summed: list[int]
    scale: Fraction
    divisors: list[int]


@dataclass
class _Node:
    op: str
    reduced: list[int]
    inner: _Value


class _Inputs:
    """The program's inputs in order, each a fresh network of one factor."""

    def __init__(self, atoms: _Atoms, bounds: Sequence[Bound]):
        self.atoms, self.count = atoms, 0
        self.shapes = [op.shape for k, b in enumerate(bounds) for op in b.operands[bool(k):]]

    def next(self) -> _Value:
        shape = self.shapes[self.count]
        seq = [self.atoms.new(None if self.atoms.generic else d) for d in shape
               if self.atoms.generic or d != 1]
        self.count += 1
        return _Value(seq, shape, [(self.count - 1, seq)], [], Fraction(1), [])


def _step(atoms: _Atoms, bound: Bound, operands: list[_Value]) -> _Value:
    index: dict[str, list[int]] = {}
    for value, op in zip(operands, bound.operands):
        for name, seq in zip(op.indices, atoms.align(value.output, op.flat_shape)):
            if name in index:
                atoms.unify(index[name], seq)
            else:
                index[name] = seq
    for name in bound.output:           # repeat: new axes
        if name not in index:
            size = bound.sizes[name]
            index[name] = [atoms.new(size)] if atoms.generic or size != 1 else []
    output = [a for name in bound.output for a in index[name]]
    reduced = [a for name in bound.reduced for a in index[name]]
    if bound.reduction in ("max", "min", "prod"):
        [value] = operands
        if not reduced:
            return _Value(output, bound.output_shape, value.factors, value.summed, value.scale, value.divisors)
        return _Value(output, bound.output_shape, [(_Node(bound.reduction, reduced, value), [])], [],
                      Fraction(1), [])
    scale = math.prod((v.scale for v in operands), start=Fraction(1))
    divisors = [d for v in operands for d in v.divisors]
    if bound.reduction == "mean":
        if atoms.generic:
            divisors += reduced
        else:
            scale /= math.prod(bound.sizes[name] for name in bound.reduced)
    return _Value(output, bound.output_shape, [f for v in operands for f in v.factors],
                  [s for v in operands for s in v.summed] + reduced, scale, divisors)


class _Atoms:
    """Index variables: union-find for identified atoms, and refinement (an atom split row-major)."""

    def __init__(self, generic: bool):
        self.generic = generic
        self.size: list[int | None] = []
        self.parent: list[int] = []
        self.parts: dict[int, tuple[int, int]] = {}

    def new(self, size: int | None) -> int:
        self.size.append(size)
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, a: int) -> int:
        while self.parent[a] != a:
            self.parent[a] = self.parent[self.parent[a]]
            a = self.parent[a]
        return a

    def resolve(self, seq: Sequence[int]) -> list[int]:
        """The current leaf atoms that `seq` stands for."""
        queue, out = list(seq), []
        while queue:
            out.append(self._pop_leaf(queue))
        return out

    def _pop_leaf(self, queue: list[int]) -> int:
        while True:
            a = self.find(queue.pop(0))
            if a not in self.parts:
                return a
            queue[0:0] = self.parts[a]

    def _split(self, a: int, first: int) -> tuple[int, int]:
        """Refine leaf atom a (size first * rest) into its major part of size `first` and the rest."""
        parts = (self.new(first), self.new(self.size[a] // first))
        self.parts[a] = parts
        return parts

    def _union(self, x: int, y: int) -> None:
        x, y = self.find(x), self.find(y)
        if x != y:
            self.parent[y] = x
            if self.size[x] is None:
                self.size[x] = self.size[y]

    def align(self, seq: Sequence[int], sizes: Sequence[int]) -> list[list[int]]:
        """Cut the flat atom sequence into consecutive runs of the given sizes, splitting atoms."""
        queue = self.resolve(seq)
        if self.generic:                        # shape-free steps: one atom per axis
            assert len(queue) == len(sizes)
            return [[a] for a in queue]
        runs = []
        for size in sizes:
            run, need = [], size
            while need > 1:
                a = self._pop_leaf(queue)
                if need % self.size[a] == 0:
                    run.append(a)
                    need //= self.size[a]
                elif self.size[a] % need == 0:
                    first, rest = self._split(a, need)
                    run.append(first)
                    queue.insert(0, rest)
                    need = 1
                else:
                    raise NoForm(f"a reshape cuts an axis of size {self.size[a]} into pieces of {need}")
            runs.append(run)
        return runs

    def unify(self, xs: Sequence[int], ys: Sequence[int]) -> None:
        """The same index in two places: identify the atoms, refining either side to match."""
        xq, yq = list(xs), list(ys)
        if self.generic:
            for x, y in zip(self.resolve(xq), self.resolve(yq)):
                self._union(x, y)
            return
        while xq and yq:
            x, y = self._pop_leaf(xq), self._pop_leaf(yq)
            if self.size[x] == self.size[y]:
                self._union(x, y)
            elif self.size[y] % self.size[x] == 0:
                first, rest = self._split(y, self.size[x])
                self._union(x, first)
                yq.insert(0, rest)
            elif self.size[x] % self.size[y] == 0:
                first, rest = self._split(x, self.size[y])
                self._union(first, y)
                xq.insert(0, rest)
            else:
                raise NoForm(f"an index joins axes split as {self.size[x]} and {self.size[y]}")


# --- canonical form: resolve and simplify, fuse, rename --------------------------------------

@dataclass
class _Net:
    """A resolved network (mutable while it is simplified); factors are [input or _Red, atoms]."""
    factors: list[list]
    summed: set[int]
    scale: Fraction
    divisors: list[int]

    def depends(self) -> set[int]:
        """The atoms its value depends on (sums bind theirs)."""
        return {a for _, seq in self.factors for a in seq} - self.summed


@dataclass
class _Red:
    op: str
    reduced: set[int]
    inner: _Net


def _canonical(atoms: _Atoms, value: _Value) -> Form:
    size = atoms.size
    if not atoms.generic:
        output = [a for a in atoms.resolve(value.output) if size[a] != 1]
    else:
        output = atoms.resolve(value.output)
    net = _resolve(atoms, value)
    if not atoms.generic:
        _fuse(output, net, size)
    order: dict[int, int] = {}
    for a in output:
        order.setdefault(a, len(order))
    _number(net, order)
    missing = ({a for _, seq in _all_factors(net) for a in seq} | set(output)) - set(order)
    if missing:
        raise NoForm("an atom no input or output mentions")
    return Form(tuple(order[a] for a in output), _freeze(net, order),
                tuple(size[a] for a in sorted(order, key=order.get)), None if atoms.generic else value.shape)


def _resolve(atoms: _Atoms, value: _Value) -> _Net:
    """Resolve atoms, drop size-one atoms, and simplify bottom-up (see the module's docstring)."""
    keep = (lambda seq: seq) if atoms.generic else (lambda seq: [a for a in seq if atoms.size[a] != 1])
    net = _Net([], set(keep(atoms.resolve(value.summed))), value.scale, keep(atoms.resolve(value.divisors)))
    for ref, seq in value.factors:
        if not isinstance(ref, _Node):
            net.factors.append([ref, keep(atoms.resolve(seq))])
            continue
        inner = _resolve(atoms, ref.inner)
        reduced = set(keep(atoms.resolve(ref.reduced)))
        idle = reduced - inner.depends()
        if idle and ref.op == "prod":
            raise NoForm("a product over an axis its operand does not vary along (a power)")
        reduced -= idle                                     # max and min are idempotent
        if not reduced:                                     # nothing left to reduce: splice it in
            net.factors += inner.factors
            net.summed |= inner.summed
            net.scale *= inner.scale
            net.divisors += inner.divisors
            continue
        red = _Red(ref.op, reduced, inner)
        if (not inner.summed and inner.scale == 1 and not inner.divisors and len(inner.factors) == 1
                and isinstance(inner.factors[0][0], _Red) and inner.factors[0][0].op == ref.op):
            nested = inner.factors[0][0]                    # max of max: one max over both
            red = _Red(ref.op, reduced | nested.reduced, nested.inner)
        net.factors.append([red, sorted(red.inner.depends() - red.reduced)])
    depends = {a for _, seq in net.factors for a in seq}
    for a in sorted(net.summed - depends):                  # a sum of a constant: times its size
        if atoms.size[a] is None:
            raise NoForm("a sum over an axis of unknown size that no input has")
        net.scale *= atoms.size[a]
        net.summed.discard(a)
    for a in [d for d in net.divisors if atoms.size[d] is not None]:
        net.scale /= atoms.size[a]
        net.divisors.remove(a)
    return net


def _all_nets(net: _Net):
    yield net
    for ref, _ in net.factors:
        if isinstance(ref, _Red):
            yield from _all_nets(ref.inner)


def _all_factors(net: _Net):
    return [f for n in _all_nets(net) for f in n.factors]


def _fuse(output: list[int], net: _Net, size: list[int | None]) -> None:
    """Fuse atoms a, b that occur only as the pair `a b`, bound in the same places, into a."""
    while True:
        sequences = [output] + [seq for ref, seq in _all_factors(net) if isinstance(ref, int)]
        groups = [n.summed for n in _all_nets(net)] + [set(seq) for ref, seq in _all_factors(net)
                                                       if isinstance(ref, _Red)] \
            + [ref.reduced for ref, _ in _all_factors(net) if isinstance(ref, _Red)]
        before: dict[int, set] = {}
        after: dict[int, set] = {}
        for seq in sequences:
            for k, a in enumerate(seq):
                after.setdefault(a, set()).add(seq[k + 1] if k + 1 < len(seq) else None)
                before.setdefault(a, set()).add(seq[k - 1] if k > 0 else None)
        pair = next(((a, b) for a, follow in after.items() if len(follow) == 1
                     for b in follow if b is not None and b != a and before[b] == {a}
                     and all((a in g) == (b in g) for g in groups)), None)
        if pair is None:
            return
        a, b = pair
        for seq in sequences:
            seq[:] = [x for k, x in enumerate(seq) if not (x == b and k > 0 and seq[k - 1] == a)]
        for n in _all_nets(net):
            n.summed.discard(b)
            for ref, seq in n.factors:
                if isinstance(ref, _Red):
                    ref.reduced.discard(b)
                    if b in seq:
                        seq.remove(b)
        size[a] *= size[b]


def _first_input(ref) -> int:
    return ref if isinstance(ref, int) else min(_first_input(r) for r, _ in ref.inner.factors)


def _number(net: _Net, order: dict[int, int]) -> None:
    """Name atoms in order of first appearance: inputs in order, reductions by their first input."""
    for ref, seq in sorted(net.factors, key=lambda f: _first_input(f[0])):
        if isinstance(ref, int):
            for a in seq:
                order.setdefault(a, len(order))
        else:
            _number(ref.inner, order)


def _freeze(net: _Net, order: dict[int, int]) -> Network:
    factors = []
    for ref, seq in sorted(net.factors, key=lambda f: _first_input(f[0])):
        if isinstance(ref, int):
            factors.append((ref, tuple(order[a] for a in seq)))
        else:
            reduction = Reduction(ref.op, tuple(sorted(order[a] for a in ref.reduced)), _freeze(ref.inner, order))
            factors.append((reduction, tuple(sorted(order[a] for a in seq))))
    return Network(tuple(factors), tuple(sorted(order[a] for a in net.summed)), net.scale,
                   tuple(sorted(order[a] for a in net.divisors)))


def _names(n: int) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    return [letters[k] if k < 26 else f"{letters[k % 26]}{k // 26}" for k in range(n)]
