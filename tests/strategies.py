"""Hypothesis strategies shared by the optimizer-DSL tests."""
from __future__ import annotations

from hypothesis import strategies as st

from synth.dsl.optim.ast import INPUTS, NAMED_CONSTANTS, Const, Program, Statement, Var
from synth.dsl.optim.functions import FUNCTIONS

_NAMES = ("update", "m", "v", "g", "t0", "t1", "t2", "w")
_FUNCTIONS = sorted(FUNCTIONS)


def constants():
    plain = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False, width=32)
    named = st.sampled_from(sorted(NAMED_CONSTANTS)).map(lambda n: Const(NAMED_CONSTANTS[n], n))
    return st.one_of(plain.map(Const), named)


@st.composite
def programs(draw, max_statements: int = 8) -> Program:
    """Valid programs: every argument names an input, an earlier target or a constant."""
    defined = list(INPUTS)
    statements = []
    for _ in range(draw(st.integers(0, max_statements))):
        op = draw(st.sampled_from(_FUNCTIONS))
        args = tuple(draw(st.one_of(st.sampled_from(defined).map(Var), constants()))
                     for _ in range(FUNCTIONS[op].arity))
        target = draw(st.sampled_from(_NAMES))
        statements.append(Statement(target, op, args))
        if target not in defined:
            defined.append(target)
    returns = tuple(draw(st.sampled_from(defined)) for _ in range(3))
    return Program(tuple(statements), returns)


def vector_programs(max_statements: int = 8):
    """Programs whose outputs have the parameters' shape (the ones search evaluates)."""
    from synth.dsl.optim.semantics import is_well_shaped
    return programs(max_statements).filter(is_well_shaped)
