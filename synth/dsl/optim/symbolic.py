"""Optimizer programs as algebra: sympy expressions to simplify them, Z3 terms to prove equalities.

The two encodings deliberately differ. Sympy sees plain field arithmetic (it cancels y/y even
though the DSL guards division), because a rewrite is only ever a proposal. Z3 sees the concrete
semantics of functions.py over the reals and decides whether a proposal stands: guarded division
exactly as written, other guarded or transcendental functions as uninterpreted functions (they
are elementwise, so equal arguments give equal results), and per-tensor reductions as one fresh
real per distinct argument (a reduction is not a function of one coordinate, so no UF over it).
"""
from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import sympy
import z3

from synth.dsl.optim.ast import INPUTS, NAMED_CONSTANTS, OUTPUTS, Const, Program, Statement, Var
from synth.dsl.optim.functions import FUNCTIONS, TINY

REDUCTIONS = frozenset({"norm", "global_norm", "dot", "cosine_sim"})


class Unsupported(Exception):
    """A value with no exact algebraic counterpart (an infinite constant, a Piecewise, x**0.5)."""


def _exact(value: float) -> Fraction:
    """A constant as the decimal the user wrote (0.1 is 1/10), so 1 - 0.1 equals 0.9 exactly."""
    try:
        return Fraction(repr(float(value)))
    except (ValueError, OverflowError):
        raise Unsupported(f"the constant {value} has no real value") from None


# ---------------------------------------------------------------- sympy: program <-> expressions

SYMBOLS = {name: sympy.Symbol(name, real=True) for name in INPUTS}
_SYMPY: dict[str, Callable] = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "negative": lambda x: -x, "reciprocal": lambda x: 1 / x,
    "square": lambda x: x**2, "cube": lambda x: x**3,
    "interp": lambda x, y, a: (1 - a) * x + a * y,
    "abs": sympy.Abs, "sign": sympy.sign, "max": sympy.Max, "min": sympy.Min,
}
_SYMPY.update({name: sympy.Function(name) for name in FUNCTIONS if name not in _SYMPY})
_OP_OF_HEAD = {sympy.Abs: "abs", sympy.sign: "sign", sympy.Max: "max", sympy.Min: "min"}
_OP_OF_HEAD.update({f: name for name, f in _SYMPY.items() if isinstance(f, sympy.FunctionClass)
                    and name not in ("abs", "sign", "max", "min")})


def to_sympy(program: Program) -> tuple[sympy.Expr, ...]:
    """The returned values as expressions over the symbols w, g, m, v, lr."""
    env = dict(SYMBOLS)
    for s in program.statements:
        args = [env[a.name] if isinstance(a, Var) else sympy.Rational(_exact(a.value))
                for a in s.args]
        env[s.target] = _SYMPY[s.op](*args)
    exprs = tuple(env[name] for name in program.returns)
    if any(e.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) for e in exprs):
        raise Unsupported("a division by the constant zero")
    return exprs


def to_program(exprs) -> Program | None:
    """A straight-line program (temporaries t1, t2, ...) returning exprs as update, m, v."""
    builder = _Builder()
    try:
        atoms = [builder.atom(e) for e in exprs]
    except Unsupported:
        return None
    if any(isinstance(a, Const) for a in atoms):
        return None   # a constant update would not have the parameters' shape
    return _name_outputs(builder.statements, atoms)


class _Builder:
    """Emits one statement per operation, reusing every common subexpression."""

    def __init__(self):
        self.statements: list[Statement] = []
        self._exprs: dict[sympy.Expr, Var | Const] = {}
        self._ops: dict[tuple, Var] = {}

    def emit(self, op: str, *args) -> Var:
        if (op, args) not in self._ops:
            target = f"t{len(self.statements) + 1}"
            self.statements.append(Statement(target, op, args))
            self._ops[op, args] = Var(target)
        return self._ops[op, args]

    def atom(self, e) -> Var | Const:
        if e not in self._exprs:
            self._exprs[e] = self._build(e)
        return self._exprs[e]

    def chain(self, op: str, atoms) -> Var | Const:
        acc, *rest = atoms
        for a in rest:
            acc = self.emit(op, acc, a)
        return acc

    def _build(self, e) -> Var | Const:
        if e.is_Symbol:
            return Var(e.name)
        if e.is_Rational:
            return self.number(e)
        if e.is_Add:
            return self.add(e)
        if e.is_Mul:
            return self.mul(e)
        if e.is_Pow:
            return self.power(e)
        op = _OP_OF_HEAD.get(e.func)
        if op is None or len(e.args) != FUNCTIONS[op].arity and op not in ("max", "min"):
            raise Unsupported(type(e).__name__)
        return self.chain(op, [self.atom(a) for a in e.args]) if op in ("max", "min") \
            else self.emit(op, *(self.atom(a) for a in e.args))

    def number(self, r) -> Var | Const:
        const = _const(r)
        if const is not None:
            return const
        p, q = _const(sympy.Integer(r.p)), _const(sympy.Integer(r.q))
        if p is None or q is None:
            raise Unsupported(f"the constant {r}")
        return self.emit("div", p, q)

    def add(self, e) -> Var | Const:
        terms = e.args
        if len(terms) == 2:
            (c1, x1), (c2, x2) = sorted((t.as_coeff_Mul() for t in terms), key=lambda cx: -cx[0])
            if (c1 + c2 == 1 and 1 not in (c1, c2) and not (x1.is_Number or x2.is_Number)
                    and _const(c2) is not None):
                return self.emit("interp", self.atom(x1), self.atom(x2), _const(c2))
        pos = [t for t in terms if not t.as_coeff_Mul()[0].is_negative]
        neg = [-t for t in terms if t.as_coeff_Mul()[0].is_negative]
        pos.sort(key=lambda t: t.is_Number)
        neg.sort(key=lambda t: t.is_Number)
        acc = self.chain("add", [self.atom(t) for t in pos]) if pos \
            else self.emit("negative", self.atom(neg.pop(0)))
        for t in neg:
            acc = self.emit("sub", acc, self.atom(t))
        return acc

    def mul(self, e) -> Var | Const:
        coeff, factors = e.as_coeff_mul()
        num = [f for f in factors if not _negative_power(f)]
        den = [f.base ** -f.exp for f in factors if _negative_power(f)]
        negate = bool(coeff.is_negative)
        coeff = abs(coeff)
        atoms = [self.atom(f) for f in num]
        if coeff != 1:
            negate, coeff = False, -coeff if negate else coeff
            if _const(coeff) is not None:
                atoms.append(_const(coeff))
            else:   # p/q with no exact decimal: multiply by p, divide by q
                atoms += [] if coeff.p == 1 else [self.number(sympy.Integer(coeff.p))]
                den.append(sympy.Integer(coeff.q))
        acc = self.chain("mul", atoms) if atoms else None
        if den:
            d = self.chain("mul", [self.atom(f) for f in den])
            acc = self.emit("reciprocal", d) if acc is None else self.emit("div", acc, d)
        return self.emit("negative", acc) if negate else acc

    def power(self, e) -> Var | Const:
        base, n = e.base, e.exp
        if not n.is_Integer:
            raise Unsupported(f"the power {e}")
        n = int(n)
        if n < 0:
            return self.emit("reciprocal", self.atom(base ** -n))
        if n <= 3:
            return {1: lambda a: a, 2: lambda a: self.emit("square", a),
                    3: lambda a: self.emit("cube", a)}[n](self.atom(base))
        half = self.emit("square", self.atom(base ** (n // 2)))
        return self.emit("mul", half, self.atom(base)) if n % 2 else half


def _negative_power(f) -> bool:
    return f.is_Pow and f.exp.is_Integer and f.exp.is_negative


def _const(r) -> Const | None:
    """r as a constant, if a float holds it exactly as a decimal (so Z3 reads back r itself)."""
    value = float(r)
    if _exact(value) != Fraction(int(r.p), int(r.q)):
        return None
    name = next((n for n, v in NAMED_CONSTANTS.items() if v == value), None)
    return Const(value, name)


def _name_outputs(statements: list[Statement], atoms: list[Var]) -> Program:
    """Give each returned temporary its output's name where that clobbers no later read."""
    bare = {a.name for a in atoms if a.name in INPUTS}
    where = {s.target: i for i, s in enumerate(statements)}
    names: dict[str, str] = {}
    for output, atom in zip(OUTPUTS, atoms):
        if atom.name in INPUTS or atom.name in names or output in names.values():
            continue
        later = statements[where[atom.name] + 1:]
        if output in INPUTS and (output in bare or any(Var(output) in s.args for s in later)):
            continue
        names[atom.name] = output
    temporaries = (f"t{i}" for i in range(1, len(statements) + 1))
    for s in statements:
        if s.target not in names:
            names[s.target] = next(temporaries)

    def rename(a):
        return Var(names.get(a.name, a.name)) if isinstance(a, Var) else a

    return Program(tuple(Statement(names[s.target], s.op, tuple(map(rename, s.args)))
                         for s in statements),
                   tuple(names.get(a.name, a.name) for a in atoms))


def vector_outputs(program: Program) -> tuple[bool, ...]:
    """Which returned values are parameter-shaped (the rest are scalars, as lr is)."""
    vector = {name: name != "lr" for name in INPUTS}
    for s in program.statements:
        vector[s.target] = s.op in ("norm", "dot", "cosine_sim") or s.op != "global_norm" and any(
            isinstance(a, Var) and vector[a.name] for a in s.args)
    return tuple(vector[name] for name in program.returns)


# ---------------------------------------------------------------- sympy rewrites, time-guarded

_REWRITES: tuple[tuple[Callable, bool], ...] = (   # (rewrite, needs a time guard)
    (lambda e: e, False),
    (sympy.factor_terms, False),
    (sympy.cancel, True),
    (sympy.simplify, True),
)


def simplest(program: Program, seconds: float = 1.0) -> Program | None:
    """The shortest rewrite sympy finds with the same output shapes; None if none is shorter.

    Each step gets `seconds` where a SIGALRM guard is available (the main thread); elsewhere
    the steps that may expand polynomials are skipped.
    """
    try:
        with _time_limit(seconds):
            exprs = to_sympy(program)
    except Exception:   # Unsupported, a timeout, or sympy giving up
        return None
    shapes, best = vector_outputs(program), program
    for rewrite, guarded in _REWRITES:
        try:
            with _time_limit(seconds) as limited:
                if guarded and not limited:
                    continue
                forms = tuple(rewrite(e) for e in exprs)
        except Exception:   # a rewrite that fails or times out is simply not a candidate
            continue
        candidate = to_program(forms)
        if (candidate is not None and vector_outputs(candidate) == shapes
                and len(candidate.statements) < len(best.statements)):
            best = candidate
    return None if best is program else best


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Interrupt the body after `seconds`; yields False (no guard) off the main thread."""
    usable = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
              and signal.getitimer(signal.ITIMER_REAL)[0] == 0)
    if not usable:
        yield False
        return

    def on_alarm(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))   # 0 would mean no timer
    try:
        yield True
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# ---------------------------------------------------------------- Z3: the semantics over the reals

def _rational(value: float) -> z3.ArithRef:
    f = _exact(value)
    return z3.Q(f.numerator, f.denominator)


_Z3_TINY = _rational(TINY)


def _abs(x):
    return z3.If(x >= 0, x, -x)


def _guard(y):
    return z3.If(_abs(y) < _Z3_TINY, z3.If(y < 0, -_Z3_TINY, _Z3_TINY), y)


def _max(x, y):
    return z3.If(x >= y, x, y)


def _min(x, y):
    return z3.If(x <= y, x, y)


_Z3: dict[str, Callable] = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / _guard(y), "reciprocal": lambda x: 1 / _guard(x),
    "max": _max, "min": _min, "clip": lambda x, c: _min(_max(x, -_abs(c)), _abs(c)),
    "interp": lambda x, y, a: (1 - a) * x + a * y, "abs": _abs, "negative": lambda x: -x,
    "sign": lambda x: z3.If(x > 0, z3.RealVal(1), z3.If(x < 0, z3.RealVal(-1), z3.RealVal(0))),
    "square": lambda x: x * x, "cube": lambda x: x * x * x,
}


class Z3Encoder:
    """Encodes programs over shared input reals, sharing UFs and reduction values between them."""

    def __init__(self):
        self.inputs = {name: z3.Real(name) for name in INPUTS}
        self.exact = True        # no UF or opaque reduction used: a model is a real counterexample
        self._reductions: dict[tuple, z3.ArithRef] = {}
        self._keys: list = []    # keeps keyed terms alive, so their ids are not reused

    def encode(self, program: Program) -> list[z3.ArithRef]:
        env = dict(self.inputs)
        for s in program.statements:
            args = [env[a.name] if isinstance(a, Var) else _rational(a.value) for a in s.args]
            env[s.target] = self._apply(s.op, args)
        return [env[name] for name in program.returns]

    def _apply(self, op: str, args):
        if op in _Z3:
            return _Z3[op](*args)
        self.exact = False
        if op in REDUCTIONS:   # a fresh real per argument, normalised so that g + g is 2*g
            keyed = [z3.simplify(a, som=True) for a in args]
            self._keys += keyed
            key = (op, *(a.get_id() for a in keyed))
            return self._reductions.setdefault(key, z3.FreshReal(op))
        f = z3.Function(op, *[z3.RealSort()] * (len(args) + 1))
        return f(*args)


@dataclass(frozen=True)
class Z3Verdict:
    status: str                        # "unsat" (equal), "sat" (a model differs), "unknown"
    exact: bool                        # sat with exact=True is a counterexample over the reals
    model: dict[str, float] | None     # w, g, m, v, lr of a differing model (one coordinate)
    reason: str = ""


def compare(a: Program, b: Program, timeout_ms: int = 2000) -> Z3Verdict:
    """Ask Z3 whether some real inputs make a returned value of `a` differ from `b`'s."""
    encoder = Z3Encoder()
    try:
        pairs = list(zip(encoder.encode(a), encoder.encode(b)))
    except Unsupported as e:
        return Z3Verdict("unknown", False, None, str(e))
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(z3.Or([x != y for x, y in pairs]))
    result = solver.check()
    if result == z3.unsat:
        return Z3Verdict("unsat", encoder.exact, None)
    if result == z3.sat:
        return Z3Verdict("sat", encoder.exact, _values(solver.model(), encoder.inputs))
    return Z3Verdict("unknown", encoder.exact, None, f"z3: {solver.reason_unknown()}")


def _values(model: z3.ModelRef, inputs: dict[str, z3.ArithRef]) -> dict[str, float] | None:
    values = {}
    for name, x in inputs.items():
        v = model.eval(x, model_completion=True)
        if z3.is_algebraic_value(v):
            v = v.approx(20)
        if not z3.is_rational_value(v):
            return None
        try:
            values[name] = float(v.as_fraction())
        except OverflowError:
            return None
    return values
