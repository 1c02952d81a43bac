"""Hypothesis strategies for RASP programs (syntax only: they need not run)."""
from __future__ import annotations

from hypothesis import strategies as st

from synth.dsl.rasp import ast

_IDENTIFIER = st.from_regex(r"[a-zA-Z_][a-zA-Z_0-9]{0,6}", fullmatch=True)
# names a program may define, and names it may only read
bindable = _IDENTIFIER.filter(lambda n: ast.is_name(n) and n not in ast.RESERVED)
readable = st.one_of(bindable, st.sampled_from(sorted(ast.CONSTANT_NAMES | {"tokens", "length"})))
texts = st.text(st.characters(blacklist_characters='"\r\n', blacklist_categories=("Cs",)),
                max_size=6)
numbers = st.from_regex(r"[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True).map(ast.Num)

_leaves = st.one_of(numbers, texts.map(ast.Str), readable.map(ast.Name))


def _extend(inner):
    some = st.lists(inner, max_size=3).map(tuple)
    builtin = st.sampled_from(sorted(ast.BUILTIN_FUNCTIONS)).flatmap(
        lambda f: st.lists(inner, min_size=ast.BUILTIN_FUNCTIONS[f][0],
                           max_size=ast.BUILTIN_FUNCTIONS[f][1] or 3)
        .map(lambda args: ast.Call(ast.Name(f), tuple(args))))
    callee = st.one_of(bindable.map(ast.Name), inner.filter(
        lambda e: not (isinstance(e, ast.Name) and e.id in ast.BUILTIN_FUNCTIONS)))
    return st.one_of(
        st.builds(ast.Binary, st.sampled_from(ast.BINARY_OPS), inner, inner),
        st.builds(ast.Unary, st.sampled_from(ast.UNARY_OPS), inner),
        st.builds(ast.IfElse, inner, inner, inner),
        st.builds(ast.Select, inner, inner, st.sampled_from(ast.COMPARISONS)),
        st.builds(ast.Index, inner, inner),
        st.builds(ast.Call, callee, some),
        builtin,
        some.map(ast.ListLit),
        st.builds(ast.ListComp, inner, st.lists(bindable, min_size=1, max_size=2).map(tuple),
                  inner))


expressions = st.recursive(_leaves, _extend, max_leaves=12)


def _statements(depth: int):
    simple = st.one_of(st.builds(ast.Assign, bindable, expressions),
                       st.builds(ast.ExprStatement, expressions),
                       texts.map(ast.Load))
    if depth == 0:
        return simple
    definition = st.builds(ast.Def, bindable,
                           st.lists(bindable, max_size=3, unique=True).map(tuple),
                           st.lists(_statements(depth - 1), max_size=3).map(tuple), expressions)
    return st.one_of(simple, definition)


programs = st.lists(_statements(2), max_size=5).map(lambda s: ast.Program(tuple(s)))
