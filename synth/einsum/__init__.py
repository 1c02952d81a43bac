"""The einsum DSL: NumPy subscripts and einops patterns in one grammar, their shapes, and their meaning.

    parse / format       text <-> Expr (grammars/einsum.lark)
    rearrange, reduce,   einops' operations as Exprs
    repeat
    normalize            bind shapes and keyword sizes; the flat index structure (Bound)
    einsum               the reference semantics, in NumPy
    plan                 the contraction order (planning.py)
    compile, hlo         the expression lowered to jax.lax and jit-compiled; its XLA HLO (xla.py)
    check                are two programs (expressions or chains) equivalent? (check.py)
    synthesize           a program from input/output examples (synthesize.py)
"""
from synth.einsum.ast import (KINDS, REDUCTIONS, Anonymous, Axis, Ellipsis_, Expr, Group, Pattern, Term, Unit)
from synth.einsum.check import check
from synth.einsum.planning import Plan, Step, plan
from synth.einsum.semantics import einsum, evaluate
from synth.einsum.shapes import Bound, Operand, normalize
from synth.einsum.syntax import format, parse, rearrange, reduce, repeat
from synth.einsum.synthesize import Example, Found, NotFound, load_example, synthesize

__all__ = ["Anonymous", "Axis", "Bound", "Ellipsis_", "Expr", "Group", "KINDS", "Operand", "Pattern", "Plan", "REDUCTIONS", "Step",
           "Term", "Unit", "einsum", "evaluate", "format", "normalize", "parse", "plan", "rearrange", "reduce",
           "repeat", "check", "compile", "hlo", "Example", "Found", "NotFound", "load_example", "synthesize"]


def __getattr__(name: str):
    # compile and hlo need jax: imported on first use, so that parsing and planning stay light.
    if name in ("compile", "hlo"):
        from synth.einsum import xla
        return getattr(xla, name)
    raise AttributeError(f"module 'synth.einsum' has no attribute {name!r}")
