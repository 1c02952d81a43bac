"""Block equivalence: does the target block do what the source block does, for every state?

The two machines start in states related by the register map: each source register live at the
block's entry equals its target register in the bits the source will read (the rest of the
target register is free), and memory is one and the same array. Both blocks run symbolically.
They are equivalent when, at the end,
  - every source register live at the exit equals its target register in the live bits (and
    at a call, every argument its counterpart, in a register or a stack slot),
  - memory is equal,
  - control leaves the same way: the same branch target under an equivalent condition, the
    same callee with equal arguments (placed by each ABI, see abi.py), or a return.
Z3 decides the claim: Proved, a Counterexample (a concrete state that tells them apart), or
Unknown on a timeout or an instruction without semantics. Nothing else counts as a proof.
"""
from __future__ import annotations

from dataclasses import dataclass

import z3

from synth.dsl.asm.ast import Instruction
from synth.errors import SynthError
from synth.sketch.answers import Counterexample, Proved, Unknown
from synth.sketch.solver import prove
from synth.transpile import abi
from synth.transpile.machine import Exit, Semantics, State

TIMEOUT_MS = 5000


@dataclass(frozen=True)
class Slot:
    """The 8 bytes at `offset` from register `base`'s value: a stack-passed argument's place."""
    base: str
    offset: int

    def __str__(self) -> str:
        return f"[{self.base}+{self.offset}]"


@dataclass(frozen=True)
class Upper:
    """Bits 64 and up of a source register wider than any target register (AArch64's v<n>),
    which the target keeps in a register of its own (RegisterMap.upper)."""
    reg: str

    def __str__(self) -> str:
        return f"{self.reg}[127:64]"


@dataclass(frozen=True)
class Obligation:
    """A source place (a register, a Slot, or an Upper half) that must equal a target place in
    its low `bits` at the exit; `extend` says how the target must fill the rest ("sign",
    "ones", or None: free)."""
    source: str | Slot | Upper
    target: str | Slot
    bits: int
    extend: str | None = None


def _at(state: State, place: str | Slot | Upper) -> z3.BitVecRef:
    """A place's value in a state: a register's, the 8 bytes of a slot, or a register's
    upper half."""
    if isinstance(place, Slot):
        return state.load(state.regs[place.base] + place.offset, 8)
    if isinstance(place, Upper):
        whole = state.regs[place.reg]
        return z3.Extract(whole.size() - 1, 64, whole)
    return state.regs[place]


def _filled(low: z3.BitVecRef, width: int, extend: str | None, free: z3.BitVecRef):
    """low widened to `width` bits: sign-extended, padded with ones, or with free's high bits."""
    pad = width - low.size()
    if pad == 0:
        return low
    if extend == "sign":
        return z3.SignExt(pad, low)
    if extend == "ones":
        return z3.Concat(z3.BitVecVal(2**pad - 1, pad), low)
    return z3.Concat(z3.Extract(width - 1, low.size(), free), low)


@dataclass(frozen=True)
class Query:
    """Everything the solver is asked about one block pair (kept for CEGIS and reports)."""
    claims: tuple[z3.BoolRef, ...]
    inputs: tuple[z3.ExprRef, ...]
    labels: tuple[str, ...]           # what each claim says, for counterexamples


def related_states(src: Semantics, dst: Semantics, live_in: dict) -> tuple[State, State]:
    """Fresh symbolic states whose live registers agree: live_in maps source register ->
    (target register, bits[, extend]) (a key may be an Upper half, which may share its
    register with the lower half); the target's other bits are free unless `extend` says.
    Both stack pointers are multiples of 16, as both ABIs keep them (claimed at every exit)."""
    s = State.symbolic(src.widths, "s!")
    t = State.symbolic(dst.widths, "t!")
    t.mem = s.mem
    for state, isa in ((s, src.isa), (t, dst.isa)):
        sp = _stack_pointer(isa)
        state.regs[sp] = z3.Concat(z3.Extract(63, 4, state.regs[sp]), z3.BitVecVal(0, 4))
    held = set()
    # registers first: an Upper half the map keeps in its lower half's register (a v register
    # whose halves are equal) is then related by giving the source's upper half those bits
    for r, (tr, bits, *extend) in sorted(live_in.items(), key=lambda item: isinstance(item[0], Upper)):
        if isinstance(r, Upper) and tr in held:
            whole = s.regs[r.reg]
            top = [z3.Extract(whole.size() - 1, 64 + bits, whole)] if 64 + bits < whole.size() else []
            s.regs[r.reg] = z3.Concat(*top, z3.Extract(bits - 1, 0, t.regs[tr]), z3.Extract(63, 0, whole))
            continue
        low = z3.Extract(bits - 1, 0, _at(s, r))
        t.regs[tr] = _filled(low, t.regs[tr].size(), extend[0] if extend else None, t.regs[tr])
        held.add(tr)
    return s, t


def _stack_pointer(isa: str) -> str:
    return abi.ABI[isa]["frame"][0]


def run(semantics: Semantics, state: State, instructions: tuple[Instruction, ...]) -> Exit | None:
    """Execute a straight-line block; only its last instruction may leave."""
    exit = None
    for k, instr in enumerate(instructions):
        exit = semantics.execute(state, instr)
        if exit is not None and k != len(instructions) - 1 and exit.kind != "call":
            raise _Inner(f"control leaves at instruction {k + 1} of {len(instructions)}")
    return exit


class _Inner(Exception):
    pass


def block_query(src: Semantics, dst: Semantics, source: tuple[Instruction, ...],
                target: tuple[Instruction, ...], live_in: dict[str, tuple[str, int]],
                live_out: list[Obligation], labels_equal=lambda a, b: a == b) -> Query:
    s, t = related_states(src, dst, live_in)
    inputs = tuple(v for v in s.regs.values()) + tuple(v for v in t.regs.values()) + (s.mem,)
    s_exit = run(src, s, source)
    t_exit = run(dst, t, target)
    claims, labels = [], []
    for o in live_out:
        low, there = z3.Extract(o.bits - 1, 0, _at(s, o.source)), _at(t, o.target)
        if o.extend is None:
            claims.append(low == z3.Extract(o.bits - 1, 0, there))
        else:
            claims.append(_filled(low, there.size(), o.extend, there) == there)
        labels.append(f"{o.source}/{o.target} ({o.bits} bits{', ' + o.extend + '-extended' if o.extend else ''})")
    claims.append(s.mem == t.mem)
    labels.append("memory")
    claims.append(z3.Extract(3, 0, s.regs[_stack_pointer(src.isa)]) == 0)
    labels.append("source sp 16-byte aligned")
    claims.append(z3.And(*t.requires))
    labels.append("the target runs (no fault: sp 16-byte aligned where it is a base; holes encodable)")
    claims_exit, labels_exit = _exit_claims(s_exit, t_exit, labels_equal)
    return Query(tuple(claims + claims_exit), inputs, tuple(labels + labels_exit))


def _exit_claims(a: Exit | None, b: Exit | None, labels_equal) -> tuple[list, list]:
    kind = lambda e: "next" if e is None else e.kind
    if kind(a) != kind(b) and not {kind(a), kind(b)} <= {"jump", "branch"}:
        return [z3.BoolVal(False)], [f"control flow: source {kind(a)}, target {kind(b)}"]
    if a is None or a.kind == "return":
        return [], []
    if a.kind in ("call", "indirect") and a.register_target is not None:
        if b.register_target is None:
            return [z3.BoolVal(False)], ["call target: register versus symbol"]
        same = a.register_target == b.register_target
        return [z3.Implies(a.defined, same) if a.defined is not None else same], ["indirect target"]
    if a.kind in ("jump", "branch") or b.kind in ("jump", "branch"):
        ca = a.condition if a.kind == "branch" else z3.BoolVal(True)
        cb = b.condition if b.kind == "branch" else z3.BoolVal(True)
        if not labels_equal(a.target, b.target):
            return [z3.BoolVal(False)], [f"branch target: source {a.target}, target {b.target}"]
        return [ca == cb], ["branch condition"]
    if not labels_equal(a.target, b.target):
        return [z3.BoolVal(False)], [f"callee: source {a.target}, target {b.target}"]
    return [], []


def check(query: Query, timeout_ms: int = TIMEOUT_MS):
    """Proved, Counterexample (registers of the differing state, and which claims failed) or Unknown."""
    verdict = prove(list(query.claims), timeout_ms=timeout_ms)
    if verdict.status == "proved":
        return Proved("z3", "block equivalent under the register map")
    if verdict.status == "unknown":
        return Unknown(verdict.reason)
    model = verdict.model
    failed = [label for c, label in zip(query.claims, query.labels)
              if z3.is_false(model.eval(c, model_completion=True))]
    inputs = {str(x): _value(model, x) for x in query.inputs
              if z3.is_bv(x) and str(x).startswith("s!")}
    return Counterexample(_nonzero(inputs), "equal " + ", ".join(failed[:3]), "different")


def _value(model, x):
    v = model.eval(x, model_completion=True)
    return v.as_long() if z3.is_bv_value(v) else str(v)


def _nonzero(values: dict) -> dict:
    """Only the registers the model set (Z3 completes the rest with 0)."""
    return {k: (hex(v) if isinstance(v, int) else v) for k, v in values.items() if v != 0} or {"all registers": 0}


def check_block(src: Semantics, dst: Semantics, source, target, live_in, live_out,
                labels_equal=lambda a, b: a == b, timeout_ms: int = TIMEOUT_MS):
    """block_query + check, with instructions lacking semantics and inner exits as Unknown."""
    try:
        query = block_query(src, dst, tuple(source), tuple(target), live_in, live_out, labels_equal)
    except SynthError as e:
        return Unknown(e.message())
    except _Inner as e:
        return Unknown(str(e))
    return check(query, timeout_ms)
