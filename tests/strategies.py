"""Hypothesis strategies shared by the optimizer-DSL tests."""
from __future__ import annotations

from hypothesis import strategies as st

from synth.dsl.optim.ast import INPUTS, NAMED_CONSTANTS, OUTPUTS, Const, Program, Statement, Var
from synth.dsl.optim.functions import FUNCTIONS

_NAMES = ("update", "m", "v", "g", "t0", "t1", "t2", "w")


def constants():
    plain = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False, width=32)
    named = st.sampled_from(sorted(NAMED_CONSTANTS)).map(lambda n: Const(NAMED_CONSTANTS[n], n))
    return st.one_of(plain.map(Const), named)


@st.composite
def programs(draw, max_statements: int = 8, ops=tuple(sorted(FUNCTIONS)), consts=None,
             targets=_NAMES, variable_weight: int = 1, returns_update: bool = False) -> Program:
    """Valid programs: every argument names an input, an earlier target or a constant.

    returns_update: at least one statement, the last defining `update` if nothing did, and
    the program returns (update, m, v).
    """
    defined = list(INPUTS)
    statements = []
    count = draw(st.integers(1 if returns_update else 0, max_statements))
    for i in range(count):
        op = draw(st.sampled_from(ops))
        atom = st.one_of(*[st.sampled_from(defined).map(Var)] * variable_weight,
                         consts if consts is not None else constants())
        args = tuple(draw(atom) for _ in range(FUNCTIONS[op].arity))
        last = returns_update and i == count - 1 and "update" not in defined
        target = "update" if last else draw(st.sampled_from(targets))
        statements.append(Statement(target, op, args))
        if target not in defined:
            defined.append(target)
    if returns_update:
        return Program(tuple(statements), OUTPUTS)
    returns = tuple(draw(st.sampled_from(defined)) for _ in range(3))
    return Program(tuple(statements), returns)


def vector_programs(max_statements: int = 8):
    """Programs whose outputs have the parameters' shape (the ones search evaluates)."""
    from synth.dsl.optim.semantics import is_well_shaped
    return programs(max_statements).filter(is_well_shaped)
