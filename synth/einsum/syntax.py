"""Text <-> Expr for the einsum DSL: one Lark grammar for both notations, checks, a formatter."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import lark

from synth.dsl.grammar import location, parse_tree, transform
from synth.einsum.ast import REDUCTIONS, Anonymous, Axis, Ellipsis_, Expr, Group, Pattern, Unit, axes_of, has_ellipsis
from synth.errors import ArityError, Location, NameError_, ParseError


@functools.lru_cache(maxsize=1024)
def parse(text: str, file: str = "<string>") -> Expr:
    """Parse and check an expression; errors name the file, line and column.

    Cached: callers in the style of jnp.einsum pass the same text on every call, and an Expr is
    an immutable value. Errors are not cached (each call raises afresh).
    """
    expr = _plain_numpy(text)
    if expr is not None:
        return expr
    return _parse_with_grammar(text, file)


def _parse_with_grammar(text: str, file: str = "<string>") -> Expr:
    return transform(_ToExpr(file, text), parse_tree("einsum", text, file))


_SUBSCRIPTS = r"(?:[A-Za-z]|\.\.\.)*"
_PLAIN_NUMPY = re.compile(rf"({_SUBSCRIPTS}(?:,{_SUBSCRIPTS})*)(?:->({_SUBSCRIPTS}))?")
_SUBSCRIPT = re.compile(r"\.\.\.|[A-Za-z]")


def _plain_numpy(text: str) -> Expr | None:
    """NumPy subscripts with nothing else in them (`ij,jk->ik`, as jnp-style callers write them
    on every call), built without the grammar: a Lark parse costs ~0.2 ms, this a few µs.

    The Expr is the one the grammar builds (tests/test_einsum_syntax.py checks it equal); any
    text that is not plainly valid returns None, so the grammar parses it and reports the error
    with its location.
    """
    match = _PLAIN_NUMPY.fullmatch(text)
    if match is None:
        return None
    inputs_text, output_text = match.groups()
    inputs = tuple(map(_numpy_subscripts, inputs_text.split(",")))
    if output_text is None:
        output = None
    elif "..." not in text:
        # Letters only: each output letter once, and each in some input.
        if len(set(output_text)) < len(output_text) or not set(inputs_text).issuperset(output_text):
            return None
        output = _numpy_subscripts(output_text)
    else:
        output = _numpy_subscripts(output_text)
        named = [t.name for t in output if type(t) is Axis]
        known = {t.name for p in inputs for t in p if type(t) is Axis}
        if (output.count(_ELLIPSIS) > 1 or len(set(named)) < len(named) or not known.issuperset(named)
                or _ELLIPSIS in output and not any(_ELLIPSIS in p for p in inputs)):
            return None
    if "..." in text and any(p.count(_ELLIPSIS) > 1 for p in inputs):
        return None
    return Expr.trusted(inputs, output, "numpy")


def _numpy_subscripts(text: str) -> Pattern:
    if "." not in text:
        return tuple(map(_LETTER_AXES.__getitem__, text))
    return tuple(_LETTER_AXES.get(s, _ELLIPSIS) for s in _SUBSCRIPT.findall(text))


# One shared Axis per letter (frozen values, so sharing is invisible): building them is most of
# the fast parse's cost.
_LETTER_AXES = {c: Axis(c) for c in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_ELLIPSIS = Ellipsis_()


def format(expr: Expr) -> str:
    """The canonical text of an expression; parse(format(e)) == e."""
    if expr.style == "numpy":
        inputs = ",".join(_numpy_pattern(p) for p in expr.inputs)
        return inputs if expr.output is None else f"{inputs}->{_numpy_pattern(expr.output)}"
    equation = ", ".join(_named_pattern(p) for p in expr.inputs)
    if expr.output is not None:
        equation += " -> " + _named_pattern(expr.output) if expr.output else " ->"
    if expr.kind == "einsum" and not expr.sizes and not _reads_as_numpy(expr):
        return equation
    options = [expr.reduction] if expr.kind == "reduce" else []
    options += [f"{name}={size}" for name, size in expr.sizes]
    return f"{expr.kind}({', '.join([equation] + options)})"


def rearrange(pattern: str, **sizes: int) -> Expr:
    """einops' rearrange as an Expr: `rearrange("b (h w) c -> b c h w", h=2)`."""
    return _operation("rearrange", pattern, None, sizes)


def reduce(pattern: str, reduction: str, **sizes: int) -> Expr:
    """einops' reduce as an Expr: `reduce("b c h w -> b c", "mean")`."""
    return _operation("reduce", pattern, reduction, sizes)


def repeat(pattern: str, **sizes: int) -> Expr:
    """einops' repeat as an Expr: `repeat("h w -> h w c", c=3)`."""
    return _operation("repeat", pattern, None, sizes)


def _operation(kind: str, pattern: str, reduction: str | None, sizes: dict[str, int]) -> Expr:
    options = ([reduction] if reduction is not None else []) + [f"{k}={v}" for k, v in sizes.items()]
    for name, size in sizes.items():
        if not isinstance(size, int) or isinstance(size, bool):
            raise ParseError(f"size of axis {name} must be an integer", found=repr(size))
    return parse(f"{kind}({', '.join([pattern] + options)})", file=f"<{kind}>")


# --- parsing --------------------------------------------------------------------------------

@dataclass
class _Term:
    term: object
    start: int
    end: int
    where: Location


@dataclass
class _Pattern:
    terms: list[_Term]
    where: Location

    @property
    def compact(self) -> bool:
        """Written like NumPy subscripts: names and ellipses only, nothing between them."""
        plain = all(isinstance(t.term, (Axis, Ellipsis_)) for t in self.terms)
        return plain and all(a.end == b.start for a, b in zip(self.terms, self.terms[1:]))


class _ToExpr(lark.Transformer):
    def __init__(self, file: str, text: str):
        super().__init__()
        self.file, self.text = file, text

    def _at(self, meta) -> Location:
        return location(meta, self.file)

    @lark.v_args(meta=True)
    def axis(self, meta, children):
        name = str(children[0])
        return _Term(Axis(name), meta.start_pos, meta.end_pos, self._at(meta))

    @lark.v_args(meta=True)
    def ellipsis(self, meta, children):
        return _Term(Ellipsis_(), meta.start_pos, meta.end_pos, self._at(meta))

    @lark.v_args(meta=True)
    def number(self, meta, children):
        text, where = str(children[0]), self._at(meta)
        if int(text) < 1:
            raise ParseError("an anonymous axis has a positive size", where=where, found=text)
        if self.text[meta.end_pos:meta.end_pos + 1].isidentifier():    # `2h`: not a name, not two axes
            raise ParseError("an axis name starts with a letter or '_'", where=where,
                             found=repr(text + self.text[meta.end_pos]))
        term = Unit() if int(text) == 1 else Anonymous(int(text))
        return _Term(term, meta.start_pos, meta.end_pos, where)

    @lark.v_args(meta=True)
    def group(self, meta, children):
        return _Term(Group(tuple(c.term for c in children)), meta.start_pos, meta.end_pos, self._at(meta))

    @lark.v_args(meta=True)
    def pattern(self, meta, children):
        return _Pattern(list(children), self._at(meta) if not meta.empty else Location(self.file))

    def operands(self, children):
        return list(children)

    def implicit(self, children):
        return children[0], None

    def explicit(self, children):
        return children[0], children[1]

    def size(self, children):
        name, value = children
        if int(value) < 1:
            raise ParseError(f"size of axis {name} must be positive", where=location(value, self.file),
                             found=str(value))
        return ("size", str(name), int(value), location(name, self.file))

    def reduction(self, children):
        return ("reduction", str(children[0]), None, location(children[0], self.file))

    def start(self, children):
        inputs, output = children[0]
        if all(p.compact for p in inputs + ([output] if output is not None else [])):
            return _check(self._numpy(inputs, output), inputs, output)
        return _check(Expr(tuple(_terms(p) for p in inputs), _terms(output) if output is not None else None),
                      inputs, output)

    def operation(self, children):
        kind_token, (inputs, output), *options = children
        kind = str(kind_token)
        where = location(kind_token, self.file)
        sizes, reductions = {}, []
        for option, name, value, at in options:
            if option == "reduction":
                reductions.append((name, at))
            elif name in sizes:
                raise ParseError(f"size of axis {name} given twice", where=at)
            else:
                sizes[name] = value
        reduction = {"einsum": "sum", "reduce": None}.get(kind)
        if kind == "reduce":
            if len(reductions) != 1:
                raise ParseError("reduce takes one reduction", where=where, found=str(len(reductions)),
                                 expected="one of " + ", ".join(REDUCTIONS))
            reduction, at = reductions[0]
            if reduction not in REDUCTIONS:
                raise NameError_(f"unknown reduction {reduction!r}", where=at,
                                 expected="one of " + ", ".join(REDUCTIONS))
        elif reductions:
            raise ParseError(f"{kind} takes no reduction", where=reductions[0][1],
                             found=reductions[0][0], expected="sizes such as h=2")
        expr = Expr(tuple(_terms(p) for p in inputs), _terms(output) if output is not None else None,
                    kind=kind, reduction=reduction, sizes=tuple(sorted(sizes.items())))
        return _check(expr, inputs, output, where)

    def _numpy(self, inputs, output) -> Expr:
        def letters(p: _Pattern) -> Pattern:
            out = []
            for t in p.terms:
                if isinstance(t.term, Ellipsis_):
                    out.append(t.term)
                    continue
                for offset, char in enumerate(t.term.name):
                    if not char.isascii() or not char.isalpha():
                        raise ParseError("NumPy subscripts are letters", found=repr(char),
                                         where=Location(self.file, t.where.line, t.where.column + offset))
                    out.append(Axis(char))
            return tuple(out)
        return Expr(tuple(letters(p) for p in inputs), letters(output) if output is not None else None,
                    style="numpy")


def _terms(p: _Pattern) -> Pattern:
    return tuple(t.term for t in p.terms)


def _check(expr: Expr, inputs: list[_Pattern], output: _Pattern | None, where: Location | None = None) -> Expr:
    """The rules every expression obeys, whatever its shapes; errors point at the offending pattern."""
    def fail(error, what, at, **kw):
        raise error(what, where=at, **kw)

    single_operand = expr.kind != "einsum"
    if single_operand and len(expr.inputs) != 1:
        fail(ArityError, f"{expr.kind} takes one operand", where, found=str(len(expr.inputs)))
    if single_operand and expr.output is None:
        fail(ParseError, f"{expr.kind} needs an explicit output", where, expected="'->' and the output pattern")
    for pattern, written in zip(expr.inputs, inputs):
        _check_ellipses(pattern, written)
        for term in written.terms:
            if isinstance(term.term, Group) and has_ellipsis((term.term,)):
                fail(ParseError, "'...' inside a group is allowed only in the output", term.where)
        if single_operand:
            _check_distinct(pattern, written, f"{expr.kind}'s input")
    _check_anonymous(expr, inputs, output)
    input_axes = {a.name for p in expr.inputs for a in axes_of(p)}
    if expr.output is not None:
        _check_ellipses(expr.output, output)
        _check_distinct(expr.output, output, "the output")
        if has_ellipsis(expr.output) and not any(has_ellipsis(p) for p in expr.inputs):
            fail(ParseError, "'...' in the output but in no input", output.where)
        output_axes = {a.name for a in axes_of(expr.output)}
        new = sorted(output_axes - input_axes)
        if new and expr.kind != "repeat":
            fail(NameError_, f"output axis {new[0]} is in no input", output.where,
                 expected="axes of the inputs" + (" (only repeat adds axes)" if expr.style == "named" else ""))
        if expr.kind in ("rearrange", "repeat") and input_axes - output_axes:
            fail(NameError_, f"{expr.kind} loses axis {sorted(input_axes - output_axes)[0]}", output.where,
                 expected="every input axis in the output (reduce removes axes)")
        if expr.kind == "rearrange" and has_ellipsis(expr.inputs[0]) != has_ellipsis(expr.output):
            fail(ParseError, "rearrange needs '...' on both sides or neither", output.where)
    mentioned = input_axes | ({a.name for a in axes_of(expr.output)} if expr.output else set())
    for name, _ in expr.sizes:
        if name not in mentioned:
            fail(NameError_, f"size given for axis {name}, which the pattern does not name", where)
    return expr


def _check_anonymous(expr: Expr, inputs: list[_Pattern], output: _Pattern | None):
    """einops' rules: an anonymous axis is its own axis, so only reduce (and einsum, which sums)
    may drop one from an input, only repeat may create one in the output, rearrange has none."""
    def first(written: _Pattern):
        for term in written.terms:
            members = term.term.members if isinstance(term.term, Group) else (term.term,)
            found = next((m for m in members if isinstance(m, Anonymous)), None)
            if found is not None:
                return found, term.where
        return None, None

    if expr.kind in ("rearrange", "repeat"):
        for written in inputs + ([output] if expr.kind == "rearrange" and output is not None else []):
            axis, where = first(written)
            if axis is not None:
                role = "rearrange" if expr.kind == "rearrange" else "repeat's input"
                raise ParseError(f"anonymous axis {axis.size} in {role} (it is an axis of its own, which "
                                 "the other side cannot name)", where=where,
                                 expected="a named axis with its size by keyword (h=2); only reduce "
                                          "drops anonymous axes, only repeat creates them")
    if expr.kind != "repeat" and output is not None:
        axis, where = first(output)
        if axis is not None:
            raise NameError_(f"anonymous axis {axis.size} in the output is in no input", where=where,
                             expected="axes of the inputs (only repeat adds axes)")


def _check_ellipses(pattern: Pattern, written: _Pattern):
    seen = [t for t in written.terms if has_ellipsis((t.term,))]
    if len(seen) > 1:
        raise ParseError("more than one '...' in a pattern", where=seen[1].where)


def _check_distinct(pattern: Pattern, written: _Pattern, role: str):
    names = [a.name for a in axes_of(pattern)]
    repeated = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if repeated is not None:
        raise ParseError(f"axis {repeated} appears twice in {role}", where=written.where)


# --- formatting -----------------------------------------------------------------------------

def _numpy_pattern(p: Pattern) -> str:
    return "".join("..." if isinstance(t, Ellipsis_) else t.name for t in p)


def _named_pattern(p: Pattern) -> str:
    return " ".join(_named_term(t) for t in p)


def _named_term(t) -> str:
    if isinstance(t, Axis):
        return t.name
    if isinstance(t, Unit):
        return "1"
    if isinstance(t, Anonymous):
        return str(t.size)
    if isinstance(t, Ellipsis_):
        return "..."
    return "(" + " ".join(_named_term(m) for m in t.members) + ")"


def _reads_as_numpy(expr: Expr) -> bool:
    """Would the bare named text be read as NumPy subscripts? (Then it is wrapped in einsum(...).)"""
    patterns = expr.inputs + ((expr.output,) if expr.output is not None else ())
    return all(len(p) <= 1 and all(isinstance(t, (Axis, Ellipsis_)) for t in p) for p in patterns)

