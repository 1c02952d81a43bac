"""Text <-> Program for the optimizer DSL: a Lark transformer, name and arity checks, a formatter."""
from __future__ import annotations

import lark

from synth.dsl.grammar import location, parse_tree, transform
from synth.dsl.optim.ast import INPUTS, NAMED_CONSTANTS, Atom, Const, Program, Statement, Var
from synth.dsl.optim.functions import FUNCTIONS, INFIX
from synth.errors import ArityError, Location, NameError_, ParseError


def parse(text: str, file: str = "<string>") -> Program:
    """Parse and check a program; errors name the file, line and column."""
    return transform(_ToProgram(file), parse_tree("optim", text, file))


class _ToProgram(lark.Transformer):
    def __init__(self, file: str):
        super().__init__()
        self.file = file

    def _at(self, meta_or_token) -> Location:
        return location(meta_or_token, self.file)

    @lark.v_args(meta=True)
    def header(self, meta, names):
        name, *params = (str(n) for n in names if n is not None)
        if name != "train" or tuple(params) != INPUTS:
            raise ParseError("wrong signature", where=self._at(meta),
                             found=f"def {name}({', '.join(params)})",
                             expected=f"def train({', '.join(INPUTS)})")
        return params

    def number(self, children):
        return Const(float(children[0]))

    def var(self, children):
        token = children[0]
        name = str(token)
        return Const(NAMED_CONSTANTS[name], name) if name in NAMED_CONSTANTS else (Var(name), token)

    @lark.v_args(meta=True)
    def call(self, meta, children):
        name, *args = children
        if name is not None and str(name) not in FUNCTIONS:
            raise NameError_(f"unknown function {str(name)!r}", where=self._at(name),
                             expected="one of " + ", ".join(sorted(FUNCTIONS)))
        return (str(name), tuple(a for a in args if a is not None), self._at(meta))

    @lark.v_args(meta=True)
    def binop(self, meta, children):
        left, op, right = children
        return (INFIX[str(op)], (left, right), self._at(meta))

    @lark.v_args(meta=True)
    def statement(self, meta, children):
        target, expr = children
        if str(target) in NAMED_CONSTANTS:
            raise NameError_(f"cannot assign to the constant {str(target)!r}", where=self._at(target))
        if not isinstance(expr, tuple) or len(expr) != 3 or not isinstance(expr[0], str):
            raise ParseError("a statement applies one function or arithmetic operation",
                             where=self._at(meta), found="a bare value",
                             expected="e.g. 'x = sign(g)' or 'x = g * lr'")
        return (str(target), *expr)

    @lark.v_args(meta=True)
    def return_(self, meta, names):
        if len(names) != 3:
            raise ParseError("wrong number of returned values", where=self._at(meta),
                             found=str(len(names)), expected="3 (update, m, v)")
        return [(str(n), self._at(n)) for n in names]

    def start(self, children):
        _, *statements, returns = children
        defined = set(INPUTS)
        checked = []
        for target, op, args, where in statements:
            arity = FUNCTIONS[op].arity
            if len(args) != arity:
                raise ArityError(f"{op} takes {arity} argument{'s' * (arity != 1)}",
                                 where=where, found=str(len(args)))
            checked.append(Statement(target, op, tuple(self._resolve(a, defined) for a in args)))
            defined.add(target)
        for name, where in returns:
            if name not in defined:
                raise NameError_(f"undefined variable {name!r}", where=where)
        return Program(tuple(checked), tuple(name for name, _ in returns))

    def _resolve(self, arg, defined) -> Atom:
        if isinstance(arg, Const):
            return arg
        var, token = arg
        if var.name not in defined:
            raise NameError_(f"undefined variable {var.name!r}", where=self._at(token),
                             expected="an input (w, g, m, v, lr), an earlier variable or a constant")
        return var


def format_atom(atom: Atom) -> str:
    if isinstance(atom, Var):
        return atom.name
    return atom.name or repr(atom.value)


def format_statement(s: Statement) -> str:
    args = [format_atom(a) for a in s.args]
    infix = next((sym for sym, name in INFIX.items() if name == s.op), None)
    rhs = f" {infix} ".join(args) if infix else f"{s.op}({', '.join(args)})"
    return f"{s.target} = {rhs}"


def format_program(program: Program) -> str:
    lines = [f"def train({', '.join(INPUTS)}):"]
    lines += [f"    {format_statement(s)}" for s in program.statements]
    lines.append(f"    return {', '.join(program.returns)}")
    return "\n".join(lines) + "\n"
