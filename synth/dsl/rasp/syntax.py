"""Text <-> Program for RASP: a Lark transformer (reserved names, built-in arity checked) and a
formatter that writes the fewest parentheses, so that parse(format(p)) == p."""
from __future__ import annotations

import lark

from synth.dsl.grammar import location, parse_tree, transform
from synth.dsl.rasp import ast
from synth.errors import ArityError, Location, NameError_, ParseError


def parse(text: str, file: str = "<string>") -> ast.Program:
    """Parse and check a RASP program; errors name the file, line and column."""
    try:
        return transform(_ToAst(file), parse_tree("rasp", text, file))
    except RecursionError:      # the transformer recurses once per level of nesting
        raise ParseError("expressions nested too deeply", where=Location(file)) from None


def parse_expression(text: str, file: str = "<expression>") -> ast.Expr:
    """One expression (e.g. the CLI's --expr), parsed as the statement `text;`."""
    program = parse(text + ";", file)
    if len(program.statements) != 1 or not isinstance(program.statements[0], ast.ExprStatement):
        raise ParseError("expected one expression", where=Location(file, 1, 1), found=repr(text))
    return program.statements[0].expr


class _ToAst(lark.Transformer):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def _at(self, meta_or_token) -> Location:
        return location(meta_or_token, self.file)

    def _bindable(self, token) -> str:
        name = str(token)
        if name in ast.RESERVED:
            raise NameError_(f"cannot assign to the reserved name {name!r}", where=self._at(token))
        return name

    # statements

    def start(self, statements):
        return ast.Program(tuple(statements), at=Location(self.file, 1, 1))

    @lark.v_args(meta=True)
    def assign(self, meta, children):
        target, value = children
        return ast.Assign(self._bindable(target), value, at=self._at(meta))

    @lark.v_args(meta=True)
    def load(self, meta, children):
        return ast.Load(str(children[0])[1:-1], at=self._at(meta))

    @lark.v_args(meta=True)
    def expr_statement(self, meta, children):
        return ast.ExprStatement(children[0], at=self._at(meta))

    @lark.v_args(meta=True)
    def function(self, meta, children):
        name, *rest = children
        params = rest.pop(0) if rest and isinstance(rest[0], list) else []
        *body, result = rest
        if len(set(map(str, params))) != len(params):
            raise ParseError("repeated parameter name", where=self._at(meta),
                             found=", ".join(map(str, params)))
        return ast.Def(self._bindable(name), tuple(self._bindable(p) for p in params),
                       tuple(body), result, at=self._at(meta))

    def names(self, tokens):
        return list(tokens)

    # expressions

    @lark.v_args(meta=True)
    def number(self, meta, children):
        return ast.Num(str(children[0]), at=self._at(meta))

    @lark.v_args(meta=True)
    def string(self, meta, children):
        return ast.Str(str(children[0])[1:-1], at=self._at(meta))

    @lark.v_args(meta=True)
    def name(self, meta, children):
        return ast.Name(str(children[0]), at=self._at(meta))

    def args(self, children):
        return list(children)

    @lark.v_args(meta=True)
    def list(self, meta, children):
        return ast.ListLit(tuple(children[0]) if children else (), at=self._at(meta))

    @lark.v_args(meta=True)
    def list_comp(self, meta, children):
        element, targets, _in, iterable = children
        return ast.ListComp(element, tuple(self._bindable(t) for t in targets), iterable,
                            at=self._at(meta))

    @lark.v_args(meta=True)
    def select(self, meta, children):
        keys, queries, op = children
        return ast.Select(keys, queries, str(op), at=self._at(meta))

    @lark.v_args(meta=True)
    def call(self, meta, children):
        func, *rest = children
        args = tuple(rest[0]) if rest else ()
        if isinstance(func, ast.Name) and func.id in ast.BUILTIN_FUNCTIONS:
            fewest, most = ast.BUILTIN_FUNCTIONS[func.id]
            if len(args) < fewest or (most is not None and len(args) > most):
                wanted = str(fewest) if fewest == most else (
                    f"{fewest} or more" if most is None else f"{fewest} to {most}")
                raise ArityError(f"{func.id} takes {wanted} argument{'s' * (wanted != '1')}",
                                 where=self._at(meta), found=str(len(args)))
        return ast.Call(func, args, at=self._at(meta))

    @lark.v_args(meta=True)
    def index(self, meta, children):
        target, index = children
        return ast.Index(target, index, at=self._at(meta))

    @lark.v_args(meta=True)
    def unary(self, meta, children):
        op, operand = children
        return ast.Unary(str(op), operand, at=self._at(meta))

    @lark.v_args(meta=True)
    def binary(self, meta, children):
        left, op, right = children
        return ast.Binary(str(op), left, right, at=self._at(meta))

    @lark.v_args(meta=True)
    def if_else(self, meta, children):
        then, cond, orelse = children
        return ast.IfElse(then, cond, orelse, at=self._at(meta))


# Formatting. Levels mirror the grammar's precedence, loosest first; a subexpression is
# parenthesised exactly when its level is below what its position in the parent requires.
_CONTAINS, _TERNARY, _LOGIC, _COMPARISON, _SUM, _MODULO, _PRODUCT, _POWER, _PREFIX, _POSTFIX, \
    _ATOM = range(11)
_BINARY_LEVEL = {"in": _CONTAINS, "and": _LOGIC, "or": _LOGIC, "+": _SUM, "-": _SUM,
                 "%": _MODULO, "*": _PRODUCT, "/": _PRODUCT, "^": _POWER,
                 **{op: _COMPARISON for op in ast.COMPARISONS}}


def format_expr(e: ast.Expr, level: int = _CONTAINS) -> str:
    """The expression's text, in parentheses if it binds more loosely than `level` allows."""
    text, own = _format(e)
    return f"({text})" if own < level else text


def _format(e: ast.Expr) -> tuple[str, int]:
    match e:
        case ast.Num(text=text):
            return text, _ATOM
        case ast.Str(value=value):
            return f'"{value}"', _ATOM
        case ast.Name(id=name):
            return name, _ATOM
        case ast.ListLit(items=items):
            return "[" + ", ".join(format_expr(i) for i in items) + "]", _ATOM
        case ast.ListComp(element=element, targets=targets, iterable=iterable):
            return (f"[{format_expr(element)} for {', '.join(targets)} in "
                    f"{format_expr(iterable)}]", _ATOM)
        case ast.Select(keys=keys, queries=queries, op=op):
            return f"select({format_expr(keys)}, {format_expr(queries)}, {op})", _ATOM
        case ast.Call(func=func, args=args):
            return (f"{format_expr(func, _POSTFIX)}({', '.join(format_expr(a) for a in args)})",
                    _POSTFIX)
        case ast.Index(target=target, index=index):
            return f"{format_expr(target, _POSTFIX)}[{format_expr(index)}]", _POSTFIX
        case ast.Unary(op=op, operand=operand):
            space = " " if op == "not" else ""
            return f"{op}{space}{format_expr(operand, _PREFIX)}", _PREFIX
        case ast.Binary(op=op, left=left, right=right):
            level = _BINARY_LEVEL[op]
            return f"{format_expr(left, level)} {op} {format_expr(right, level + 1)}", level
        case ast.IfElse(then=then, cond=cond, orelse=orelse):
            return (f"{format_expr(then, _TERNARY)} if {format_expr(cond)} else "
                    f"{format_expr(orelse, _TERNARY + 1)}", _TERNARY)
    raise TypeError(f"not a RASP expression: {e!r}")


def format_statement(s: ast.Statement, indent: str = "") -> str:
    match s:
        case ast.Assign(target=target, value=value):
            return f"{indent}{target} = {format_expr(value)};"
        case ast.ExprStatement(expr=expr):
            return f"{indent}{format_expr(expr)};"
        case ast.Load(path=path):
            return f'{indent}load "{path}";'
        case ast.Def(name=name, params=params, body=body, result=result):
            inner = indent + "    "
            lines = [f"{indent}def {name}({', '.join(params)}) {{"]
            lines += [format_statement(b, inner) for b in body]
            lines += [f"{inner}return {format_expr(result)};", f"{indent}}}"]
            return "\n".join(lines)
    raise TypeError(f"not a RASP statement: {s!r}")


def format_program(program: ast.Program) -> str:
    """One statement a line; a blank line around each function definition."""
    out, previous = [], None
    for s in program.statements:
        if previous is not None and (isinstance(s, ast.Def) or isinstance(previous, ast.Def)):
            out.append("")
        out.append(format_statement(s))
        previous = s
    return "".join(line + "\n" for line in out)
