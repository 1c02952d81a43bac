"""One block's translation: the rules (one method per source mnemonic, `_<mnemonic>`, in the
mixins of the other modules) on a common plumbing: target names of source operands, scratch
registers (and integer registers homed in FP ones, and v registers' upper halves spilled to
memory, swapped in around each use), and what is known of each target register (extension
state, constant, symbol, page)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from synth.dsl.asm.ast import Imm, Instruction, Mem, Reg, Shift, Sym
from synth.errors import SynthError
from synth.transpile import dataflow
from synth.transpile.aarch64 import SEMANTICS
from synth.transpile.aarch64_to_riscv64.allocation import spill_label
from synth.transpile.aarch64_to_riscv64.analysis import FunctionInfo
from synth.transpile.aarch64_to_riscv64.arithmetic import ArithmeticRules
from synth.transpile.aarch64_to_riscv64.calls import CallRules
from synth.transpile.aarch64_to_riscv64.flags import FlagRules, Flags
from synth.transpile.aarch64_to_riscv64.floating import FloatRules
from synth.transpile.aarch64_to_riscv64.memory import MemoryRules
from synth.transpile.aarch64_to_riscv64.mnemonics import COMPARES, STORES, is_control
from synth.transpile.aarch64_to_riscv64.moves import MoveRules
from synth.transpile.aarch64_to_riscv64.registers import (
    abi_name,
    canonical_x,
    regs_of,
    source_reg,
)
from synth.transpile.aarch64_to_riscv64.selects import SelectRules
from synth.transpile.aarch64_to_riscv64.tables import TableRules
from synth.transpile.aarch64_to_riscv64.values import (
    BOTH,
    SEXT,
    ZEXT,
    Unsupported,
    fits12,
    operand,
    sext32,
    signed64,
)
from synth.transpile.aarch64_to_riscv64.vectors import VectorRules
from synth.transpile.cfg import Block
from synth.transpile.guess import BlockGuess, Guessed, RegisterMap
from synth.transpile.machine import unsupported

if TYPE_CHECKING:
    from synth.transpile.aarch64_to_riscv64.guesser import AArch64ToRiscv64

# Target mnemonics whose first operand is read, not written.
_RV_NO_DEST = frozenset(["sd", "sw", "sh", "sb", "fsd", "fsw", "beq", "bne", "blt", "bge", "bltu", "bgeu",
                         "beqz", "bnez", "bltz", "bgez", "j", "jr", "jalr", "call", "tail", "ret"])


class BlockTranslator(VectorRules, MoveRules, ArithmeticRules, MemoryRules, TableRules, FlagRules,
                      SelectRules, CallRules, FloatRules):
    """Translates one source block (see the module docstring)."""

    def __init__(self, guesser: AArch64ToRiscv64, info: FunctionInfo, index: int, block: Block,
                 registers: RegisterMap):
        self.g, self.info, self.index, self.block = guesser, info, index, block
        self.map = registers.registers
        self.high = guesser.allocation.high.get(info.function.name, {})
        # upper halves in the spill area, and the FP scratch registers they are loaded into
        # for the current instruction
        self.spilled = guesser.allocation.spilled.get(info.function.name, {})
        self.unspilled: dict[tuple[str, int], str] = {}
        # integer source registers homed in FP registers, and their swap registers this instruction
        self.homes = {r: abi_name(t) for r, t in self.map.items() if r.startswith("x") and t.startswith("f")}
        self.swap: dict[str, str] = {}
        self.int_scratch = [abi_name(r) for r in registers.scratch if r.startswith("x")]
        self.fp_scratch = [abi_name(r) for r in registers.scratch
                           if r.startswith("f") and r not in self.high.values()]
        self.out: list[Guessed] = []
        self.notes: list[str] = []
        self.ext: dict[str, str | None] = {}
        self.const: dict[str, int] = {}
        self.sym: dict[str, Sym] = {}         # target register -> the symbol address it holds
        self.page: dict[str, str] = {}        # target register -> the symbol whose page it holds
        self.deferred: dict[str, int] = {}    # source register -> its adrp not emitted (yet)
        self.flags: Flags | None = None
        self.pinned: list[str] = []
        self.used: list[str] = []
        self.k = 0
        self.skip: set[int] = set()
        self.block_high: dict[str, str] = {}
        self.depth = 0
        self.scratch_names = registers.scratch

    # -- plumbing --

    def run(self) -> BlockGuess:
        from synth.dsl.asm.syntax import format_instruction
        self.flags = self._inherited_flags()
        for k, instr in enumerate(self.block.instructions):
            if k in self.skip:
                continue
            self.k, self.used = k, []
            handler = self.vector_handler(instr) or getattr(self, "_" + instr.mnemonic.replace(".", "_"), None)
            try:
                if handler is None:
                    raise Unsupported("no rule")
                self._protect_flags(self._target_writes())
                homed = self._swap_in(instr)
                handler(instr, *instr.operands)
                self._swap_out(homed)
                self._spill()
            except Unsupported as e:
                raise unsupported(instr, format_instruction(instr, "aarch64"), self.g.file,
                                  f"{self.info.function.name}: {e}") from None
            except (ValueError, IndexError, AttributeError, TypeError, KeyError) as e:
                raise unsupported(instr, format_instruction(instr, "aarch64"), self.g.file,
                                  f"{self.info.function.name}: operands not understood ({e})") from None
        return BlockGuess(tuple(self.out), tuple(self.notes))

    def _swap_in(self, instr: Instruction) -> list[str]:
        """Bring the instruction's FP-homed integer registers into scratch registers."""
        names = {source_reg(r)[0] for op in instr.operands for r in regs_of(op)} & set(self.homes)
        if not names:
            return []
        eff = self.g.analysis.effect(self.info, self.block, self.k)
        for r in sorted(names):
            s = self.scratch()
            self.swap[r] = s
            if r in eff.reads or r not in eff.writes:
                self.emit("fmv.x.d", s, self.homes[r])
                self.ext[s] = self.ext.get(self.homes[r])
        return [r for r in sorted(names) if r in eff.writes]

    def _swap_out(self, written: list[str]) -> None:
        for r in written:
            s, home = self.swap[r], self.homes[r]
            self.emit("fmv.d.x", home, s)
            self.ext[home] = self.ext.get(s)
        f = self.flags
        if f is not None:   # a compared value stays in its swap register until the flags change
            self.pinned += [x for x in (f.a, f.b, f.result)
                            if x in self.swap.values() and x not in self.pinned]
        self.swap = {}

    def unspill(self, name: str, h: int) -> str:
        """The FP scratch register holding half h of spilled v register `name` for the rest of
        this instruction, loaded from its slot at first use (a write after the load is harmless;
        a half not written keeps its value)."""
        if (name, h) not in self.unspilled:
            base = self._spill_base()
            self.unspilled[name, h] = self.fscratch()
            self.emit("fld", self.unspilled[name, h], Mem(Reg(base), Imm(self.spilled[name] + 8 * h)))
            self.release(base)
        return self.unspilled[name, h]

    def _spill(self) -> None:
        """Store back the spilled halves this instruction wrote (all it loaded, if its effect
        is not known: a half not written holds what was loaded)."""
        try:
            writes = dataflow.effect(SEMANTICS, self.block.instructions[self.k]).writes
        except SynthError:
            writes = {name for name, _ in self.unspilled}
        written = [(place, f) for place, f in self.unspilled.items() if place[0] in writes]
        if written:
            base = self._spill_base()
            for (name, h), f in written:
                self.emit("fsd", f, Mem(Reg(base), Imm(self.spilled[name] + 8 * h)))
        self.unspilled = {}

    def _spill_base(self) -> str:
        base = self.scratch()
        self.emit("lla", base, Sym(spill_label(self.info.function.name)))
        return base

    def emit(self, mnemonic: str, *ops, src=None, confidence=(), alternatives=()) -> None:
        instr = Instruction(mnemonic, tuple(operand(o) for o in ops))
        self.out.append(Guessed(instr, src or (self.k,), tuple(confidence), tuple(alternatives)))
        if ops and isinstance(ops[0], str) and mnemonic not in _RV_NO_DEST:
            self._clobber(ops[0])

    def _clobber(self, reg: str) -> None:
        self.ext[reg] = None
        self.const.pop(reg, None)
        self.sym.pop(reg, None)
        self.page.pop(reg, None)

    def known(self, reg: str, state: str | None, const: int | None = None, sym: Sym | None = None) -> None:
        """Record what the last write left in a target register."""
        self.ext[reg] = state
        if const is not None:
            self.const[reg] = const & ((1 << 64) - 1)
        if sym is not None:
            self.sym[reg] = sym

    def scratch(self) -> str:
        """An integer register this instruction may clobber."""
        return self._take(self.int_scratch + self._dead(), self.used, "out of scratch registers")

    def _take(self, candidates: list[str], into: list[str], why: str) -> str:
        """The first candidate neither used by this instruction nor pinned (holding a compared
        value) nor holding an upper half, added to `into` (self.used or self.pinned)."""
        for r in candidates:
            if r not in self.used and r not in self.pinned and r not in self.block_high.values():
                into.append(r)
                self._clobber(r)
                return r
        raise Unsupported(why)

    def _dead(self) -> list[str]:
        """Target registers of source registers dead across the current instruction, which it
        does not name: free to use as scratch (never around a call, whose argument moves write
        registers the source does not)."""
        instr = self.block.instructions[self.k]
        if instr.mnemonic in ("bl", "blr", "b", "ret"):
            return []
        before = self.info.need_after[self.index][self.k - 1] if self.k else self.info.live_in[self.index]
        after = self.info.need_after[self.index][self.k]
        named = {source_reg(r)[0] for op in instr.operands for r in regs_of(op)}
        forbidden = self.g.allocation.forbidden.get(self.info.function.name, set())
        if self.flags is not None:   # a compared register dead in the source still feeds the flags
            forbidden = forbidden | {canonical_x(x) for x in (self.flags.a, self.flags.b, self.flags.result)
                                     if isinstance(x, str)}
        out = []
        for r, t in self.map.items():
            if (r.startswith("x") and t.startswith("x") and r not in ("x29",) and r not in named
                    and r not in before and r not in after and t not in forbidden
                    and abi_name(t) not in self.swap.values()):
                out.append(abi_name(t))
        return out

    def fscratch(self) -> str:
        """An FP register this instruction may clobber."""
        return self._take(self.fp_scratch, self.used, "out of FP scratch registers")

    def t(self, reg: Reg) -> str:
        """The target (ABI) name of a source integer or FP register operand."""
        name, _, _ = source_reg(reg)
        if name == "zr":
            return "zero"
        if name in self.swap:
            return self.swap[name]
        if name in self.homes:
            raise Unsupported(f"{reg.name} is homed in {self.homes[name]} here")
        if name in self.spilled and name not in self.map:
            return self.unspill(name, 0)
        if name not in self.map:
            raise Unsupported(f"{reg.name} has no target register")
        return abi_name(self.map[name])

    def hi(self, reg: Reg) -> str:
        """The target register holding the upper 64 bits of a 128-bit v register: fixed for
        the function if the half crosses blocks, else taken for the rest of this block."""
        name = source_reg(reg)[0]
        if name in self.info.uniform:       # both halves hold the same pattern
            return self.t(reg)
        if name in self.spilled:
            return self.unspill(name, 1)
        if name in self.high:
            return abi_name(self.high[name])
        if name in self.info.wide_across:   # a block register would not carry it to the next block
            raise Unsupported(f"no register for the upper half of {reg.name} across blocks")
        if name not in self.block_high:
            for r in self.fp_scratch:
                if r not in self.used and r not in self.pinned and r not in self.block_high.values():
                    self.block_high[name] = r
                    break
            else:
                raise Unsupported(f"no register for the upper half of {reg.name}")
        return self.block_high[name]

    def bits(self, reg: Reg) -> int:
        return source_reg(reg)[1]

    def need(self, reg: Reg, k: int | None = None) -> int:
        """Bits of `reg` the source reads after instruction k (default: the current one)."""
        name = source_reg(reg)[0]
        return self.info.need_after[self.index][self.k if k is None else k].get(name, 0)

    def _target_writes(self) -> list[str]:
        names = []
        eff = self.g.analysis.effect(self.info, self.block, self.k)
        for w in eff.writes:
            if w in self.map and w not in ("x30",) and w not in self.homes:
                names.append(abi_name(self.map[w]))
        instr = self.block.instructions[self.k]
        mn = instr.mnemonic
        if instr.operands and not (STORES.match(mn) or mn in COMPARES or is_control(instr)):
            dests = instr.operands[:2] if mn in ("ldp", "ldnp") else instr.operands[:1]
            for op in dests:
                for r in regs_of(op) if not isinstance(op, Mem) else ():
                    name = source_reg(r)[0]
                    if name.startswith("v") and name in self.map:
                        names.append(abi_name(self.map[name]))
        return names

    def release(self, reg) -> None:
        """A scratch register of this instruction that is no longer needed."""
        if reg in self.used:
            self.used.remove(reg)

    # -- 32-bit values --

    def is_sext(self, reg: str) -> bool:
        return reg == "zero" or self.ext.get(reg) in (SEXT, BOTH)

    def is_zext(self, reg: str) -> bool:
        return reg == "zero" or self.ext.get(reg) in (ZEXT, BOTH)

    def sext(self, reg: str) -> str:
        """reg, or a scratch copy of it sign-extended from 32 bits."""
        if self.is_sext(reg):
            return reg
        s = self.scratch()
        self.emit("sext.w", s, reg)
        self.ext[s] = SEXT
        return s

    def sext_into(self, reg: str, into: str) -> str:
        """reg if sign-extended from 32 bits, else `into` holding it sign-extended."""
        if self.is_sext(reg):
            return reg
        self.emit("sext.w", into, reg)
        return into

    def zext(self, reg: str, into: str | None = None, shift: int = 0) -> str:
        """reg zero-extended from 32 bits (and shifted left), in `into` or a scratch."""
        if self.is_zext(reg) and not shift and into is None:
            return reg
        dst = into or self.scratch()
        if self.is_zext(reg):
            if shift:
                self.emit("slli", dst, reg, shift)
            elif dst != reg:
                self.emit("mv", dst, reg)
        else:
            self.emit("slli", dst, reg, 32)
            self.emit("srli", dst, dst, 32 - shift)
        self.ext[dst] = ZEXT if not shift else None
        return dst

    def finish_w(self, dest: Reg, rd: str, state: str | None, alternatives=()) -> None:
        """After a 32-bit result lands in rd: zero-extend it if the source reads it at 64 bits."""
        if rd == "zero":
            return
        if self.need(dest) > 32 and state not in (ZEXT, BOTH):
            self.emit("slli", rd, rd, 32)
            self.emit("srli", rd, rd, 32)
            state = ZEXT
        self.known(rd, state)

    def imm_reg(self, value: int) -> str:
        if value == 0:
            return "zero"
        s = self.scratch()
        self.emit("li", s, value)
        self.ext[s] = BOTH if 0 <= value < 1 << 31 else SEXT if -(1 << 31) <= value < 0 else None
        return s

    def li(self, rd: str, value: int) -> None:
        self.emit("li", rd, value)

    # -- operands --

    def operand2(self, ops: tuple, bits: int) -> str | int:
        """The flexible second operand: an immediate (int) or a register holding the value."""
        op, *mod = ops
        shift = mod[0] if mod else None
        if isinstance(op, Imm):
            value = op.value << (shift.amount if shift else 0)
            return sext32(value) if bits == 32 else signed64(value)
        reg = self.t(op)
        if shift is None:
            return reg
        return self.shifted(reg, shift, bits, source_reg(op)[1])

    def shifted(self, reg: str, shift: Shift, bits: int, reg_bits: int) -> str:
        amount = shift.amount or 0
        s = self.scratch()
        kind = shift.op
        if kind == "lsl":
            self.emit("slli", s, reg, amount) if amount else self.emit("mv", s, reg)
        elif kind == "lsr":
            self.emit("srliw" if bits == 32 else "srli", s, reg, amount)
        elif kind == "asr":
            self.emit("sraiw" if bits == 32 else "srai", s, reg, amount)
        elif kind == "ror":
            s2 = self.scratch()
            if bits == 32:
                self.emit("srliw", s, reg, amount)
                self.emit("slliw", s2, reg, (32 - amount) % 32)
            else:
                self.emit("srli", s, reg, amount)
                self.emit("slli", s2, reg, (64 - amount) % 64)
            self.emit("or", s, s, s2)
        elif kind in ("uxtw",):
            self.zext(reg, s, amount)
        elif kind in ("uxtb", "uxth", "sxtb", "sxth", "sxtw", "uxtx", "sxtx"):
            self.extend(kind, reg, s)
            if amount:
                self.emit("slli", s, s, amount)
        else:
            raise Unsupported(f"operand modifier {kind}")
        return s

    def extend(self, kind: str, src: str, dst: str) -> None:
        if kind == "uxtb":
            self.emit("andi", dst, src, 255)
            self.ext[dst] = BOTH
        elif kind == "uxth":
            self.emit("slli", dst, src, 48)
            self.emit("srli", dst, dst, 48)
            self.ext[dst] = BOTH
        elif kind == "uxtw":
            self.zext(src, dst)
        elif kind in ("sxtb", "sxth"):
            n = 56 if kind == "sxtb" else 48
            self.emit("slli", dst, src, n)
            self.emit("srai", dst, dst, n)
            self.ext[dst] = SEXT
        elif kind == "sxtw":
            self.emit("sext.w", dst, src)
            self.ext[dst] = SEXT
        elif dst != src:
            self.emit("mv", dst, src)

    def add_imm(self, rd: str, rs: str, value: int, word: bool = False) -> None:
        if value == 0 and not word:
            if rd != rs:
                self.emit("mv", rd, rs)
            return
        if fits12(value):
            self.emit("addiw" if word else "addi", rd, rs, value)
            return
        s = self.scratch()
        self.emit("li", s, value)
        self.emit("addw" if word else "add", rd, rs, s)

    def _nop(self, instr):
        pass
