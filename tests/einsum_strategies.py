"""Hypothesis strategies for the einsum DSL: valid expressions in both notations, every kind."""
from __future__ import annotations

from hypothesis import strategies as st

from synth.einsum.ast import REDUCTIONS, Anonymous, Axis, Ellipsis_, Expr, Group, Unit

NAMES = ("b", "h", "w", "c", "x_1", "batch", "Head", "d2")


@st.composite
def numpy_exprs(draw) -> Expr:
    letters = st.sampled_from("abcdeXY")
    inputs = []
    for _ in range(draw(st.integers(1, 4))):
        pattern = [Axis(c) for c in draw(st.lists(letters, max_size=4))]
        if draw(st.booleans()):
            pattern.insert(draw(st.integers(0, len(pattern))), Ellipsis_())
        inputs.append(tuple(pattern))
    return Expr(tuple(inputs), _output(draw, inputs), style="numpy")


def _output(draw, inputs, require: bool = False):
    if not require and draw(st.booleans()):
        return None
    names = sorted({t.name for p in inputs for t in _axes(p)})
    chosen = draw(st.permutations(names))[:draw(st.integers(0, len(names)))]
    out = [Axis(n) for n in chosen]
    if any(Ellipsis_() in p for p in inputs) and draw(st.booleans()):
        out.insert(draw(st.integers(0, len(out))), Ellipsis_())
    return tuple(out)


def _axes(pattern):
    return [m for t in pattern for m in (t.members if isinstance(t, Group) else (t,)) if isinstance(m, Axis)]


_ANONYMOUS = st.builds(Anonymous, st.integers(2, 3))


@st.composite
def _named_pattern(draw, names: list[str], allow_ellipsis: bool = True, anonymous: bool = False):
    """A pattern using each of `names` once, in groups or alone, with units sprinkled in (and
    anonymous axes, alone or in groups, where `anonymous`)."""
    terms: list = []
    rest = list(names)
    while rest:
        take = draw(st.integers(1, min(3, len(rest))))
        members, rest = rest[:take], rest[take:]
        if take == 1 and draw(st.booleans()):
            terms.append(Axis(members[0]))
        else:
            group = [Axis(n) for n in members]
            if draw(st.booleans()):
                group.insert(draw(st.integers(0, len(group))), Unit())
            if anonymous and draw(st.booleans()):
                group.insert(draw(st.integers(0, len(group))), draw(_ANONYMOUS))
            terms.append(Group(tuple(group)))
    if anonymous and draw(st.booleans()):
        terms.insert(draw(st.integers(0, len(terms))), draw(_ANONYMOUS))
    if draw(st.booleans()):
        terms.insert(draw(st.integers(0, len(terms))), draw(st.sampled_from([Unit(), Group(())])))
    if allow_ellipsis and draw(st.booleans()):
        terms.insert(draw(st.integers(0, len(terms))), Ellipsis_())
    return tuple(terms)


@st.composite
def named_exprs(draw) -> Expr:
    kind = draw(st.sampled_from(("einsum", "rearrange", "reduce", "repeat")))
    if kind == "einsum":
        inputs = []
        for _ in range(draw(st.integers(1, 3))):
            chosen = draw(st.lists(st.sampled_from(NAMES), max_size=4))
            pattern = [Axis(n) for n in chosen]
            if draw(st.booleans()):
                pattern.insert(draw(st.integers(0, len(pattern))), Ellipsis_())
            if draw(st.integers(0, 3)) == 0:      # an anonymous axis, summed
                pattern.insert(draw(st.integers(0, len(pattern))), draw(_ANONYMOUS))
            inputs.append(tuple(pattern))
        return Expr(tuple(inputs), _output(draw, inputs), style="named")
    names = draw(st.lists(st.sampled_from(NAMES), unique=True, min_size=1, max_size=5))
    # einops' rules for anonymous axes: reduce drops them, repeat creates them, rearrange has none.
    source = draw(_named_pattern(names, allow_ellipsis=False, anonymous=kind == "reduce"))
    if kind == "rearrange":
        target = draw(_named_pattern(draw(st.permutations(names)), allow_ellipsis=False))
    elif kind == "reduce":
        target = draw(_named_pattern(draw(st.permutations(names))[:draw(st.integers(0, len(names)))],
                                     allow_ellipsis=False))
    else:
        new = [n + "_new" for n in draw(st.lists(st.sampled_from(NAMES), unique=True, max_size=2))]
        target = draw(_named_pattern(draw(st.permutations(names + new)), allow_ellipsis=False, anonymous=True))
    mentioned = sorted({a.name for a in _axes(source) + _axes(target)})
    sized = draw(st.lists(st.sampled_from(mentioned), unique=True, max_size=3)) if mentioned else []
    if kind == "repeat":
        sized = sorted(set(sized) | {a.name for a in _axes(target) if a.name.endswith("_new")})
    sizes = tuple(sorted((n, draw(st.integers(1, 5))) for n in sized))
    reduction = {"einsum": "sum", "reduce": draw(st.sampled_from(REDUCTIONS))}.get(kind)
    return Expr((source,), target, kind=kind, reduction=reduction, sizes=sizes, style="named")


def exprs():
    return st.one_of(numpy_exprs(), named_exprs())
