"""An s-op graph written back as RASP text: one assignment per node used more than once, the
rest inline, the result bound to a name. Parsing and interpreting the text gives the same graph
of primitives (checked by the synthesizer on every example)."""
from __future__ import annotations

from collections import Counter

from synth.dsl.rasp import ast, sops
from synth.dsl.rasp.syntax import format_program

_PRIMITIVE_CALLS = ("round", "indicator")
_UNARY = {"not": "not", "neg": "-", "pos": "+"}


def to_program(root: sops.SOp, name: str) -> ast.Program:
    """`name = <root>;`, preceded by `vK = ...;` for each shared intermediate node."""
    uses: Counter[int] = Counter()
    for node in sops.postorder(root):
        for child in sops.children(node):
            uses[id(child)] += 1
    names: dict[int, str] = {}
    statements = []
    for node in sops.postorder(root):
        if node is not root and uses[id(node)] > 1 and _leaf(node) is None:
            expr = _expr(node, names)
            names[id(node)] = f"v{len(names) + 1}"
            statements.append(ast.Assign(names[id(node)], expr))
    statements.append(ast.Assign(name, _expr(root, names)))
    return ast.Program(tuple(statements))


def to_text(root: sops.SOp, name: str) -> str:
    return format_program(to_program(root, name))


def _leaf(node) -> ast.Expr | None:
    if node is sops.LENGTH:
        return ast.Name("length")
    match node:
        case sops.Tokens(type="str"):
            return ast.Name("tokens")
        case sops.Tokens(type=kind):
            return ast.Name(f"tokens_{kind}")
        case sops.Indices():
            return ast.Name("indices")
        case sops.Constant(value=value):
            return _atom(value)
    return None


def _expr(node, names: dict[int, str]) -> ast.Expr:
    if id(node) in names:
        return ast.Name(names[id(node)])
    if (leaf := _leaf(node)) is not None:
        return leaf
    sub = lambda n: _expr(n, names) if isinstance(n, (sops.SOp, sops.Selector)) else _atom(n)
    match node:
        case sops.Map(op="if", args=(cond, then, orelse)):
            return ast.IfElse(sub(then), sub(cond), sub(orelse))
        case sops.Map(op=op, args=(a,)) if op in _UNARY:
            return ast.Unary(_UNARY[op], sub(a))
        case sops.Map(op=op, args=(a,)) if op in _PRIMITIVE_CALLS:
            return ast.Call(ast.Name(op), (sub(a),))
        case sops.Map(op=op, args=(a, b)):
            return ast.Binary(op, sub(a), sub(b))
        case sops.Aggregate(selector=s, sop=x, default=default):
            args = (sub(s), sub(x)) + (() if default is None else (_atom(default),))
            return ast.Call(ast.Name("aggregate"), args)
        case sops.SelectorWidth(selector=s):
            return ast.Call(ast.Name("selector_width"), (sub(s),))
        case sops.Select(keys=k, queries=q, op=op):
            return ast.Select(sub(k), sub(q), op)
        case sops.SelectorAnd(left=a, right=b):
            return ast.Binary("and", sub(a), sub(b))
        case sops.SelectorOr(left=a, right=b):
            return ast.Binary("or", sub(a), sub(b))
        case sops.SelectorNot(selector=a):
            return ast.Unary("not", sub(a))
    raise TypeError(f"cannot write {node!r} as RASP")


def _atom(value) -> ast.Expr:
    if isinstance(value, tuple):                 # the set of `x in [a, b]`
        return ast.ListLit(tuple(map(_atom, value)))
    if isinstance(value, bool):
        return ast.Name("True" if value else "False")
    if isinstance(value, str):
        return ast.Str(value)
    if value < 0:
        return ast.Unary("-", _atom(-value))
    return ast.Num(repr(value))
