"""RASP ("Thinking Like Transformers", Weiss et al. 2021): programs whose primitives map onto
transformer layers. Text -> AST (syntax.py) -> s-op graph (interpret.py) -> values on an input
(semantics.py), layers and heads (analysis.py)."""
from synth.dsl.rasp import library
from synth.dsl.rasp.analysis import Layers, layers
from synth.dsl.rasp.ast import Program
from synth.dsl.rasp.interpret import Environment, apply, evaluate, run_file, run_text
from synth.dsl.rasp.semantics import Selection, Sequence, run
from synth.dsl.rasp.syntax import format_program as format
from synth.dsl.rasp.syntax import parse, parse_expression

__all__ = ["library", "Layers", "layers", "Program", "Environment", "apply", "evaluate",
           "run_file", "run_text", "Selection", "Sequence", "run", "format", "parse",
           "parse_expression"]
