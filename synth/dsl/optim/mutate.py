"""Random programs and the paper's mutations: insert, delete, modify an argument, perturb a constant.

Every mutation returns a program that parses and names only defined variables; whether its
outputs have the parameters' shape is left to abstract execution (semantics.check_shapes).
"""
from __future__ import annotations

import math
import random

from synth.dsl.optim.ast import INPUTS, Atom, Const, Program, Statement, Var
from synth.dsl.optim.functions import FUNCTIONS

MAX_LENGTH = 20
_FUNCTIONS = sorted(FUNCTIONS)
# New statements draw an arity first, then a function of that arity: the twenty-odd unary maps
# would otherwise crowd out the few binary and ternary operators that combine values.
_BY_ARITY = {k: [f for f in _FUNCTIONS if FUNCTIONS[f].arity == k] for k in (1, 2, 3)}
_ARITY_WEIGHTS = (0.4, 0.4, 0.2)
# The optimizer's only memory is m and v; a new statement often updates one of them from
# itself (a recurrence such as an exponential average), as every stateful optimizer must.
_STATE = ("m", "v")
_P_RECURRENCE = 0.3


def random_constant(rng: random.Random, top: float = 0.5) -> Const:
    """Log-uniform in [1e-3, 10**top], rounded to 4 decimals."""
    return Const(round(10 ** rng.uniform(-3, top), 4))


def _random_arg(rng: random.Random, defined: list[str]) -> Atom:
    if rng.random() < 0.2:
        return random_constant(rng)
    return Var(rng.choice(defined))


def _defined_before(program: Program, index: int) -> list[str]:
    names = list(INPUTS)
    for s in program.statements[:index]:
        if s.target not in names:
            names.append(s.target)
    return names


def _fresh(program: Program) -> str:
    taken = set(program.defined)
    return next(f"t{k}" for k in range(len(taken) + 1) if f"t{k}" not in taken)


def random_statement(rng: random.Random, defined: list[str], target: str | None = None) -> Statement:
    arity = rng.choices((1, 2, 3), _ARITY_WEIGHTS)[0]
    f = FUNCTIONS[rng.choice(_BY_ARITY[arity])]
    if target is None and arity > 1 and rng.random() < _P_RECURRENCE:
        target = rng.choice(_STATE)
        if f.name == "interp":
            # The recurrence every stateful optimizer keeps: an exponential moving average of
            # some value, state = interp(state, x, rate) with a rate in (0, 1). Shuffled
            # arguments would make most interps extrapolate or forget at once.
            rate = random_constant(rng, top=0.0)
            return Statement(target, f.name, (Var(target), Var(rng.choice(defined)), rate))
        first = Var(target)
    else:
        first = Var(rng.choice(defined))
    args = [first] + [_random_arg(rng, defined) for _ in range(f.arity - 1)]
    rng.shuffle(args)
    if target is None:
        # Mostly transform a variable in place (g = clip(g, lr), m = interp(m, g, 0.1)), so
        # the new statement changes what follows it instead of starting as dead code.
        variables = [a.name for a in args if isinstance(a, Var)]
        target = rng.choice(variables) if rng.random() < 0.7 else None
    return Statement(target or "_new", f.name, tuple(args))


# Share of insertions that also make a later statement read the new value (see insert).
_P_SPLICE = 0.5


def insert(program: Program, rng: random.Random) -> Program:
    """A new statement at a random place; half the time spliced into the data flow.

    A statement such as m = interp(m, g, 0.1) is dead until something reads m, and the search
    would need a second, independent mutation to redirect a use of g to it (momentum is both
    steps at once). Splicing redirects one later use of one of the new statement's arguments
    to its result, so the insertion starts live.
    """
    i = rng.randint(0, len(program.statements))
    s = random_statement(rng, _defined_before(program, i))
    if s.target == "_new":
        s = Statement(_fresh(program), s.op, s.args)
    later = list(program.statements[i:])
    if rng.random() < _P_SPLICE:
        sources = {a.name for a in s.args if isinstance(a, Var)} - {s.target}
        uses = [(j, k) for j, t in enumerate(later) for k, a in enumerate(t.args)
                if isinstance(a, Var) and a.name in sources]
        if uses:
            j, k = rng.choice(uses)
            args = list(later[j].args)
            args[k] = Var(s.target)
            later[j] = Statement(later[j].target, later[j].op, tuple(args))
    return _with(program, program.statements[:i] + (s,) + tuple(later))


def delete(program: Program, rng: random.Random) -> Program:
    if not program.statements:
        return insert(program, rng)
    i = rng.randrange(len(program.statements))
    return _with(program, program.statements[:i] + program.statements[i + 1:])


def modify_argument(program: Program, rng: random.Random) -> Program:
    if not program.statements:
        return insert(program, rng)
    i = rng.randrange(len(program.statements))
    s = program.statements[i]
    j = rng.randrange(len(s.args))
    args = list(s.args)
    args[j] = _random_arg(rng, _defined_before(program, i))
    return _replace(program, i, Statement(s.target, s.op, tuple(args)))


def modify_function(program: Program, rng: random.Random) -> Program:
    if not program.statements:
        return insert(program, rng)
    i = rng.randrange(len(program.statements))
    s = program.statements[i]
    same_arity = [f for f in _FUNCTIONS if FUNCTIONS[f].arity == len(s.args)]
    return _replace(program, i, Statement(s.target, rng.choice(same_arity), s.args))


def perturb_constant(program: Program, rng: random.Random) -> Program:
    sites = [(i, j) for i, s in enumerate(program.statements)
             for j, a in enumerate(s.args) if isinstance(a, Const) and a.name is None]
    if not sites:
        return modify_argument(program, rng)
    i, j = rng.choice(sites)
    s = program.statements[i]
    args = list(s.args)
    old = args[j].value
    # Constants near 1 (decay rates) move in 1 - c, others multiplicatively.
    if 0.5 < old < 1:
        new = 1 - (1 - old) * 10 ** rng.uniform(-0.5, 0.5)
    else:
        new = old * 10 ** rng.uniform(-0.5, 0.5)
    args[j] = Const(float(f"{new:.4g}") if math.isfinite(new) else old)
    return _replace(program, i, Statement(s.target, s.op, tuple(args)))


MUTATIONS = (insert, delete, modify_argument, modify_function, perturb_constant)


def mutate(program: Program, rng: random.Random) -> Program:
    """One random mutation; long programs only shrink or change in place."""
    choices = MUTATIONS if len(program.statements) < MAX_LENGTH else MUTATIONS[1:]
    return rng.choice(choices)(program, rng)


def random_program(rng: random.Random, length: int = 4) -> Program:
    statements: list[Statement] = []
    program = Program((), ("update", "m", "v"))
    for _ in range(length):
        program = insert(program, rng)
    last = Var(program.statements[-1].target) if program.statements else Var("g")
    statements = program.statements + (Statement("update", "mul", (last, Var("lr"))),)
    return Program(statements, ("update", "m", "v"))


def _replace(program: Program, i: int, s: Statement) -> Program:
    return _with(program, program.statements[:i] + (s,) + program.statements[i + 1:])


def _with(program: Program, statements: tuple[Statement, ...]) -> Program:
    """Rebuild, pointing any use of a variable no longer defined at its nearest stand-in (g)."""
    defined = set(INPUTS)
    fixed = []
    for s in statements:
        args = tuple(a if not isinstance(a, Var) or a.name in defined else Var("g") for a in s.args)
        fixed.append(Statement(s.target, s.op, args))
        defined.add(s.target)
    returns = tuple(r if r in defined else default
                    for r, default in zip(program.returns, ("g", "m", "v")))
    return Program(tuple(fixed), returns)
