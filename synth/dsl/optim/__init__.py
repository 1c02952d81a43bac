"""The optimizer-update DSL of "Symbolic Discovery of Optimization Algorithms" (Lion)."""
from synth.dsl.optim import library
from synth.dsl.optim.ast import INPUTS, OUTPUTS, Const, Program, Statement, Var
from synth.dsl.optim.functions import FUNCTIONS
from synth.dsl.optim.semantics import check_shapes, is_well_shaped, run, to_optax
from synth.dsl.optim.syntax import format_program as format
from synth.dsl.optim.syntax import parse

__all__ = ["INPUTS", "OUTPUTS", "Const", "Program", "Statement", "Var", "FUNCTIONS", "library",
           "check_shapes", "is_well_shaped", "run", "to_optax", "format", "parse"]
