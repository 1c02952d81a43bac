"""Rule-based guesses from RISC-V 64 (gcc 12, rv64gc/lp64d, PIE) to AArch64 (GNU as syntax).

Each source instruction becomes a short, fixed AArch64 sequence. What the rules must get right,
because the two ISAs differ there:
  - RISC-V registers are always 64 bits and the LP64 ABI keeps 32-bit values sign-extended, so
    every `*w` operation, `lw` and 32-bit conversion ends in `sxtw` unless a look-ahead within
    the block shows that only the low 32 bits are read before the register is written again;
  - division by zero gives -1 on RISC-V and 0 on AArch64 (`csinv` repairs it, branch-free);
    `rem` by `sdiv` + `msub` already gives the dividend for a zero divisor, as RISC-V does;
  - RISC-V passes variadic floating-point arguments in integer registers (and on the stack
    after a7), AArch64 in v registers: before a call to printf & co the arguments are moved,
    placed by the format string, which is read from the listing;
  - AArch64 has 11 callee-saved integer registers (x19..x29) for RISC-V's 12 (s0..s11): when a
    function uses all of them, the least used one lives in a free callee-saved v register
    (v8..v15, whose low 64 bits AAPCS64 preserves) and goes through a scratch register.
Calls between functions of the listing keep the RISC-V placement (a_i -> x_i, fa_i -> v_i, the
same stack slots), which both sides then agree on; only library calls need the AArch64 one.
"""
from __future__ import annotations

import re
from collections import Counter

from synth.dsl.asm.ast import (
    Directive,
    Imm,
    Instruction,
    Item,
    Keyword,
    Label,
    Listing,
    Mem,
    Reg,
    Shift,
    Sym,
)
from synth.transpile import abi, cfg
from synth.transpile.cfg import Block, Function
from synth.transpile.guess import BlockGuess, Guessed, RegisterMap
from synth.transpile.machine import unsupported
from synth.transpile.riscv64 import canonical

SCRATCH = ("x16", "x17", "x8")

# The fixed part of the map (canonical RISC-V -> canonical AArch64).
_ALWAYS = {"x1": "x30", "x2": "sp", "x8": "x29",
           **{f"x{10 + i}": f"x{i}" for i in range(8)},                       # a0-a7
           **dict(zip(["x5", "x6", "x7", "x28", "x29", "x30", "x31"],           # t0-t6
                      [f"x{i}" for i in range(9, 16)])),
           **{f"f{10 + i}": f"v{i}" for i in range(8)}}                       # fa0-fa7
_FT = dict(zip([f"f{i}" for i in range(8)] + [f"f{i}" for i in range(28, 32)],  # ft0-ft11
               [f"v{i}" for i in range(16, 28)]))
_SAVED = ["x9"] + [f"x{i}" for i in range(18, 28)]                # s1..s11
_SAVED_TARGET = [f"x{i}" for i in range(19, 29)]
_FSAVED = ["f8", "f9"] + [f"f{i}" for i in range(18, 28)]         # fs0..fs11
_FSAVED_TARGET = [f"v{i}" for i in range(8, 16)]

# printf-like callees: how many fixed arguments (the format is the last of them).
VARIADIC = {"printf": 1, "sprintf": 2, "snprintf": 3, "fprintf": 2, "dprintf": 2}

_R64 = {"add": "add", "sub": "sub", "and": "and", "or": "orr", "xor": "eor", "sll": "lsl",
        "srl": "lsr", "sra": "asr", "mul": "mul", "mulh": "smulh", "mulhu": "umulh"}
_R32 = {"addw": "add", "subw": "sub", "mulw": "mul", "sllw": "lsl", "srlw": "lsr", "sraw": "asr"}
_SHIFT_IMM = {"slli": "lsl", "srli": "lsr", "srai": "asr"}
_SHIFT_IMM32 = {"slliw": "lsl", "srliw": "lsr", "sraiw": "asr"}
_LOGIC_IMM = {"andi": "and", "ori": "orr", "xori": "eor"}
# mnemonic -> (AArch64 load/store, register view, bytes)
_LOADS = {"ld": ("ldr", "x", 8), "lw": ("ldrsw", "x", 4), "lwu": ("ldr", "w", 4),
          "lh": ("ldrsh", "x", 2), "lhu": ("ldrh", "w", 2), "lb": ("ldrsb", "x", 1),
          "lbu": ("ldrb", "w", 1), "fld": ("ldr", "d", 8), "flw": ("ldr", "s", 4)}
_STORES = {"sd": ("str", "x", 8), "sw": ("str", "w", 4), "sh": ("strh", "w", 2),
           "sb": ("strb", "w", 1), "fsd": ("str", "d", 8), "fsw": ("str", "s", 4)}
_UNSCALED = {"ldr": "ldur", "ldrsw": "ldursw", "ldrsh": "ldursh", "ldrh": "ldurh", "ldrsb": "ldursb",
             "ldrb": "ldurb", "str": "stur", "strh": "sturh", "strb": "sturb"}
_BRANCH = {"beq": "eq", "bne": "ne", "blt": "lt", "bge": "ge", "bltu": "lo", "bgeu": "hs",
           "bgt": "gt", "ble": "le", "bgtu": "hi", "bleu": "ls"}
_BRANCH_ZERO = {"beqz": "eq", "bnez": "ne", "bltz": "lt", "bgez": "ge", "bgtz": "gt", "blez": "le"}
_SWAPPED = {"eq": "eq", "ne": "ne", "lt": "gt", "gt": "lt", "ge": "le", "le": "ge",
            "lo": "hi", "hi": "lo", "hs": "ls", "ls": "hs"}
_SET = {"slt": "lt", "sltu": "lo", "sgt": "gt", "sgtu": "hi"}
_SET_ZERO = {"seqz": "eq", "snez": "ne", "sltz": "lt", "sgtz": "gt"}
# FP compares: conditions that are false when the operands are unordered (NaN).
_FCMP = {"feq": "eq", "flt": "mi", "fle": "ls", "fgt": "gt", "fge": "ge"}
_F3 = {"fadd": "fadd", "fsub": "fsub", "fmul": "fmul", "fdiv": "fdiv", "fmin": "fminnm", "fmax": "fmaxnm"}
_F2 = {"fsqrt": "fsqrt", "fneg": "fneg", "fabs": "fabs", "fmv": "fmov"}
# RISC-V fmsub = a*b-c is AArch64 fnmsub; fnmsub = -(a*b)+c is fmsub; fnmadd = -(a*b)-c.
_F4 = {"fmadd": "fmadd", "fmsub": "fnmsub", "fnmsub": "fmsub", "fnmadd": "fnmadd"}
_FCVT_INT = {"rtz": "fcvtz", "rne": "fcvtn", "dyn": "fcvtn", "rdn": "fcvtm", "rup": "fcvtp", "rmm": "fcvta"}
_SIGN_SWAP = {"fsgnj": "fmov", "fsgnjn": "fneg", "fsgnjx": "fabs"}

# Instructions that read only the low 32 bits of every register they read (so a preceding
# sxtw of that register is not needed), and those that read only the low bits of one operand.
_READS_LOW32 = {"addw", "addiw", "subw", "mulw", "divw", "divuw", "remw", "remuw", "sllw", "srlw",
                "sraw", "slliw", "srliw", "sraiw", "negw", "sext.w", "fcvt.d.w", "fcvt.s.w",
                "fcvt.d.wu", "fcvt.s.wu", "fmv.w.x"}
_CONTROL = re.compile(r"^(j|jal|jalr|jr|call|tail|ret|b\w*)$")


def _x(n: str) -> Reg:
    return Reg("xzr" if n == "zr" else n)


def _w(n: str) -> Reg:
    return Reg("wzr" if n == "zr" else "wsp" if n == "sp" else "w" + n[1:])


def _d(n: str) -> Reg:
    return Reg("d" + n[1:])


def _s(n: str) -> Reg:
    return Reg("s" + n[1:])


def _view(n: str, kind: str) -> Reg:
    return {"x": _x, "w": _w, "d": _d, "s": _s}[kind](n)


def logical_immediate(value: int, bits: int = 64) -> bool:
    """Whether an AArch64 and/orr/eor can take `value` as its bitmask immediate."""
    full = (1 << bits) - 1
    v = value & full
    if v in (0, full):
        return False
    size = bits
    while size > 2 and (v & ((1 << size // 2) - 1)) == (v >> size // 2) & ((1 << size // 2) - 1):
        size //= 2
    element, mask = v & ((1 << size) - 1), (1 << size) - 1
    ones = element.bit_count()
    return any(((element >> r) | (element << (size - r))) & mask == (1 << ones) - 1 for r in range(size))


def move_immediate(dest: str, value: int) -> list[Instruction]:
    """mov (movz or movn) + movk: any 64-bit value into x-register `dest`, fewest instructions."""
    v = value % (1 << 64)
    chunks = [(v >> (16 * k)) & 0xFFFF for k in range(4)]
    nonzero = [k for k in range(4) if chunks[k]]
    nonones = [k for k in range(4) if chunks[k] != 0xFFFF]
    if len(nonones) < len(nonzero):
        first = nonones[0] if nonones else 0
        start = ~(((~chunks[first]) & 0xFFFF) << (16 * first)) if nonones else -1
        rest = nonones[1:]
    else:
        first = nonzero[0] if nonzero else 0
        start = chunks[first] << (16 * first)
        rest = nonzero[1:]
    start = start - (1 << 64) if start >= 1 << 63 else start
    out = [Instruction("mov", (_x(dest), Imm(start)))]
    out += [Instruction("movk", (_x(dest), Imm(chunks[k]), Shift("lsl", 16 * k)) if k else
                        (_x(dest), Imm(chunks[k]))) for k in rest]
    return out


def argument_places(isa: str, signature: abi.Signature) -> list[tuple[str, int]]:
    """Like abi.argument_registers, but every argument gets a place: (register, 0), or
    ("stack", slot) past the registers (8-byte slots from sp at the call, as both LP64 ABIs
    use for scalars). RISC-V's FP arguments go to integer registers when variadic or when the
    FP registers have run out."""
    a = abi.ABI[isa]
    ints, fps, places, slot = list(a["int_args"]), list(a["fp_args"]), [], 0
    for k, kind in enumerate(signature.args):
        variadic = signature.fixed is not None and k >= signature.fixed
        use_int = kind.startswith("i") or (variadic and a["variadic_fp_in_int"])
        pool = ints if use_int else (fps or (ints if a["variadic_fp_in_int"] else []))
        if pool:
            places.append((pool.pop(0), 0))
        else:
            places.append(("stack", slot))
            slot += 1
    return places


class Riscv64ToAArch64:
    """The Guesser for RISC-V 64 -> AArch64; built on the whole source listing, whose strings
    (printf formats) it reads."""
    source = "riscv64"
    target = "aarch64"

    def __init__(self, listing: Listing):
        self.listing = listing
        self.file = listing.file
        self.strings = cfg.strings(listing)
        self._started = False

    # -- the Protocol ------------------------------------------------------------------------
    def register_map(self, function: Function) -> RegisterMap:
        """Argument, temporary and special registers by the fixed table; callee-saved ones in
        place (s_k -> x(18+k), fs_k -> v(8+k)) where they fit. Registers the function never
        touches still get a target it never writes, since liveness asks that they be preserved."""
        uses: Counter = Counter()
        for block in function.blocks:
            for instr in block.instructions:
                for name in self._registers(instr):
                    uses[name] += 1
        first = next((i for b in function.blocks for i in b.instructions), Instruction("nop"))
        if uses["x3"] or uses["x4"]:
            raise unsupported(first, "gp/tp", self.file, "gp and tp are not translated")
        regs = dict(_ALWAYS)
        regs.update({r: t for r, t in _FT.items() if r in uses})
        natural = {**dict(zip(_SAVED, _SAVED_TARGET)), **dict(zip(_FSAVED, _FSAVED_TARGET))}
        spare_x = [natural[r] for r in _SAVED[:10] if r not in uses]
        spare_v = [natural[r] for r in _FSAVED[:8] if r not in uses]
        regs.update({r: natural[r] for r in natural if r in uses})
        for r in _FSAVED[8:]:
            if r in uses:
                if not spare_v:
                    raise unsupported(first, "fs0-fs11", self.file, "more callee-saved FP registers "
                                      "than AArch64's v8-v15")
                regs[r] = spare_v.pop(0)
        s11 = _SAVED[10]
        if s11 in uses:
            if spare_x:
                regs[s11] = spare_x.pop(0)
            elif spare_v:
                # twelve callee-saved registers for AArch64's eleven: the least used lives in
                # a free callee-saved v register (low 64 bits preserved by AAPCS64)
                homed = min(_SAVED, key=lambda r: (uses[r], -_SAVED.index(r)))
                if homed != s11:
                    regs[s11] = regs[homed]
                regs[homed] = spare_v.pop()
            else:
                raise unsupported(first, "s1-s11", self.file, "register pressure: no free "
                                  "callee-saved register on AArch64")
        taken = set(regs.values())
        pool = ["x18"] + [f"v{i}" for i in range(16, 32) if f"v{i}" not in taken] + spare_v
        for r in ["x3", "x4", *_SAVED, *_FSAVED]:
            if r in regs:
                continue
            if r in natural and natural[r] not in taken:
                regs[r] = natural[r]
            elif pool:
                regs[r] = pool.pop(0)
            taken.add(regs.get(r))
        return RegisterMap(regs, SCRATCH)

    def block(self, function: Function, block: Block, registers: RegisterMap) -> BlockGuess:
        t = _Translation(self, function, block, registers)
        for i, instr in enumerate(block.instructions):
            t.translate(i, instr)
        return BlockGuess(tuple(t.out), tuple(t.notes))

    def data(self, items: tuple[Item, ...]) -> tuple[Item, ...]:
        out: list[Item] = []
        if not self._started:
            self._started = True
            out.append(Directive(".arch", "armv8-a"))
        for item in items:
            if isinstance(item, Directive):
                d = self._directive(item)
                if d is not None:
                    out.append(d)
            elif isinstance(item, Label):
                out.append(Label(item.name))
            elif isinstance(item, Instruction):
                raise unsupported(item, item.mnemonic, self.file, "an instruction outside any function")
            else:
                out.append(item)
        return tuple(out)

    def prologue(self, function: Function) -> tuple[Item, ...]:
        # RISC-V aligns functions to 2 bytes (compressed code), AArch64 needs 4.
        return (Directive(".align", "2"),)

    # -- helpers -----------------------------------------------------------------------------
    def _registers(self, instr: Instruction):
        for op in instr.operands:
            for reg in ((op,) if isinstance(op, Reg) else (op.base,) if isinstance(op, Mem) else ()):
                try:
                    name = canonical(reg.name)
                except ValueError:
                    raise unsupported(instr, instr.mnemonic, self.file, f"unknown register {reg.name}")
                if name != "x0":
                    yield name

    def _directive(self, d: Directive) -> Directive | None:
        # RISC-V-only options, and call-frame information in RISC-V's DWARF register numbers
        if d.name in (".option", ".attribute", ".variant_cc") or d.name.startswith(".cfi_"):
            return None
        renamed = {".dword": ".xword", ".half": ".hword"}.get(d.name, d.name)
        args = d.args
        if d.name in (".type", ".section", ".pushsection"):
            args = re.sub(r"@(function|object|progbits|nobits|note|gnu_\w+)", r"%\1", args)
        return Directive(renamed, args, d.line)

    def format_kinds(self, function: Function, block: Block, index: int, reg: str, depth: int = 3):
        """The printf argument kinds of the format in `reg` before block.instructions[index]:
        every definition that reaches it (back through the CFG) must be an `lla` of a known
        string, or a `mv` from a register whose reaching definitions are; else None."""
        found = set()
        for where in _reaching(function, block.index, index, reg):
            if where is None:
                return None
            b, k = where
            instr = function.blocks[b].instructions[k]
            if instr.mnemonic in ("lla", "la") and isinstance(instr.operands[1], Sym):
                sym = instr.operands[1]
                text = self.strings.get(sym.name)
                if text is None:
                    return None
                found.add(abi.printf_arguments(text[sym.addend:]))
            elif instr.mnemonic == "mv" and depth > 0:
                found.add(self.format_kinds(function, function.blocks[b], k,
                                            canonical(instr.operands[1].name), depth - 1))
            else:
                return None
        return found.pop() if len(found) == 1 else None


_CALLER_SAVED = abi.ABI["riscv64"]["caller_saved"]
_NO_FALLTHROUGH = re.compile(r"^(j|jr|tail|ret)$")


def _reaching(function: Function, block: int, index: int, reg: str) -> set:
    """(block, instruction) of each definition of `reg` that reaches the point before
    instruction `index` of `block`; None among them for a call or the function's entry."""
    blocks = function.blocks
    labels = {b.label: b.index for b in blocks if b.label is not None}
    preds: dict[int, list[int]] = {b.index: [] for b in blocks}
    for b in blocks:
        last = b.instructions[-1] if b.instructions else None
        if b.index + 1 < len(blocks) and not (last is not None and _NO_FALLTHROUGH.match(last.mnemonic)):
            preds[b.index + 1].append(b.index)
        if last is not None and _CONTROL.match(last.mnemonic) and last.mnemonic not in ("call", "tail"):
            target = last.operands[-1] if last.operands else None
            if isinstance(target, Sym) and target.name in labels:
                preds[labels[target.name]].append(b.index)
    found, seen, work = set(), set(), [(block, index)]
    while work:
        b, end = work.pop()
        for k in range(end - 1, -1, -1):
            instr = blocks[b].instructions[k]
            if _dest(instr) == reg:
                found.add((b, k))
                break
            if instr.mnemonic in ("call", "jalr") and reg in _CALLER_SAVED:
                found.add(None)
                break
        else:
            if b == 0:
                found.add(None)
            for p in preds[b]:
                if p not in seen:
                    seen.add(p)
                    work.append((p, len(blocks[p].instructions)))
    return found


def _dest(instr: Instruction) -> str | None:
    """The canonical register an instruction writes (None for stores, branches, calls)."""
    if (not instr.operands or not isinstance(instr.operands[0], Reg) or instr.mnemonic in _STORES
            or _CONTROL.match(instr.mnemonic)):
        return None
    try:
        return canonical(instr.operands[0].name)
    except ValueError:
        return None


def _reads(instr: Instruction, reg: str) -> str:
    """How `instr` reads canonical `reg`: "no", "low" (only the low 32 bits) or "full"."""
    m, ops = instr.mnemonic, instr.operands
    if _CONTROL.match(m):
        return "full"          # calls read argument registers; a branch ends the block anyway
    sources = ops if m in _STORES else ops[1:]
    how = "no"
    for k, op in enumerate(sources):
        regs = [(op, False)] if isinstance(op, Reg) else [(op.base, True)] if isinstance(op, Mem) else []
        for r, is_base in regs:
            try:
                if canonical(r.name) != reg:
                    continue
            except ValueError:
                continue
            low = (not is_base and (m in _READS_LOW32
                                    or (m in ("sw", "sh", "sb") and k == 0)
                                    or (m in ("sll", "srl", "sra") and k == 1)
                                    or (m == "andi" and isinstance(ops[-1], Imm) and 0 <= ops[-1].value < 1 << 31)))
            if not low:
                return "full"
            how = "low"
    return how


class _Translation:
    """One block's translation: operand resolution (with scratch registers for homed ones)
    and the rules, one method per instruction family."""

    def __init__(self, guesser: Riscv64ToAArch64, function: Function, block: Block, regs: RegisterMap):
        self.g, self.function, self.block, self.regs = guesser, function, block, regs
        self.file = guesser.file
        self.out: list[Guessed] = []
        self.notes: list[str] = []
        self.constants: dict[str, int] = {}

    # -- operands ---------------------------------------------------------------------------
    def _target(self, reg: Reg) -> str:
        name = self._canon(reg)
        if name == "x0":
            return "zr"
        target = self.regs.registers.get(name)
        if target is None:
            raise unsupported(self.instr, self.instr.mnemonic, self.file, f"{reg.name} has no target register")
        return target

    def _canon(self, reg: Reg) -> str:
        try:
            return canonical(reg.name)
        except ValueError:
            raise unsupported(self.instr, self.instr.mnemonic, self.file, f"unknown register {reg.name}")

    def tmp(self) -> str:
        if not self.free:
            raise unsupported(self.instr, self.instr.mnemonic, self.file, "out of scratch registers")
        return self.free.pop(0)

    def src(self, op) -> str:
        """Base name (x5, sp, zr) of the target register holding integer source `op`."""
        if not isinstance(op, Reg):
            raise unsupported(self.instr, self.instr.mnemonic, self.file, "expected a register operand")
        t = self._target(op)
        if t.startswith("v"):                      # homed in a callee-saved v register
            s = self.tmp()
            self.emit("fmov", _x(s), _d(t))
            return s
        return t

    def dst(self, op) -> str:
        t = self._target(op)
        if t.startswith("v"):
            s = self.tmp()
            self.post.append(Instruction("fmov", (_d(t), _x(s))))
            return s
        return t

    def no_sp(self, name: str) -> str:
        """A register that is not sp (copied to a scratch one if it is)."""
        if name != "sp":
            return name
        t = self.tmp()
        self.emit("mov", _x(t), Reg("sp"))
        return t

    def fp(self, op) -> str:
        t = self._target(op)
        if not t.startswith("v"):
            raise unsupported(self.instr, self.instr.mnemonic, self.file, "expected an FP register")
        return t

    def emit(self, mnemonic: str, *operands, confidence=(), alternatives=()):
        self.out.append(Guessed(Instruction(mnemonic, tuple(operands)), (self.i,), tuple(confidence),
                                tuple(alternatives)))

    def fail(self, why: str = ""):
        raise unsupported(self.instr, self.instr.mnemonic, self.file, why)

    # -- driver -----------------------------------------------------------------------------
    def translate(self, i: int, instr: Instruction) -> None:
        self.i, self.instr, self.free, self.post = i, instr, list(SCRATCH), []
        m = instr.mnemonic
        rule = _RULES.get(m)
        if rule is None and m.startswith("f") and "." in m:
            rule = _Translation.float_op
        if rule is None:
            self.fail()
        rule(self, instr)
        for p in self.post:
            self.out.append(Guessed(p, (i,)))
        dest = _dest(instr)
        if dest is not None:
            self.constants.pop(dest, None)
            if m == "li" and isinstance(instr.operands[1], Imm):
                self.constants[dest] = instr.operands[1].value

    def sign_extend(self, d: str) -> None:
        """sxtw after a 32-bit result, unless the block reads only its low half before
        overwriting it (then the verifier's width-aware comparison agrees)."""
        reg = _dest(self.instr)
        for later in self.block.instructions[self.i + 1:]:
            how = _reads(later, reg)
            if how == "full":
                break
            if _dest(later) == reg:
                return
        else:
            # live out of the block: keep it, but a sketch may drop it if only 32 bits are read
            self.emit("sxtw", _x(d), _w(d), alternatives=(Instruction("nop"),))
            return
        self.emit("sxtw", _x(d), _w(d))

    # -- integer arithmetic -------------------------------------------------------------------
    def reg3(self, instr):
        rd, a, b = instr.operands
        op = _R64[instr.mnemonic]
        if instr.mnemonic == "sub" and self._canon(a) == "x0":
            s = self.src(b)
            return self.emit("neg", _x(self.dst(rd)), _x(s))
        sa, sb = self.src(a), self.src(b)
        if sb == "sp" and op == "add":
            sa, sb = sb, sa
        if op not in ("add", "sub") or sb == "sp":
            # register 31 is xzr, not sp, in these encodings
            sa, sb = self.no_sp(sa), self.no_sp(sb)
        self.emit(op, _x(self.dst(rd)), _x(sa), _x(sb))

    def reg3w(self, instr):
        rd, a, b = instr.operands
        sa, sb = self.src(a), self.src(b)
        d = self.dst(rd)
        self.emit(_R32[instr.mnemonic], _w(d), _w(sa), _w(sb))
        self.sign_extend(d)

    def addi(self, instr, *, word=False):
        rd, a, imm = instr.operands
        view = _w if word else _x
        if isinstance(imm, Sym):
            if imm.reloc != "lo" or word:
                self.fail("relocation")
            s = self.src(a)
            return self.emit("add", _x(self.dst(rd)), _x(s), Sym(imm.name, imm.addend, "lo12"),
                             confidence=(1, 1, 0.8))
        value = imm.value
        if self._canon(a) == "x0":
            return self.li_value(rd, value if not word else _sext32(value))
        s = self.src(a)
        d = self.dst(rd)
        if value == 0 and not word:
            self.emit("mov", _x(d), _x(s))
        elif value >= 0:
            self.emit("add", view(d), view(s), Imm(value))
        else:
            self.emit("sub", view(d), view(s), Imm(-value))
        if word:
            self.sign_extend(d)

    def addiw(self, instr):
        self.addi(instr, word=True)

    def logic_imm(self, instr):
        rd, a, imm = instr.operands
        value = imm.value
        if instr.mnemonic == "xori" and value == -1:
            s = self.src(a)
            return self.emit("mvn", _x(self.dst(rd)), _x(s))
        s = self.no_sp(self.src(a))
        if logical_immediate(value):
            return self.emit(_LOGIC_IMM[instr.mnemonic], _x(self.dst(rd)), _x(s), Imm(value))
        if value == 0:   # and with 0 clears; or/xor with 0 copy
            d = self.dst(rd)
            return self.emit("mov", _x(d), Imm(0)) if instr.mnemonic == "andi" else self.emit("mov", _x(d), _x(s))
        t = self.tmp()
        for k in move_immediate(t, value):
            self.out.append(Guessed(k, (self.i,)))
        self.emit(_LOGIC_IMM[instr.mnemonic], _x(self.dst(rd)), _x(s), _x(t))

    def shift_imm(self, instr):
        rd, a, imm = instr.operands
        s = self.src(a)
        self.emit(_SHIFT_IMM[instr.mnemonic], _x(self.dst(rd)), _x(s), Imm(imm.value))

    def shift_imm32(self, instr):
        rd, a, imm = instr.operands
        s = self.src(a)
        d = self.dst(rd)
        self.emit(_SHIFT_IMM32[instr.mnemonic], _w(d), _w(s), Imm(imm.value))
        self.sign_extend(d)

    def mv(self, instr):
        rd, a = instr.operands
        s = self.src(a)
        self.emit("mov", _x(self.dst(rd)), _x(s))

    def li(self, instr):
        rd, imm = instr.operands
        if not isinstance(imm, Imm):
            self.fail("li of a symbol")
        self.li_value(rd, imm.value)

    def li_value(self, rd, value):
        for k in move_immediate(self.dst(rd), value):
            self.out.append(Guessed(k, (self.i,)))

    def lui(self, instr):
        rd, imm = instr.operands
        if isinstance(imm, Sym) and imm.reloc == "hi":
            # adrp gives the 4 KiB page, %hi the rounded one: the same once %lo/:lo12: is added
            return self.emit("adrp", _x(self.dst(rd)), Sym(imm.name, imm.addend), confidence=(1, 0.5))
        if not isinstance(imm, Imm):
            self.fail("relocation")
        self.li_value(rd, _sext32(imm.value << 12))

    def unary(self, instr):
        rd, a = instr.operands
        s = self.src(a)
        d = self.dst(rd)
        m = instr.mnemonic
        if m == "neg":
            self.emit("neg", _x(d), _x(s))
        elif m == "not":
            self.emit("mvn", _x(d), _x(s))
        elif m == "negw":
            self.emit("neg", _w(d), _w(s))
            self.sign_extend(d)
        elif m == "sext.w":
            self.emit("sxtw", _x(d), _w(s))
        elif m == "zext.b":
            self.emit("and", _x(d), _x(s), Imm(255))

    def set_compare(self, instr):
        rd, a, b = instr.operands
        cond = _SET[instr.mnemonic]
        if self.compare(a, b):
            cond = _SWAPPED[cond]
        self.emit("cset", _x(self.dst(rd)), Keyword(cond))

    def set_zero(self, instr):
        rd, a = instr.operands
        self.emit("cmp", _x(self.src(a)), Imm(0))
        self.emit("cset", _x(self.dst(rd)), Keyword(_SET_ZERO[instr.mnemonic]))

    def set_imm(self, instr):
        rd, a, imm = instr.operands
        self.compare_imm(self.src(a), imm.value)
        self.emit("cset", _x(self.dst(rd)), Keyword("lt" if instr.mnemonic == "slti" else "lo"))

    def compare(self, a, b) -> bool:
        """cmp for a, b; True when the operands were swapped (a was zero)."""
        if self._canon(b) == "x0":
            self.emit("cmp", _x(self.src(a)), Imm(0))
            return False
        if self._canon(a) == "x0":
            self.emit("cmp", _x(self.src(b)), Imm(0))
            return True
        sa, sb = self.src(a), self.src(b)
        self.emit("cmp", _x(sa), _x(sb))
        return False

    def compare_imm(self, s: str, value: int):
        if value >= 0:
            self.emit("cmp", _x(s), Imm(value))
        else:
            self.emit("cmn", _x(s), Imm(-value))

    # -- multiply and divide ------------------------------------------------------------------
    def divide(self, instr):
        rd, a, b = instr.operands
        m = instr.mnemonic
        word = m.endswith("w")
        view = _w if word else _x
        signed = m in ("div", "divw", "rem", "remw")
        sa, sb = self.src(a), self.src(b)
        d = self.dst(rd)
        divide = "sdiv" if signed else "udiv"
        known = self.constants.get(self._canon(b))
        if m.startswith("div") and known is not None and known % (1 << 64) != 0:
            self.emit(divide, view(d), view(sa), view(sb))
        else:
            q = self.tmp()
            self.emit(divide, view(q), view(sa), view(sb))
            if m.startswith("rem"):
                # a - (a/b)*b: the dividend when b == 0 and 0 on overflow, as RISC-V defines
                self.emit("msub", view(d), view(q), view(sb), view(sa))
            else:
                # RISC-V gives all ones for a zero divisor, AArch64 0
                self.emit("cmp", view(sb), Imm(0))
                self.emit("csinv", view(d), view(q), view("zr"), Keyword("ne"))
        if word:
            self.sign_extend(d)

    # -- memory -------------------------------------------------------------------------------
    def address(self, mem: Mem, size: int, mnemonic: str, temp: str | None = None) -> tuple[str, Mem]:
        if isinstance(mem, Sym) and mem.reloc is None:
            # `ld a4, .LC0` / `fld fa5, .LC0, a5`: the assembler's auipc into the temporary
            # (the destination when none is named) + ld; here adrp + :lo12:
            t = temp or self.tmp()
            self.emit("adrp", _x(t), Sym(mem.name, mem.addend))
            return mnemonic, Mem(_x(t), Sym(mem.name, mem.addend, "lo12"))
        if not isinstance(mem, Mem):
            self.fail("expected a memory operand")
        base = self.src(mem.base)
        off = mem.offset
        if off is None:
            return mnemonic, Mem(_x(base))
        if isinstance(off, Sym):
            if off.reloc != "lo":
                self.fail("relocation")
            return mnemonic, Mem(_x(base), Sym(off.name, off.addend, "lo12"))
        value = off.value
        if value == 0:
            return mnemonic, Mem(_x(base))
        if value > 0 and value % size == 0 and value // size < 4096:
            return mnemonic, Mem(_x(base), Imm(value))
        if -256 <= value < 256:
            return _UNSCALED[mnemonic], Mem(_x(base), Imm(value))
        t = self.tmp()
        self.emit("add" if value > 0 else "sub", _x(t), _x(base), Imm(abs(value)))
        return mnemonic, Mem(_x(t))

    def load(self, instr):
        rd, mem = instr.operands[:2]
        op, kind, size = _LOADS[instr.mnemonic]
        d = self.fp(rd) if kind in "ds" else self.dst(rd)
        temp = self.dst(instr.operands[2]) if len(instr.operands) > 2 else None if kind in "ds" else d
        mnemonic, address = self.address(mem, size, op, temp)
        alternatives = ()
        if instr.mnemonic == "lw":
            alternatives = (Instruction(mnemonic.replace("sw", ""), (_w(d), address)),)
        self.emit(mnemonic, _view(d, kind), address, alternatives=alternatives)

    def store(self, instr):
        rs, mem = instr.operands[:2]
        op, kind, size = _STORES[instr.mnemonic]
        s = self.fp(rs) if kind in "ds" else self.src(rs)
        temp = self.dst(instr.operands[2]) if len(instr.operands) > 2 else None
        mnemonic, address = self.address(mem, size, op, temp)
        self.emit(mnemonic, _view(s, kind), address)

    def lla(self, instr):
        rd, sym = instr.operands
        if not isinstance(sym, Sym):
            self.fail("expected a symbol")
        d = self.dst(rd)
        plain = Sym(sym.name, sym.addend)
        if instr.mnemonic == "la" and not sym.name.startswith(".L"):
            # la goes through the GOT under -fPIC; the address is the same either way
            self.emit("adrp", _x(d), Sym(sym.name, 0, "got"),
                      alternatives=(Instruction("adrp", (_x(d), plain)),))
            self.emit("ldr", _x(d), Mem(_x(d), Sym(sym.name, 0, "got_lo12")))
            if sym.addend:
                self.emit("add", _x(d), _x(d), Imm(sym.addend))
            return
        self.emit("adrp", _x(d), plain)
        self.emit("add", _x(d), _x(d), Sym(sym.name, sym.addend, "lo12"))

    # -- control flow -------------------------------------------------------------------------
    def branch(self, instr):
        a, b, label = instr.operands
        cond = _BRANCH[instr.mnemonic]
        target = self.label(label)
        za, zb = self._canon(a) == "x0", self._canon(b) == "x0"
        if cond in ("eq", "ne") and (za or zb):
            r = self.src(b if za else a)
            return self.emit("cbz" if cond == "eq" else "cbnz", _x(r), target)
        if self.compare(a, b):
            cond = _SWAPPED[cond]
        self.emit("b." + cond, target)

    def branch_zero(self, instr):
        a, label = instr.operands
        cond = _BRANCH_ZERO[instr.mnemonic]
        target = self.label(label)
        s = self.src(a)
        if cond in ("eq", "ne"):
            return self.emit("cbz" if cond == "eq" else "cbnz", _x(s), target)
        self.emit("cmp", _x(s), Imm(0))
        self.emit("b." + cond, target)

    def label(self, op) -> Sym:
        if not isinstance(op, Sym):
            self.fail("expected a label")
        return Sym(op.name, op.addend)

    def jump(self, instr):
        self.emit("b", self.label(instr.operands[0]))

    def jal(self, instr):
        ops = instr.operands
        if len(ops) == 1:
            return self.call_symbol(ops[0], "bl")
        rd, target = ops
        link = self._canon(rd)
        if link == "x0":
            return self.emit("b", self.label(target))
        if link != "x1":
            self.fail("a link register other than ra")
        self.call_symbol(target, "bl")

    def jr(self, instr):
        ops = instr.operands
        reg = ops[0].base if isinstance(ops[0], Mem) else ops[0]
        if isinstance(ops[0], Mem) and ops[0].offset not in (None, Imm(0)):
            self.fail("offset")
        if self._canon(reg) == "x1":
            return self.emit("ret")
        # a jump-table branch or an indirect tail call
        self.indirect("br", reg)

    def jalr(self, instr):
        ops = instr.operands
        if len(ops) == 1:
            link, reg = "x1", ops[0]
        elif len(ops) == 2 and isinstance(ops[1], Mem):
            link, reg = self._canon(ops[0]), ops[1].base
            if ops[1].offset not in (None, Imm(0)):
                self.fail("offset")
        elif len(ops) == 3 and ops[2] == Imm(0):
            link, reg = self._canon(ops[0]), ops[1]
        else:
            return self.fail()
        if isinstance(reg, Mem):
            reg = reg.base
        if link == "x0":
            if self._canon(reg) == "x1":
                return self.emit("ret")
            return self.indirect("br", reg)
        if link != "x1":
            self.fail("a link register other than ra")
        self.indirect("blr", reg)

    def indirect(self, mnemonic: str, reg: Reg):
        """jalr clears bit 0 of the target; so does the `and` (a no-op for real code addresses,
        which are even, but it makes the two jumps equal for every register value)."""
        s = self.src(reg)
        t = self.tmp()
        self.emit("and", _x(t), _x(s), Imm(-2), alternatives=(Instruction("nop"),))
        self.emit(mnemonic, _x(t), alternatives=(Instruction(mnemonic, (_x(s),)),))

    def ret(self, instr):
        self.emit("ret")

    def call(self, instr):
        self.call_symbol(instr.operands[0], "bl" if instr.mnemonic == "call" else "b")

    def call_symbol(self, op, mnemonic):
        if not isinstance(op, Sym):
            self.fail("expected a function name")
        name = op.name
        confidence = ()
        if name in VARIADIC:
            confidence = self.variadic_arguments(name)
        self.emit(mnemonic, Sym(name, op.addend), confidence=confidence)

    def variadic_arguments(self, name: str):
        """Move printf's arguments from RISC-V places (FP in integer registers, then stack) to
        AArch64 places (FP in v registers); both ABIs fill 8-byte stack slots from sp."""
        fixed = VARIADIC[name]
        kinds = self.g.format_kinds(self.function, self.block, self.i, f"x{10 + fixed - 1}")
        if kinds is None:
            self.notes.append(f"{name} at line {self.instr.line}: format string not found; "
                              "assumed integer arguments")
            return (0.5,)
        if "f64" not in kinds:
            return ()
        sig = abi.Signature(("i64",) * fixed + tuple(kinds), "i32", fixed=fixed)
        src, dst = argument_places("riscv64", sig), argument_places("aarch64", sig)

        def place(where, mapped):
            reg, slot = where
            if reg == "stack":
                return ("stack", slot)
            return (self.regs.registers[reg], None) if mapped else (reg, None)

        moves = [(s, d) for s, d in ((place(s, True), place(d, False)) for s, d in zip(src, dst)) if s != d]
        # FP destinations first (they read integer registers and stack slots that later moves
        # overwrite), then integer registers in increasing order (each comes from the same or
        # a higher-numbered register), then loads from the stack, then the stack compacted.
        for s, d in moves:
            if d[0].startswith("v"):
                if s[0] == "stack":
                    self.emit("ldr", _d(d[0]), _stack(s[1]))
                elif s[0].startswith("v"):
                    self.emit("fmov", _d(d[0]), _d(s[0]))
                else:
                    self.emit("fmov", _d(d[0]), _x(s[0]))
        int_moves = [(d[0], s) for s, d in moves if d[0] != "stack" and not d[0].startswith("v")]
        for d, s in sorted(int_moves, key=lambda m: (m[1][0] == "stack", int(m[0][1:]))):
            if s[0] == "stack":
                self.emit("ldr", _x(d), _stack(s[1]))
            elif s[0].startswith("v"):
                self.emit("fmov", _x(d), _d(s[0]))
            else:
                self.emit("mov", _x(d), _x(s[0]))
        for s, d in sorted(((s, d) for s, d in moves if d[0] == "stack"), key=lambda m: m[1][1]):
            where = _stack(d[1])
            if s[0] == "stack":
                t = self.tmp()
                self.emit("ldr", _x(t), _stack(s[1]))
                self.emit("str", _x(t), where)
                self.free.insert(0, t)
            else:
                self.emit("str", _d(s[0]) if s[0].startswith("v") else _x(s[0]), where)
        if any(d[0] == "stack" for _, d in moves):
            self.notes.append(f"{name} at line {self.instr.line}: stack arguments rearranged for AArch64")
        return ()

    def nop(self, instr):
        self.emit("nop")

    # -- floating point -----------------------------------------------------------------------
    def float_op(self, instr):
        m, ops = instr.mnemonic, instr.operands
        parts = m.split(".")
        base = parts[0]
        if len(parts) == 3:
            return self.float_move_convert(instr)
        if len(parts) != 2 or parts[1] not in "ds":
            return self.fail()
        view = _d if parts[1] == "d" else _s
        rounding = ops[-1] if ops and isinstance(ops[-1], Keyword) else None
        if rounding is not None and rounding.name not in ("dyn", "rne"):
            self.fail(f"rounding mode {rounding.name}")
        ops = ops[:-1] if rounding is not None else ops
        if base in _FCMP:
            rd, a, b = ops
            self.emit("fcmp", view(self.fp(a)), view(self.fp(b)))
            return self.emit("cset", _x(self.dst(rd)), Keyword(_FCMP[base]))
        if base in _F3:
            rd, a, b = ops
            # fminnm/fmaxnm differ from fmin/fmax only on signalling NaNs
            return self.emit(_F3[base], view(self.fp(rd)), view(self.fp(a)), view(self.fp(b)),
                             confidence=(0.9, 0.9, 0.9) if base in ("fmin", "fmax") else ())
        if base in _F2:
            rd, a = ops
            return self.emit(_F2[base], view(self.fp(rd)), view(self.fp(a)))
        if base in _F4:
            rd, a, b, c = ops
            return self.emit(_F4[base], *(view(self.fp(r)) for r in (rd, a, b, c)))
        if base in _SIGN_SWAP:
            rd, a, b = ops
            if self._canon(a) != self._canon(b):
                self.fail("sign injection from another register")
            return self.emit(_SIGN_SWAP[base], view(self.fp(rd)), view(self.fp(a)))
        self.fail()

    def float_move_convert(self, instr):
        m, ops = instr.mnemonic, instr.operands
        _, to, frm = (m.split(".") + [""])[:3]
        rounding = ops[-1].name if ops and isinstance(ops[-1], Keyword) else "dyn"
        rd, a = ops[0], ops[1]
        fview = {"d": _d, "s": _s}
        if m.startswith("fmv."):
            if m in ("fmv.x.d", "fmv.x.w"):
                s = self.fp(a)
                d = self.dst(rd)
                if m == "fmv.x.d":
                    return self.emit("fmov", _x(d), _d(s))
                self.emit("fmov", _w(d), _s(s))
                return self.sign_extend(d)
            if m == "fmv.d.x":
                s = self.src(a)
                return self.emit("fmov", _d(self.fp(rd)), _x(s))
            if m == "fmv.w.x":
                s = self.src(a)
                return self.emit("fmov", _s(self.fp(rd)), _w(s))
            return self.fail()
        if to in "ds" and frm in "ds":                      # fcvt.d.s, fcvt.s.d
            return self.emit("fcvt", fview[to](self.fp(rd)), fview[frm](self.fp(a)))
        if to in "ds":                                      # integer -> FP
            s = self.src(a)
            view = _w if frm in ("w", "wu") else _x
            if frm not in ("w", "wu", "l", "lu"):
                self.fail()
            return self.emit("ucvtf" if frm.endswith("u") else "scvtf", fview[to](self.fp(rd)), view(s))
        if frm in "ds" and to in ("w", "wu", "l", "lu"):    # FP -> integer
            if rounding not in _FCVT_INT:
                self.fail(f"rounding mode {rounding}")
            s = self.fp(a)
            d = self.dst(rd)
            word = to in ("w", "wu")
            mnemonic = _FCVT_INT[rounding] + ("u" if to.endswith("u") else "s")
            # NaN converts to the largest integer on RISC-V, to 0 on AArch64
            self.emit(mnemonic, (_w if word else _x)(d), fview[frm](s), confidence=(1, 0.9))
            if word:
                self.sign_extend(d)   # RISC-V sign-extends fcvt.wu.d's 32-bit result too
            return
        self.fail()


def _stack(slot: int) -> Mem:
    return Mem(Reg("sp"), Imm(8 * slot) if slot else None)


def _sext32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


_RULES = {
    **{m: _Translation.reg3 for m in _R64}, **{m: _Translation.reg3w for m in _R32},
    **{m: _Translation.shift_imm for m in _SHIFT_IMM}, **{m: _Translation.shift_imm32 for m in _SHIFT_IMM32},
    **{m: _Translation.logic_imm for m in _LOGIC_IMM},
    **{m: _Translation.divide for m in ("div", "divu", "rem", "remu", "divw", "divuw", "remw", "remuw")},
    **{m: _Translation.load for m in _LOADS}, **{m: _Translation.store for m in _STORES},
    **{m: _Translation.branch for m in _BRANCH}, **{m: _Translation.branch_zero for m in _BRANCH_ZERO},
    **{m: _Translation.set_compare for m in _SET}, **{m: _Translation.set_zero for m in _SET_ZERO},
    **{m: _Translation.unary for m in ("neg", "negw", "not", "sext.w", "zext.b")},
    "addi": _Translation.addi, "addiw": _Translation.addiw, "mv": _Translation.mv, "li": _Translation.li,
    "lui": _Translation.lui, "slti": _Translation.set_imm, "sltiu": _Translation.set_imm,
    "lla": _Translation.lla, "la": _Translation.lla, "j": _Translation.jump, "jal": _Translation.jal,
    "jr": _Translation.jr, "jalr": _Translation.jalr, "ret": _Translation.ret, "call": _Translation.call,
    "tail": _Translation.call, "nop": _Translation.nop,
}
