"""The einsum DSL: NumPy subscripts and einops patterns in one grammar, their shapes, and their meaning.

    parse / format       text <-> Expr (grammars/einsum.lark)
    rearrange, reduce,   einops' operations as Exprs
    repeat
    normalize            bind shapes and keyword sizes; the flat index structure (Bound)
    einsum               the reference semantics, in NumPy
    plan                 the contraction order (planning.py)
"""
from synth.einsum.ast import (KINDS, REDUCTIONS, Axis, Ellipsis_, Expr, Group, Pattern, Term, Unit)
from synth.einsum.planning import Plan, Step, plan
from synth.einsum.semantics import einsum, evaluate
from synth.einsum.shapes import Bound, Operand, normalize
from synth.einsum.syntax import format, parse, rearrange, reduce, repeat

__all__ = ["Axis", "Bound", "Ellipsis_", "Expr", "Group", "KINDS", "Operand", "Pattern", "Plan", "REDUCTIONS", "Step",
           "Term", "Unit", "einsum", "evaluate", "format", "normalize", "parse", "plan", "rearrange", "reduce",
           "repeat"]
