"""Interpreting a RASP program: statements bind names to values in environments.

Values are atoms (int, float, str, bool), lists (tuples), functions (closures over the
environment they were defined in, so later definitions are visible, as in the REPL), and
s-ops and selectors: nodes of the graph in sops.py. Functions, lists and comprehensions are
worked out here, so an s-op's graph holds only RASP's primitives; running it on an input is
semantics.run.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from synth.dsl.rasp import ast, library, sops
from synth.dsl.rasp.semantics import ELEMENTWISE, Selection, Sequence, run
from synth.dsl.rasp.syntax import parse, parse_expression
from synth.errors import ArityError, EvaluationError, Location, NameError_, SynthError, TypeError_

MAX_LIST = 1_000_000      # range() beyond this is a mistake, not a RASP program


class Environment:
    """Names to values, falling back to the enclosing environment."""

    def __init__(self, parent: Environment | None = None, names: dict | None = None):
        self.parent, self.names = parent, dict(names or {})

    def lookup(self, name: str, where: Location | None):
        env = self
        while env is not None:
            if name in env.names:
                return env.names[name]
            env = env.parent
        if name in ast.BUILTIN_FUNCTIONS:
            raise TypeError_(f"{name} is a built-in function: call it", where=where)
        raise NameError_(f"undefined name {name!r}", where=where)

    def define(self, name: str, value) -> None:
        self.names[name] = value


def base_environment() -> Environment:
    """What every file starts from: the input s-ops (tokens is tokens_str until reassigned)."""
    names = {f"tokens_{t}": node for t, node in sops.TOKENS.items()}
    names.update({"tokens": sops.TOKENS["str"], "indices": sops.INDICES, "length": sops.LENGTH,
                  "True": True, "False": False})
    return Environment(None, names)


@dataclass(eq=False)
class Function:
    name: str
    params: tuple[str, ...]
    body: tuple[ast.Statement, ...]
    result: ast.Expr
    closure: Environment
    interpreter: "Interpreter"   # of the file it was written in: its loads are relative to it


def run_file(path: str | Path) -> Environment:
    """Run a .rasp file; its environment holds every name it defines."""
    path = Path(path)
    return Interpreter(path).run(_read(path, None))


def run_text(text: str, file: str = "<string>") -> Environment:
    """Run program text; `load` looks in the current directory, then in the library."""
    return Interpreter(None, file).run(text)


def evaluate(env: Environment, expression: str, file: str = "--expr"):
    """The value of an expression (e.g. a name the program defines) in a program's environment."""
    e = parse_expression(expression, file)
    try:
        return Interpreter(None, file).expr(e, env)
    except RecursionError:
        raise EvaluationError("recursion too deep", where=e.at) from None


def apply(value, tokens) -> Sequence | Selection:
    """Run an s-op or selector on an input."""
    if not isinstance(value, (sops.SOp, sops.Selector)):
        raise TypeError_("only an s-op or a selector runs on an input", found=describe(value))
    return run(value, tokens)


def describe(value) -> str:
    """The kind of a value, for error messages."""
    match value:
        case sops.SOp():
            return "an s-op"
        case sops.Selector():
            return "a selector"
        case Function(name=name):
            return f"the function {name}"
        case tuple():
            return "a list"
        case bool():
            return f"the bool {value}"
        case str():
            return f'the string "{value}"'
        case int() | float():
            return f"the number {value}"
    return type(value).__name__


class Interpreter:
    def __init__(self, path: Path | None, file: str | None = None, loading: tuple = ()):
        self.path, self.file = path, file or (str(path) if path else "<string>")
        self.loading = loading + ((path.resolve(),) if path else ())

    def run(self, text: str) -> Environment:
        env = Environment(base_environment())
        program = parse(text, self.file)
        try:
            for s in program.statements:
                self.statement(s, env)
        except RecursionError:
            raise EvaluationError("recursion too deep", where=Location(self.file)) from None
        return env

    # statements

    def statement(self, s: ast.Statement, env: Environment) -> None:
        match s:
            case ast.Assign(target=target, value=value):
                env.define(target, self.expr(value, env))
            case ast.ExprStatement(expr=expr):
                env.define("out", self.expr(expr, env))
            case ast.Def(name=name):
                env.define(name, Function(name, s.params, s.body, s.result, env, self))
            case ast.Load(path=name):
                self.load(name, env, s.at)

    def load(self, name: str, env: Environment, where: Location | None) -> None:
        file = name if name.endswith(".rasp") else name + ".rasp"
        here = self.path.parent if self.path else Path.cwd()
        path = next((p for p in (here / file, library.DIRECTORY / file) if p.is_file()), None)
        if path is None:
            raise NameError_(f"cannot load {name!r}", where=where,
                             expected=f"{file} beside {self.file} or in the RASP library "
                                      f"({', '.join(library.NAMES)})")
        if path.resolve() in self.loading:
            raise NameError_(f"load cycle: {path.name} is already being loaded", where=where)
        loaded = Interpreter(path, loading=self.loading).run(_read(path, where))
        for n, v in loaded.names.items():
            if not n.startswith("_") and n != "out":    # underscore names stay private
                env.define(n, v)

    # expressions

    def expr(self, e: ast.Expr, env: Environment):
        match e:
            case ast.Num():
                return e.value
            case ast.Str(value=value):
                return value
            case ast.Name(id=name):
                return env.lookup(name, e.at)
            case ast.ListLit(items=items):
                return tuple(self.expr(i, env) for i in items)
            case ast.ListComp():
                return self.list_comp(e, env)
            case ast.Index():
                return self.index(e, env)
            case ast.Call():
                return self.call(e, env)
            case ast.Select(keys=keys, queries=queries, op=op):
                return sops.Select(self.sop(keys, env, "select's keys"),
                                   self.sop(queries, env, "select's queries"), op, at=e.at)
            case ast.Unary():
                return self.unary(e, env)
            case ast.Binary():
                return self.binary(e, env)
            case ast.IfElse():
                return self.if_else(e, env)
        raise TypeError(f"not a RASP expression: {e!r}")

    def sop(self, e: ast.Expr, env: Environment, role: str) -> sops.SOp:
        """An s-op where one is needed; an atom becomes a constant s-op."""
        value = self.expr(e, env)
        if isinstance(value, sops.SOp):
            return value
        if _is_atom(value):
            return sops.Constant(value, at=e.at)
        raise TypeError_(f"{role} must be an s-op or an atom", where=e.at, found=describe(value))

    def selector(self, e: ast.Expr, env: Environment, role: str) -> sops.Selector:
        value = self.expr(e, env)
        if not isinstance(value, sops.Selector):
            raise TypeError_(f"{role} must be a selector", where=e.at, found=describe(value))
        return value

    def list_comp(self, e: ast.ListComp, env: Environment) -> tuple:
        items = self.expr(e.iterable, env)
        if not isinstance(items, tuple):
            raise TypeError_("a list comprehension iterates over a list", where=e.iterable.at,
                             found=describe(items))
        out = []
        for item in items:
            inner = Environment(env)
            self.bind(e.targets, item, inner, e.at)
            out.append(self.expr(e.element, inner))
        return tuple(out)

    def bind(self, targets: tuple[str, ...], item, env: Environment, where) -> None:
        if len(targets) == 1:
            env.define(targets[0], item)
            return
        if not isinstance(item, tuple) or len(item) != len(targets):
            raise TypeError_(f"cannot unpack into {len(targets)} names", where=where,
                             found=describe(item))
        for name, value in zip(targets, item):
            env.define(name, value)

    def index(self, e: ast.Index, env: Environment):
        target, index = self.expr(e.target, env), self.expr(e.index, env)
        if not isinstance(index, int) or isinstance(index, bool):
            raise TypeError_("an index must be an integer", where=e.index.at, found=describe(index))
        if isinstance(target, sops.SOp):
            # every position reads position `index` (counted from the end if negative)
            where = sops.Constant(index, at=e.at) if index >= 0 else \
                sops.Map("+", (sops.LENGTH, index), at=e.at)
            return sops.Aggregate(sops.Select(sops.INDICES, where, "==", at=e.at), target, at=e.at)
        if not isinstance(target, (tuple, str)):
            raise TypeError_("only lists, strings and s-ops can be indexed", where=e.target.at,
                             found=describe(target))
        if not -len(target) <= index < len(target):
            raise EvaluationError(f"index {index} out of range for a length-{len(target)} "
                                  f"{'list' if isinstance(target, tuple) else 'string'}", where=e.at)
        return target[index]

    def call(self, e: ast.Call, env: Environment):
        if isinstance(e.func, ast.Name) and e.func.id in ast.BUILTIN_FUNCTIONS:
            return self.builtin(e.func.id, e, env)
        func = self.expr(e.func, env)
        args = [self.expr(a, env) for a in e.args]
        if isinstance(func, Function):
            return self.call_function(func, args, e.at)
        if isinstance(func, (sops.SOp, sops.Selector)):     # reverse("hello"): run on an input
            if len(args) != 1 or not isinstance(args[0], (str, tuple)):
                raise TypeError_("an s-op or selector applies to one input (a string or list)",
                                 where=e.at, found=", ".join(map(describe, args)) or "nothing")
            result = run(func, args[0])
            return tuple(map(tuple, result.matrix.tolist())) if isinstance(result, Selection) \
                else result.values
        raise TypeError_("only functions, s-ops and selectors can be called", where=e.func.at,
                         found=describe(func))

    def call_function(self, func: Function, args: list, where: Location | None):
        if len(args) != len(func.params):
            raise ArityError(f"{func.name} takes {len(func.params)} argument"
                             f"{'s' * (len(func.params) != 1)}", where=where, found=str(len(args)))
        env = Environment(func.closure, dict(zip(func.params, args)))
        for s in func.body:
            func.interpreter.statement(s, env)
        return func.interpreter.expr(func.result, env)

    def builtin(self, name: str, e: ast.Call, env: Environment):
        args = e.args
        match name:
            case "aggregate":
                default = self.expr(args[2], env) if len(args) == 3 else None
                if len(args) == 3 and not _is_atom(default):
                    raise TypeError_("aggregate's default must be an atom", where=args[2].at,
                                     found=describe(default))
                return sops.Aggregate(self.selector(args[0], env, "aggregate's first argument"),
                                      self.sop(args[1], env, "aggregate's values"), default,
                                      at=e.at)
            case "selector_width":
                return sops.SelectorWidth(self.selector(args[0], env, "selector_width's argument"),
                                          at=e.at)
        values = [self.expr(a, env) for a in args]
        x = values[0]
        match name:
            case "indicator":
                if not isinstance(x, sops.SOp):
                    raise TypeError_("indicator takes an s-op", where=args[0].at, found=describe(x))
                return sops.Map("indicator", (x,), at=e.at)
            case "round":
                if isinstance(x, sops.SOp):
                    return sops.Map("round", (x,), at=e.at)
                if _is_number(x):
                    return round(x)
                raise TypeError_("round takes an s-op or a number", where=args[0].at,
                                 found=describe(x))
            case "range":
                if not all(_is_integer(v) for v in values):
                    raise TypeError_("range takes integers", where=e.at,
                                     found=", ".join(map(describe, values)))
                r = range(*values)
                if len(r) > MAX_LIST:
                    raise EvaluationError(f"range of {len(r)} numbers", where=e.at,
                                          expected=f"at most {MAX_LIST}")
                return tuple(r)
            case "len":
                if not isinstance(x, tuple):
                    raise TypeError_("len takes a list", where=args[0].at, found=describe(x))
                return len(x)
            case "zip":
                if not all(isinstance(v, tuple) for v in values) or len({len(v) for v in values}) != 1:
                    raise TypeError_("zip takes lists of one length", where=e.at,
                                     found=", ".join(map(describe, values)))
                return tuple(zip(*values))
        raise AssertionError(name)

    def unary(self, e: ast.Unary, env: Environment):
        x = self.expr(e.operand, env)
        if e.op == "not" and isinstance(x, sops.Selector):
            return sops.SelectorNot(x, at=e.at)
        if isinstance(x, sops.SOp):
            return sops.Map({"not": "not", "-": "neg", "+": "pos"}[e.op], (x,), at=e.at)
        if e.op == "not" and _is_atom(x):
            return not x
        if _is_number(x):
            return -x if e.op == "-" else +x
        raise TypeError_(f"cannot apply {e.op!r} to {describe(x)}", where=e.at)

    def binary(self, e: ast.Binary, env: Environment):
        left, right = self.expr(e.left, env), self.expr(e.right, env)
        op, where = e.op, e.at
        if op == "in":
            return self.contains(left, right, where)
        selectors = [isinstance(v, sops.Selector) for v in (left, right)]
        if any(selectors):
            if op in ("and", "or") and all(selectors):
                return (sops.SelectorAnd if op == "and" else sops.SelectorOr)(left, right, at=where)
            raise TypeError_(f"cannot apply {op!r} to {describe(left)} and {describe(right)}",
                             where=where, expected="two selectors, for 'and' and 'or'" if
                             op in ("and", "or") else None)
        if isinstance(left, sops.SOp) or isinstance(right, sops.SOp):
            for v in (left, right):
                if not isinstance(v, sops.SOp) and not _is_atom(v):
                    raise TypeError_(f"cannot apply {op!r} to an s-op and {describe(v)}", where=where)
            return sops.Map(op, (left, right), at=where)
        if op in ("and", "or"):              # Python's meaning on atoms and lists, as the REPL
            return (left and right) if op == "and" else (left or right)
        return self.atoms(op, left, right, where)

    def contains(self, left, right, where):
        if isinstance(left, sops.SOp):
            if not isinstance(right, tuple) or not all(_is_atom(v) for v in right):
                raise TypeError_("'s-op in X' needs X to be a list of atoms", where=where,
                                 found=describe(right))
            return sops.Map("in", (left, right), at=where)
        if not _is_atom(left):
            raise TypeError_("'A in X' needs A to be an s-op or an atom", where=where,
                             found=describe(left))
        if isinstance(right, tuple):
            return left in right
        if isinstance(right, sops.SOp):      # does the atom occur anywhere: one full-attention head
            hits = sops.Map("indicator", (sops.Map("==", (right, left), at=where),), at=where)
            return sops.Map(">", (sops.Aggregate(sops.FULL, hits, at=where), 0), at=where)
        raise TypeError_("'atom in X' needs X to be a list or an s-op", where=where,
                         found=describe(right))

    def atoms(self, op: str, left, right, where):
        if isinstance(left, Function) or isinstance(right, Function):
            raise TypeError_(f"cannot apply {op!r} to a function", where=where)
        try:
            return ELEMENTWISE[op](left, right)
        except TypeError:
            raise TypeError_(f"cannot apply {op!r} to {describe(left)} and {describe(right)}",
                             where=where) from None
        except (ZeroDivisionError, OverflowError, ValueError) as error:
            raise EvaluationError(f"{op!r} failed", where=where, found=str(error)) from None

    def if_else(self, e: ast.IfElse, env: Environment):
        cond = self.expr(e.cond, env)
        if isinstance(cond, sops.SOp):       # elementwise; both branches are computed
            branches = [self.expr(b, env) for b in (e.then, e.orelse)]
            for b, value in zip((e.then, e.orelse), branches):
                if not isinstance(value, sops.SOp) and not _is_atom(value):
                    raise TypeError_("the branches of an elementwise 'if' must be s-ops or atoms",
                                     where=b.at, found=describe(value))
            return sops.Map("if", (cond, *branches), at=e.at)
        if isinstance(cond, sops.Selector):
            raise TypeError_("a condition cannot be a selector", where=e.cond.at)
        return self.expr(e.then if cond else e.orelse, env)   # lazy, so recursion can stop


def _is_atom(v) -> bool:
    return isinstance(v, (int, float, str, bool))


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_integer(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _read(path: Path, where: Location | None) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise SynthError(f"cannot read {path}", where=where, found=e.strerror) from None
