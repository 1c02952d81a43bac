"""Solver-aided queries shared by every DSL: prove a claim, or fill holes by CEGIS.

Both work on Z3 formulas that a DSL builds from its own semantics; neither knows any DSL.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import z3


@dataclass(frozen=True)
class Verdict:
    status: str                       # "proved", "refuted" (model is a counterexample), "unknown"
    model: z3.ModelRef | None = None
    reason: str = ""


def prove(claims: Sequence[z3.BoolRef], assumptions: Sequence[z3.BoolRef] = (),
          timeout_ms: int = 5000) -> Verdict:
    """Do the claims hold for every value of their free constants, under the assumptions?"""
    solver = z3.Solver()
    solver.set("timeout", int(timeout_ms))
    solver.add(*assumptions)
    solver.add(z3.Not(z3.And(*claims)) if claims else z3.BoolVal(False))
    result = solver.check()
    if result == z3.unsat:
        return Verdict("proved")
    if result == z3.sat:
        return Verdict("refuted", solver.model())
    return Verdict("unknown", reason=f"z3 gave up: {solver.reason_unknown()}")


@dataclass(frozen=True)
class Filled:
    """The holes' values that make the claims hold for every input, and how many rounds it took."""
    values: dict[str, z3.ExprRef]
    rounds: int


def cegis(claims: Sequence[z3.BoolRef], holes: Sequence[z3.ExprRef], inputs: Sequence[z3.ExprRef],
          assumptions: Sequence[z3.BoolRef] = (), rounds: int = 16,
          timeout_ms: int = 5000) -> Filled | Verdict:
    """Counterexample-guided inductive synthesis: ∃ holes ∀ inputs. assumptions → claims.

    Synthesis sees the claims only on the inputs of counterexamples found so far (a
    quantifier-free query); verification checks the candidate on every input. Returns the
    holes' values, or a Verdict saying why none was found ("refuted": no values work even on
    the counterexamples; "unknown": a timeout or the round limit).
    """
    goal = z3.Implies(z3.And(*assumptions), z3.And(*claims)) if assumptions else z3.And(*claims)
    synth = z3.Solver()
    synth.set("timeout", int(timeout_ms))
    for k in range(1, rounds + 1):
        result = synth.check()
        if result != z3.sat:
            status = "refuted" if result == z3.unsat else "unknown"
            return Verdict(status, reason="no hole values satisfy every counterexample"
                           if status == "refuted" else f"z3 gave up: {synth.reason_unknown()}")
        candidate = synth.model()
        values = {str(h): candidate.eval(h, model_completion=True) for h in holes}
        fixed = [(h, values[str(h)]) for h in holes]
        verdict = prove([z3.substitute(goal, *fixed)] if fixed else [goal], timeout_ms=timeout_ms)
        if verdict.status == "proved":
            return Filled(values, k)
        if verdict.status == "unknown":
            return verdict
        point = [(x, verdict.model.eval(x, model_completion=True)) for x in inputs]
        synth.add(z3.substitute(goal, *point) if point else goal)
    return Verdict("unknown", reason=f"no proof after {rounds} CEGIS rounds")
