"""Register maps across the call graph. The fixed part follows both ABIs (arguments, frame and
link registers, stack pointer, callee-saved registers); AArch64's caller-saved temporaries
take RISC-V temporaries, the most used first, and the rest live in free FP registers (moved
through a scratch register around each use). Maps are made callers first: a callee keeps
clear of the target registers its callers hold across the call, as gcc's IPA-RA lets them."""
from __future__ import annotations

from synth.transpile.aarch64_to_riscv64.analysis import Analysis, FunctionInfo, direct_writes
from synth.transpile.aarch64_to_riscv64.registers import CALLER_SAVED, CALLER_SAVED_X, regs_of, source_reg
from synth.transpile.cfg import Function
from synth.transpile.guess import RegisterMap
from synth.transpile.machine import UnsupportedInstruction

# Fixed by the two ABIs: arguments, frame pointer, link register, stack pointer, callee-saved.
# x8, AArch64's indirect-result register, is t0 everywhere: caller and callee must agree.
_FIXED = {**{f"x{i}": f"x{10 + i}" for i in range(8)}, "x8": "x5", "sp": "x2", "x29": "x8", "x30": "x1",
          "x19": "x9", **{f"x{19 + i}": f"x{17 + i}" for i in range(1, 10)},
          **{f"v{i}": f"f{10 + i}" for i in range(8)}, "v8": "f8", "v9": "f9",
          **{f"v{i}": f"f{8 + i}" for i in range(10, 16)}}
_INT_POOL = ["x6", "x7", "x28", "x29"]                              # t1-t4
_INT_SCRATCH = ["x30", "x31"]      # t5, t6: scratch in every function, so never held across a call
_FP_POOL = [f"f{i}" for i in range(8)] + [f"f{i}" for i in range(28, 32)]   # ft0-ft11
_INT_TEMPS = [f"x{i}" for i in range(9, 19)]                         # AArch64 caller-saved temps
_FP_TEMPS = [f"v{i}" for i in range(16, 32)]
_MIN_FP_SCRATCH = 1
# A function that spills keeps more FP scratch: an instruction loads the spilled halves it
# names (three v operands: up to six) into scratch registers, and a block's own upper halves
# hold theirs for the rest of the block (t3_printf_many -O2's loop: 6 run out, 8 do not).
_SPILL_FP_SCRATCH = 8
_CALLEE_SAVED_X = frozenset(f"x{i}" for i in range(19, 29))


class Allocation:
    """The register map of every function of a listing, and what the block rules must respect:
    `forbidden`, the target registers a caller holds across a call to the function; `high`,
    the FP register holding the upper half of each 128-bit v register live across blocks;
    `spilled`, the byte offset in the function's spill area (`spill_label`) of the 16-byte
    slot of each v register that found no FP registers (the least used): its low half at +0
    unless the map gives it a register (v0-v15 are fixed), its upper half at +8."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis
        self.maps: dict[str, RegisterMap] = {}
        self.errors: dict[str, UnsupportedInstruction] = {}
        self.forbidden: dict[str, set[str]] = {}
        self.high: dict[str, dict[str, str]] = {}
        self.spilled: dict[str, dict[str, int]] = {}
        self._allocated = False

    def register_map(self, info: FunctionInfo) -> RegisterMap:
        name = info.function.name
        if name not in self.maps and name not in self.errors:
            self.maps[name] = self._map_function(info, set(), {})
        if name in self.errors:
            raise self.errors[name]
        return self.maps[name]

    def allocate(self) -> None:
        """Register maps for every function, callers before callees: a callee keeps clear of
        the target registers its callers hold live across the call (once)."""
        if self._allocated:
            return
        self._allocated = True
        roots = [n for n in self.analysis.infos if not any(n in c for m, c in self.analysis.calls.items() if m != n)]
        order, seen = [], set()

        def visit(n):
            if n in seen:
                return
            seen.add(n)
            for g in sorted(self.analysis.calls[n]):
                visit(g)
            order.append(n)
        for n in roots + list(self.analysis.infos):
            visit(n)
        order.reverse()
        forbidden: dict[str, set[str]] = {n: set() for n in self.analysis.infos}
        self.forbidden = forbidden
        for name in order:
            info = self.analysis.infos[name]
            sites = self._call_sites(info)
            avoid: dict[str, set[str]] = {}
            for across, g in sites:
                hit = {_FIXED[x] for x in self.analysis.clobbers[g] if x in _FIXED}
                if g in self.maps:   # a cycle: the callee is already placed
                    hit |= self._target_clobbers(g)
                for r in across:
                    avoid.setdefault(r, set()).update(hit)
            try:
                regs = self._map_function(info, forbidden[name], avoid)
            except UnsupportedInstruction as e:
                self.errors[name] = e
                continue
            self.maps[name] = regs
            for across, g in sites:
                forbidden[g] |= {regs.registers[r] for r in across if r in regs.registers} | forbidden[name]

    def _call_sites(self, info: FunctionInfo) -> list[tuple[set[str], str]]:
        """(source registers that may be live across the call, callee) of each local call."""
        fp_used = {source_reg(r)[0] for b in info.function.blocks for i in b.instructions
                   for op in i.operands for r in regs_of(op)} & CALLER_SAVED
        fp_used = {r for r in fp_used if r.startswith("v")}
        sites = []
        for j, block in enumerate(info.function.blocks):
            for k, instr in enumerate(block.instructions):
                if instr.mnemonic == "bl" and instr.operands[0].name in self.analysis.infos:
                    g = instr.operands[0].name
                    live = set(info.need_after[j][k]) if info.need_after else set(CALLER_SAVED_X)
                    across = ((live & CALLER_SAVED) | fp_used) - self.analysis.clobbers[g] - {"x30"}
                    sites.append((across, g))
        return sites

    def _target_clobbers(self, name: str) -> set[str]:
        regs = self.maps[name]
        out = set(regs.scratch)
        written = direct_writes(self.analysis.infos[name].function)
        out |= {regs.registers[r] for r in written if r in regs.registers}
        for g in self.analysis.calls[name]:
            if g in self.maps and g != name:
                out |= set(self.maps[g].scratch) | {t for r, t in self.maps[g].registers.items()
                                                     if r in self.analysis.clobbers[g]}
        return out

    def _map_function(self, info: FunctionInfo, forbidden: set[str],
                      avoid: dict[str, set[str]]) -> RegisterMap:
        function = info.function
        # Besides what the function names: the registers live through it to its return (the
        # callee-saved ones, and the return registers), which a verifier relates too.
        # The argument registers too: a verifier that cannot read a printf format takes every
        # argument register as live before the call.
        used: set[str] = {"x30", "sp", *_CALLEE_SAVED_X, "x29", *(f"x{i}" for i in range(8)),
                          *(f"v{i}" for i in range(16))}
        for block in function.blocks:
            for instr in block.instructions:
                for op in instr.operands:
                    for reg in regs_of(op):
                        used.add(source_reg(reg)[0])
        used.discard("zr")
        # Sorted: scratch registers are chosen in this order, so output must not follow set hashing.
        registers = {r: _FIXED[r] for r in sorted(used) if r in _FIXED}
        clash = sorted(r for r in used & direct_writes(function) & CALLER_SAVED
                       if r in _FIXED and _FIXED[r] in forbidden)
        if clash:
            raise UnsupportedInstruction(
                f"register conflict: {function.name} writes registers a caller keeps live across "
                "the call in other registers", found=", ".join(clash))
        int_pool = [r for r in _INT_POOL + [_FIXED[f"x{i}"] for i in range(8) if f"x{i}" not in used]
                    if r not in forbidden]
        fp_pool = [r for r in _FP_POOL + [_FIXED[f"v{i}"] for i in range(8) if f"v{i}" not in used]
                   if r not in forbidden]
        uses = _use_counts(function)
        wide = sorted(info.wide_across - info.uniform)
        temps_v = [r for r in _FP_TEMPS if r in used]
        reserve, spilled = self._spills(function.name, temps_v, wide, len(fp_pool), uses)
        wide = [r for r in wide if r not in spilled]
        for r in _FP_TEMPS:
            if r in used and r not in spilled:
                choice = next((p for p in fp_pool if p not in avoid.get(r, ())), None)
                if choice is not None:
                    registers[r] = choice
                    fp_pool.remove(choice)
        high = [fp_pool.pop(0) for _ in wide[:max(0, len(fp_pool) - reserve)]]
        # Integer temporaries: the most used in free integer registers, the rest homed in free
        # FP registers (moved through a scratch register around each instruction using them).
        temps = sorted((r for r in _INT_TEMPS if r in used), key=lambda r: (-uses.get(r, 0), r))
        for r in temps:
            choice = next((p for p in int_pool if p not in avoid.get(r, ())), None)
            if choice is None:
                choice = next((p for p in reversed(fp_pool[reserve + 1:])
                               if p not in avoid.get(r, ())), None)
                if choice is not None:
                    fp_pool.remove(choice)
                    registers[r] = choice
                continue
            registers[r] = choice
            int_pool.remove(choice)
        missing = sorted(used - set(registers) - set(spilled))
        if missing or len(fp_pool) < reserve:
            raise UnsupportedInstruction(
                f"register pressure: {function.name} uses too many caller-saved registers "
                f"to keep {reserve} FP scratch registers free",
                found=", ".join(missing) or f"{len(fp_pool)} FP left")
        int_pool = _INT_SCRATCH + int_pool
        # a wide register without a fixed upper half takes one per block (or fails there)
        # a uniform register's upper half is its lower half's register
        self.high[function.name] = {**dict(zip(wide, high)),
                                    **{r: registers[r] for r in sorted(info.wide_across & info.uniform)}}
        self.spilled[function.name] = {r: 16 * k for k, r in enumerate(spilled)}
        return RegisterMap(registers, tuple(int_pool + fp_pool + high), dict(self.high[function.name]),
                           spilled=dict(self.spilled[function.name]))

    def _spills(self, name: str, temps: list[str], wide: list[str], free: int,
                uses: dict[str, int]) -> tuple[int, list[str]]:
        """(FP scratch registers to keep, v registers to spill) when the FP registers do not
        hold every temporary v register's low half and every upper half crossing blocks: the
        least used go to the spill area, a temporary wholly, a fixed one (v0-v15) its upper
        half. The area is static (one per function), so a recursive function cannot spill."""
        if len(temps) + len(wide) <= free - _MIN_FP_SCRATCH or self._recursive(name):
            return _MIN_FP_SCRATCH, []
        need, spilled = len(temps) + len(wide), []
        for r in sorted(set(temps) | set(wide), key=lambda r: (uses.get(r, 0), r)):
            if need <= free - _SPILL_FP_SCRATCH:
                break
            spilled.append(r)
            need -= (r in temps) + (r in wide)
        return _SPILL_FP_SCRATCH, sorted(spilled)

    def _recursive(self, name: str) -> bool:
        """Whether the function may call itself, directly or through others of the listing."""
        seen, todo = set(), list(self.analysis.calls.get(name, ()))
        while todo:
            g = todo.pop()
            if g == name:
                return True
            if g not in seen:
                seen.add(g)
                todo += self.analysis.calls.get(g, ())
        return False


def spill_label(function: str) -> str:
    """The label of a function's spill area (in .bss: the source never names it)."""
    return f".Lspill.{function}"


def _use_counts(function: Function) -> dict[str, int]:
    counts: dict[str, int] = {}
    for block in function.blocks:
        for instr in block.instructions:
            for op in instr.operands:
                for r in regs_of(op):
                    name = source_reg(r)[0]
                    counts[name] = counts.get(name, 0) + 1
    return counts
