"""The einsum DSL's abstract syntax: frozen dataclasses, so an expression is a hashable value.

One representation serves both notations. NumPy's `ij,jk->ik` and the named
`i j, j k -> i k` are the same Expr up to `style`, which only decides how it is printed.
"""
from __future__ import annotations

from dataclasses import dataclass

KINDS = ("einsum", "rearrange", "reduce", "repeat")
REDUCTIONS = ("sum", "mean", "max", "min", "prod")
STYLES = ("numpy", "named")


@dataclass(frozen=True)
class Axis:
    """A named axis (a single letter in NumPy style)."""
    name: str


@dataclass(frozen=True)
class Unit:
    """`1`: an axis of size one (dropped from an input, inserted into the output)."""


@dataclass(frozen=True)
class Anonymous:
    """`2`: einops' anonymous axis, an axis of this size that has no name. Each occurrence is an
    axis of its own (two `2`s are two axes), so it is never shared: reduce sums it away, repeat
    creates it, rearrange refuses it (as einops does)."""
    size: int

    def __post_init__(self):
        if type(self.size) is not int or self.size < 2:     # 1 is Unit; parse never builds these
            raise ValueError(f"an anonymous axis has an integer size of at least 2, not {self.size!r}")


@dataclass(frozen=True)
class Ellipsis_:
    """`...`: the axes no pattern names, broadcast across operands."""


@dataclass(frozen=True)
class Group:
    """`(h w)`: one array axis that is the row-major composition of its members; `()` has size 1."""
    members: tuple[Axis | Unit | Anonymous | Ellipsis_, ...]


Term = Axis | Unit | Anonymous | Ellipsis_ | Group
Pattern = tuple[Term, ...]


@dataclass(frozen=True)
class Expr:
    """`inputs -> output`, with what happens to the axes that the output lacks.

    kind:      einsum (sum of products over any number of operands), or one of einops'
               single-operand operations rearrange, reduce and repeat.
    output:    None when implicit (NumPy's rule: the axes seen once, in sorted order).
    reduction: how axes missing from the output are combined: "sum" for einsum, one of
               REDUCTIONS for reduce, None for rearrange and repeat (nothing is reduced).
    sizes:     axis sizes given by keyword (`h=2`), sorted by name.
    style:     "numpy" (letters, no spaces) or "named" (space-separated names).
    """
    inputs: tuple[Pattern, ...]
    output: Pattern | None
    kind: str = "einsum"
    reduction: str | None = "sum"
    sizes: tuple[tuple[str, int], ...] = ()
    style: str = "named"

    def __post_init__(self):
        # Programming errors (a malformed AST built in code), not user errors: parse never builds these.
        if self.kind not in KINDS or self.style not in STYLES:
            raise ValueError(f"bad kind {self.kind!r} or style {self.style!r}")
        expected = {"einsum": ("sum",), "reduce": REDUCTIONS}.get(self.kind, (None,))
        if self.reduction not in expected:
            raise ValueError(f"{self.kind} with reduction {self.reduction!r}")
        if self.style == "numpy":
            terms = [t for p in self.inputs + ((self.output,) if self.output is not None else ()) for t in p]
            if self.kind != "einsum" or self.sizes or not all(
                    isinstance(t, Ellipsis_) or (isinstance(t, Axis) and len(t.name) == 1 and t.name.isalpha()
                                                 and t.name.isascii()) for t in terms):
                raise ValueError("NumPy style is an einsum over single letters and ellipses")

    @classmethod
    def trusted(cls, inputs: tuple[Pattern, ...], output: Pattern | None, style: str) -> Expr:
        """An einsum built without __post_init__'s checks, for a caller that establishes them itself
        (the fast NumPy parse, whose regex admits only letters and ellipses): the checks cost more
        than the rest of that parse."""
        expr = object.__new__(cls)
        expr.__dict__.update(inputs=inputs, output=output, kind="einsum", reduction="sum", sizes=(), style=style)
        return expr

    def __str__(self) -> str:
        from synth.einsum.syntax import format
        return format(self)

    @property
    def size_dict(self) -> dict[str, int]:
        return dict(self.sizes)


def axes_of(pattern: Pattern) -> list[Axis]:
    """The named axes of a pattern, in order, looking inside groups."""
    out = []
    for term in pattern:
        members = term.members if isinstance(term, Group) else (term,)
        out.extend(m for m in members if isinstance(m, Axis))
    return out


def anonymous_of(pattern: Pattern) -> list[Anonymous]:
    """The anonymous axes of a pattern, in order, looking inside groups."""
    return [m for t in pattern for m in (t.members if isinstance(t, Group) else (t,)) if isinstance(m, Anonymous)]


def has_ellipsis(pattern: Pattern) -> bool:
    return any(isinstance(m, Ellipsis_) for t in pattern
               for m in (t.members if isinstance(t, Group) else (t,)))
