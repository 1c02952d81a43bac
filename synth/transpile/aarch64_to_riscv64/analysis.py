"""Facts about the source program that the rules need, computed once before any block is
translated: each function's blocks and successors, liveness with widths (effects.py), whether
it returns a 32-bit int, which v registers it uses at 128 bits, which blocks leave the flags
live; the call graph and what each function clobbers (gcc's IPA-RA keeps values in
caller-saved registers across calls to local functions that leave them alone)."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from synth.dsl.asm.ast import Imm, Listing, Mem, Reg, Sym
from synth.errors import SynthError
from synth.transpile import abi, cfg, dataflow
from synth.transpile.aarch64 import SEMANTICS
from synth.transpile.aarch64_to_riscv64 import effects
from synth.transpile.aarch64_to_riscv64.calls import LIBRARY, call_signature
from synth.transpile.aarch64_to_riscv64.mnemonics import (
    COMPARES,
    FLAG_READERS,
    FLAG_SETTERS,
    STORES,
    branch_condition,
    is_control,
)
from synth.transpile.aarch64_to_riscv64.registers import (
    CALLER_SAVED,
    regs_of,
    source_reg,
)
from synth.transpile.aarch64_to_riscv64.tables import Table, jump_tables
from synth.transpile.cfg import Block, Function


@dataclass
class FunctionInfo:
    function: Function
    successors: list[list[int]]
    need_after: list[list[dict[str, int]]] = field(default_factory=list)
    live_in: list[dict[str, int]] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    labels: set[str] = field(default_factory=set)
    return_bits: int = 64
    writes_x0: bool = False
    wide_across: set[str] = field(default_factory=set)  # v registers whose upper half crosses blocks
    uniform: set[str] = field(default_factory=set)      # v registers whose two halves are always equal
    flags_live_out: set[int] = field(default_factory=set)   # blocks whose flags a successor reads


class Analysis:
    """The whole-program facts of a listing; `info` answers for any function."""

    def __init__(self, listing: Listing, program: cfg.Program):
        self.listing = listing
        self.program = program
        self.strings = cfg.strings(listing)
        self.infos: dict[str, FunctionInfo] = {}
        self.calls: dict[str, set[str]] = {}
        self.clobbers: dict[str, set[str]] = {}
        self._taken = cfg.address_taken(listing, {f.name for f in program.functions})
        self._signatures: dict[tuple, abi.Signature | None] = {}
        self._analysed = False

    def info(self, function: Function) -> FunctionInfo:
        self.analyse()
        if function.name not in self.infos:   # a function not of this listing
            self.infos[function.name] = self._function_info(function)
            self._liveness(self.infos[function.name])
        return self.infos[function.name]

    def analyse(self) -> None:
        """The facts of every function of the listing (once)."""
        if self._analysed:
            return
        self._analysed = True
        for f in self.program.functions:
            self.infos[f.name] = self._function_info(f)
        self._call_graph()
        # The first pass assumes every callee reads all its argument registers in full and
        # returns 32 bits; later passes use what the one before found, until nothing changes.
        for _ in range(4):
            for info in self.infos.values():
                self._liveness(info)
            bits = {name: self._return_bits(info) for name, info in self.infos.items()}
            if all(bits[n] == i.return_bits for n, i in self.infos.items()):
                break
            for name, info in self.infos.items():
                info.return_bits = bits[name]

    def _return_bits(self, info: FunctionInfo) -> int:
        """64 if a 64-bit write of x0 reaches a `ret` or a caller reads x0 in full after a call
        to the function; else 32 (an int result, which LP64D wants sign-extended)."""
        if info.function.name == "main":
            return 32
        blocks = info.function.blocks
        state_in = [0] * len(blocks)
        bits_at_return = 0
        for _ in range(len(blocks) + 1):
            changed = False
            for j, block in enumerate(blocks):
                width = state_in[j]
                for instr in block.instructions:
                    mn = instr.mnemonic
                    if mn == "ret":
                        bits_at_return = max(bits_at_return, width)
                    elif mn == "b" and instr.operands[0].name not in info.labels:
                        bits_at_return = max(bits_at_return, self._callee_return_bits(instr.operands[0].name))
                    elif mn == "bl":
                        width = self._callee_return_bits(instr.operands[0].name)
                    elif mn == "blr":
                        width = 64
                    elif "x0" in effects.writes_simple(instr):
                        width = 64 if instr.operands[0].name == "x0" else 32
                for succ in info.successors[j]:
                    if width > state_in[succ]:
                        state_in[succ], changed = width, True
            if not changed:
                break
        callers = 0
        taken = self.address_taken(info.function.name)
        for other in self.infos.values():
            for j, block in enumerate(other.function.blocks):
                for k, instr in enumerate(block.instructions):
                    direct = instr.mnemonic == "bl" and instr.operands[0].name == info.function.name
                    if (direct or taken and instr.mnemonic == "blr") and other.need_after:
                        callers = max(callers, other.need_after[j][k].get("x0", 0))
        return 64 if max(bits_at_return, callers) > 32 else 32

    def _callee_return_bits(self, callee: str) -> int:
        if callee in self.infos:
            return self.infos[callee].return_bits
        signature = LIBRARY.get(callee)
        if signature is not None and signature.returns in ("i32", None):
            return 32
        return 64

    def _function_info(self, function: Function) -> FunctionInfo:
        labels = {b.label for b in function.blocks if b.label}
        index = {b.label: k for k, b in enumerate(function.blocks) if b.label}
        tables = jump_tables(function)
        successors = []
        for k, block in enumerate(function.blocks):
            last = block.instructions[-1] if block.instructions else None
            nxt = [k + 1] if k + 1 < len(function.blocks) else []
            if last is None:
                successors.append(nxt)
                continue
            mn = last.mnemonic
            target = next((op.name for op in last.operands if isinstance(op, Sym)), None)
            if mn == "b":
                successors.append([index[target]] if target in index else [])
            elif branch_condition(mn) or mn in ("cbz", "cbnz", "tbz", "tbnz"):
                successors.append(([index[target]] if target in index else []) + nxt)
            elif mn == "br":
                targets = {t for table in tables.values() for t in table.targets}
                successors.append(sorted(index[t] for t in (targets or labels) if t in index))
            elif mn == "ret":
                successors.append([])
            else:
                successors.append(nxt)
        info = FunctionInfo(function, successors, tables=tables, labels=labels)
        for block in function.blocks:
            for instr in block.instructions:
                if "x0" in effects.writes_simple(instr) and instr.mnemonic not in ("bl", "blr"):
                    info.writes_x0 = True
        info.return_bits = 32
        info.wide_across = _wide_across(function)
        info.uniform = _uniform(function)
        info.flags_live_out = _flags_live_out(function, successors)
        return info

    def signature(self, function: Function, block: Block, k: int, callee: str) -> abi.Signature | None:
        """The callee's signature at the call, instruction k of block (calls.call_signature)."""
        key = (function.name, block.index, k, callee)
        if key not in self._signatures:
            self._signatures[key] = call_signature(function, block, k, callee, self.strings)
        return self._signatures[key]

    def _liveness(self, info: FunctionInfo) -> None:
        blocks = info.function.blocks
        per_instruction = [[self.effect(info, b, k) for k in range(len(b.instructions))] for b in blocks]
        live_in: list[dict[str, int]] = [{} for _ in blocks]
        changed = True
        while changed:
            changed = False
            for j in reversed(range(len(blocks))):
                live = functools.reduce(dataflow.merge, (live_in[s] for s in info.successors[j]), {})
                for eff in reversed(per_instruction[j]):
                    live = effects.transfer(eff, live)
                if live != live_in[j]:
                    live_in[j], changed = live, True
        info.live_in = live_in
        info.need_after = []
        for j, block in enumerate(blocks):
            live = functools.reduce(dataflow.merge, (live_in[s] for s in info.successors[j]), {})
            after = []
            for eff in reversed(per_instruction[j]):
                after.append(live)
                live = effects.transfer(eff, live)
            info.need_after.append(list(reversed(after)))

    def _call_graph(self) -> None:
        """Local callees, and what each function clobbers among the caller-saved registers of
        AArch64 (gcc's IPA-RA keeps values in caller-saved registers across calls to local
        functions that leave them alone, so the target must leave them alone too)."""
        for name, info in self.infos.items():
            callees, outside = set(), False
            for block in info.function.blocks:
                for instr in block.instructions:
                    mn = instr.mnemonic
                    if mn in ("bl", "b") and isinstance(instr.operands[0], Sym) \
                            and instr.operands[0].name not in info.labels:
                        if instr.operands[0].name in self.infos:
                            callees.add(instr.operands[0].name)
                        else:
                            outside = True
                    elif mn == "blr":
                        outside = True
            self.calls[name] = callees
            self.clobbers[name] = (CALLER_SAVED if outside else set()) | \
                (direct_writes(info.function) & CALLER_SAVED)
        changed = True
        while changed:
            changed = False
            for name, callees in self.calls.items():
                for g in callees:
                    if not self.clobbers[g] <= self.clobbers[name]:
                        self.clobbers[name] |= self.clobbers[g]
                        changed = True

    def address_taken(self, name: str) -> bool:
        return name in self._taken

    def effect(self, info: FunctionInfo, block: Block, k: int) -> effects.Effect:
        """What instruction k of block reads and writes among the integer registers."""
        return effects.effect(self, info, block, k)


def direct_writes(function: Function) -> set[str]:
    """The source registers some instruction of the function writes."""
    out = set()
    for block in function.blocks:
        for instr in block.instructions:
            for op in instr.operands:
                if isinstance(op, Mem) and op.mode in ("pre", "post"):
                    out.add(source_reg(op.base)[0])
            mn = instr.mnemonic
            if (STORES.match(mn) or mn in COMPARES or is_control(instr) or mn == "prfm"
                    or not instr.operands or isinstance(instr.operands[0], Mem)):
                continue
            written = list(regs_of(instr.operands[0]))
            if mn in ("ldp", "ldpsw", "ldnp"):
                written += regs_of(instr.operands[1])
            out.update(source_reg(r)[0] for r in written)
    out.discard("zr")
    return out


def _wide_across(function: Function) -> set[str]:
    """The v registers whose upper 64 bits some block reads before writing them: what the
    semantics reads and writes (dataflow.effect), so a lane op's destination is a write and
    saddw2's narrow operand a read of the upper half. Every write of a v register defines its
    upper half (a 64-bit form zeroes it; a lane insert also reads it)."""
    out = set()
    for block in function.blocks:
        defined = set()
        for instr in block.instructions:
            try:
                eff = dataflow.effect(SEMANTICS, instr)
            except SynthError:      # no semantics: the block rule reports the instruction
                continue
            out |= {r for r, bits in eff.reads.items() if r[0] == "v" and bits > 64 and r not in defined}
            defined |= {r for r in eff.writes if r[0] == "v"}
    return out


_FULL = frozenset(["16b", "8h", "4s", "2d"])


def _replicates(instr) -> bool:
    """Whether the instruction writes one 64-bit pattern into both halves of its v register:
    a constant or a duplicated value in every lane of a 128-bit arrangement."""
    d = instr.operands[0] if instr.operands else None
    if not isinstance(d, Reg) or d.arrangement not in _FULL or d.lane is not None:
        return False
    return instr.mnemonic in ("movi", "mvni", "dup") or (
        instr.mnemonic == "fmov" and isinstance(instr.operands[1], Imm))


def _uniform(function: Function) -> set[str]:
    """The v registers whose halves are equal wherever they are read: every write of them
    replicates (movi v.4s, dup...), and the first block writes them before any read, so no
    value from the caller is assumed. Their upper half needs no register of its own: it is
    the lower one's (gcc keeps a vectorised loop's constants so, and FP registers are scarce)."""
    every: dict[str, bool] = {}
    for block in function.blocks:
        for instr in block.instructions:
            try:
                eff = dataflow.effect(SEMANTICS, instr)
            except SynthError:
                return set()
            for r in eff.writes:
                if r[0] == "v":
                    every[r] = every.get(r, True) and _replicates(instr)
    defined, read_first = set(), set()
    # the entry: the first block with instructions (label-only blocks before it fall through)
    entry = next((b for b in function.blocks if b.instructions), None)
    for instr in entry.instructions if entry else ():
        eff = dataflow.effect(SEMANTICS, instr)
        read_first |= set(eff.reads) - defined
        defined |= eff.writes
    return {r for r, ok in every.items() if ok and r in defined and r not in read_first}


def _flags_live_out(function: Function, successors: list[list[int]]) -> set[int]:
    """Blocks after whose end some path reads the flags before setting them."""
    first = []
    for block in function.blocks:
        kind = None
        for instr in block.instructions:
            if instr.mnemonic in FLAG_READERS or branch_condition(instr.mnemonic):
                kind = "read"
                break
            if instr.mnemonic in FLAG_SETTERS or instr.mnemonic in ("bl", "blr"):
                kind = "set"
                break
        first.append(kind)
    live_in = {j for j, kind in enumerate(first) if kind == "read"}
    changed = True
    while changed:
        changed = False
        for j, kind in enumerate(first):
            if kind is None and j not in live_in and any(s in live_in for s in successors[j]):
                live_in.add(j)
                changed = True
    return {j for j in range(len(function.blocks)) if any(s in live_in for s in successors[j])}
