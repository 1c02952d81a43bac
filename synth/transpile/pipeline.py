"""Guess, verify, sketch, emit: one source listing to a target listing plus a per-block report.

For every function: the guesser picks a register map and proposes each block; liveness over
the source (with widths) says which registers each block must reproduce; the verifier checks
each block pair; where it is not proved, the sketch tries the guess's alternatives and
immediate holes (CEGIS) until a version is proved. A block that stays unproved is emitted as
guessed, marked in the assembly and listed in the report with its reason.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field


from synth.dsl.asm.ast import Comment, Instruction, Listing
from synth.errors import SynthError
from synth.sketch.answers import Counterexample, Proved, Unknown
from synth.transpile import abi, cfg, dataflow, emit, sketch, verify
from synth.transpile.guess import BlockGuess, Guesser, RegisterMap
from synth.transpile.machine import Exit, Semantics


@dataclass
class BlockReport:
    function: str
    block: str
    source_lines: tuple[int, ...]
    status: str                      # "proved", "unknown", "failed" (a counterexample)
    evidence: str
    repaired: bool = False
    seconds: float = 0.0


@dataclass
class Report:
    source: str
    target: str
    blocks: list[BlockReport] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        statuses = [b.status for b in self.blocks]
        return {"blocks": len(statuses), "proved": statuses.count("proved"),
                "unknown": statuses.count("unknown"), "failed": statuses.count("failed")}

    def to_json(self) -> dict:
        return {"from": self.source, "to": self.target, **self.counts(),
                "repaired": sum(b.repaired for b in self.blocks),
                "unproved": [{"function": b.function, "block": b.block, "lines": list(b.source_lines),
                              "status": b.status, "reason": b.evidence}
                             for b in self.blocks if b.status != "proved"],
                "blocks_detail": [b.__dict__ | {"source_lines": list(b.source_lines)} for b in self.blocks]}


FLAGS = {"n", "z", "c", "v"}
INDIRECT = "*indirect*"       # the callee of calls through a register


def plain(name: str | None) -> str | None:
    """A callee's name without the PLT marker (`printf@plt` and `printf` are one function)."""
    return name.split("@")[0] if name else name


class Transpiler:
    def __init__(self, listing: Listing, guesser: Guesser, src: Semantics, dst: Semantics,
                 verify_blocks: bool = True, use_sketch: bool = True, timeout_ms: int = verify.TIMEOUT_MS):
        self.listing, self.guesser, self.src, self.dst = listing, guesser, src, dst
        self.verify_blocks, self.use_sketch, self.timeout_ms = verify_blocks, use_sketch, timeout_ms
        self.program = cfg.program(listing)
        self.strings = cfg.strings(listing)
        self.functions = {f.name: f for f in self.program.functions}
        self.entry_demand: dict[str, dataflow.Demand] = {}
        self._widths: dict[str, list[tuple[int, int]]] = {}
        self.result_demand: dict[str, dataflow.Demand] = {}
        self._formats: dict[tuple[str, int, int], str | None] = {}
        self.address_taken = cfg.address_taken(listing, set(self.functions))
        self._written: dict[str, set[str]] | None = None
        self.report = Report(src.isa, dst.isa)

    # -- liveness ------------------------------------------------------------------------
    def _abi(self, isa: str) -> dict:
        return abi.ABI[isa]

    def signature_at(self, exit: Exit, function: cfg.Function | None = None,
                     block: cfg.Block | None = None) -> abi.Signature | None:
        """The callee's signature: from the library table (printf's from its format string,
        found where the block's first argument register is set, possibly in an earlier block),
        or None for a function of this listing (its entry demand decides)."""
        name = plain(exit.target)
        if name in self.functions or name not in abi.LIBRARY:
            return None
        sig = abi.LIBRARY[name]
        if sig.fixed is not None:   # variadic: the format string tells the rest
            fmt = self._format_string(function, block, sig.fixed - 1) if block is not None else None
            if fmt is None:
                return abi.Signature(sig.args + ("i64",) * 7, sig.returns, sig.fixed)
            return abi.Signature(sig.args + abi.printf_arguments(fmt), sig.returns, sig.fixed)
        return sig

    def _format_string(self, function: cfg.Function, block: cfg.Block, position: int) -> str | None:
        """The string constant the `position`-th integer argument points to at the call; looked
        up once per call site, since every liveness round asks again and the lookup runs
        blocks symbolically."""
        key = (function.name, block.index, position)
        if key not in self._formats:
            self._formats[key] = self._find_format(function, block, position)
        return self._formats[key]

    def _find_format(self, function: cfg.Function, block: cfg.Block, position: int) -> str | None:
        a = self._abi(self.src.isa)
        value = dataflow.constant_at_exit(function.blocks, block.index, a["int_args"][position], self.src,
                                          a["caller_saved"])
        return dataflow.string_at(value, self.strings)

    def call_demand(self, exit: Exit, function: cfg.Function | None = None,
                    block: cfg.Block | None = None) -> dataflow.Demand:
        a = self._abi(self.src.isa)
        # every argument register, an FP one as wide as an FP argument can be
        everything = {**{r: self.src.widths[r] for r in a["int_args"]},
                      **{r: min(a["fp_arg_bits"], self.src.widths[r]) for r in a["fp_args"]}}
        if exit.register_target is not None or exit.target is None:
            return everything
        name = plain(exit.target)
        if name in self.functions:
            entry = self.entry_demand.get(name, everything)
            return {r: w for r, w in entry.items() if r in everything}
        sig = self.signature_at(exit, function, block)
        if sig is None:
            return everything
        # the arguments in registers; those on the stack are memory, which is compared whole
        return {r: bits for r, bits in self.arguments(self.src.isa, sig) if isinstance(r, str)}

    @staticmethod
    def arguments(isa: str, sig: abi.Signature) -> list[tuple[str | verify.Slot, int]]:
        """(place, bits) of each argument of a call: a register, or a stack slot from sp."""
        sp = abi.ABI[isa]["frame"][0]
        return [(verify.Slot(sp, 8 * n) if place == "stack" else place, 32 if kind.endswith("32") else 64)
                for (place, n), kind in zip(abi.argument_places(isa, sig), sig.args)]

    def result_widths(self, function: cfg.Function) -> list[tuple[int, int]]:
        """Per block, the widths at its end of the last definitions of the two result
        registers (abi.result_bits), merged over all paths (the wider wins); 64 where a
        path defines nothing, since then the caller's value passes through."""
        blocks = function.blocks
        preds = dataflow.predecessors(blocks, self.src)
        at_end: list[tuple[int, int] | None] = [None] * len(blocks)
        changed = True
        while changed:
            changed = False
            for b in blocks:
                known = [at_end[p] for p in preds[b.index] if at_end[p] is not None]
                if b.index == 0:
                    known.append((64, 64))     # at entry: the caller's values, whole
                if not known:
                    continue                   # not reached yet; widths only grow, so this converges
                width = (max(x[0] for x in known), max(x[1] for x in known))
                for instr in b.instructions:
                    integer, fp = abi.result_bits(self.src.isa, instr)
                    width = (integer or width[0], fp or width[1])
                if width != at_end[b.index]:
                    at_end[b.index], changed = width, True
        return [w or (64, 64) for w in at_end]

    def return_demand(self, function: cfg.Function, block: cfg.Block) -> dataflow.Demand:
        """A return needs the return address (the PC is not modelled: returning to the same
        place means the link register holds the same value), the callee-saved registers (whole;
        of AArch64's v8-v15 the low 64 bits), and of the result registers what the function's
        callers read after the call (known for
        callers in this listing). A function that may be called from outside (main, a function
        whose address is taken) also returns its results at the width their last definitions
        give them."""
        a = self._abi(self.src.isa)
        callee_saved = [r for r in self.src.widths
                        if r not in a["caller_saved"] and self.src.widths[r] > 1]
        demand = {r: a["callee_saved_bits"].get(r, self.src.widths[r]) for r in callee_saved + [a["link"]]}
        demand = dataflow.merge(demand, self.result_demand.get(function.name, {}))
        if function.name in self.address_taken:
            demand = dataflow.merge(demand, self.result_demand.get(INDIRECT, {}))
        if function.name == "main" or function.name in self.address_taken:
            if function.name not in self._widths:
                self._widths[function.name] = self.result_widths(function)
            integer, fp = self._widths[function.name][block.index]
            demand = dataflow.merge(demand, {a["int_returns"][0]: integer, a["fp_returns"][0]: fp})
        return demand

    def record_results(self, function: cfg.Function, live_in: list[dataflow.Demand]) -> None:
        """What each call site reads of the result registers after the call returns. A tail
        call's callee returns to this function's callers, so it owes them what they read."""
        a = self._abi(self.src.isa)
        results = set(a["int_returns"] + a["fp_returns"])
        labels = {b.label for b in function.blocks}
        for b in function.blocks:
            exit = dataflow.effect(self.src, b.instructions[-1]).exit if b.instructions else None
            if exit is None:
                continue
            if exit.kind == "call" and b.index + 1 < len(function.blocks):
                read = {r: w for r, w in live_in[b.index + 1].items() if r in results}
                callee = INDIRECT if exit.register_target is not None else plain(exit.target)
            elif exit.kind == "jump" and exit.target not in labels and plain(exit.target) in self.functions:
                read = {r: w for r, w in self.return_demand(function, b).items() if r in results}
                callee = plain(exit.target)
            else:
                continue
            self.result_demand[callee] = dataflow.merge(self.result_demand.get(callee, {}), read)

    def liveness(self, function: cfg.Function):
        return dataflow.liveness(function.blocks, self.src, lambda e, b: self.call_demand(e, function, b),
                                 lambda b: self.return_demand(function, b), self.ended)

    def ended(self, exit: Exit) -> set[str]:
        """The registers a call may change: the link register, and the caller-saved ones the
        callee writes, or anything it calls does; every caller-saved one where the callee is
        not in this listing. gcc's IPA-RA keeps values across a call in caller-saved registers
        that the callee (in the same file) leaves alone, so those stay live across it."""
        a = self._abi(self.src.isa)
        name = plain(exit.target) if exit.register_target is None else None
        if name not in self.functions:
            return a["caller_saved"] | {a["link"]}
        return (a["caller_saved"] & (self.written()[name] | FLAGS)) | {a["link"]}

    def written(self) -> dict[str, set[str]]:
        """Per function of the listing, the registers it may write, itself or through what it
        calls (a call out of the listing: every caller-saved one); computed once."""
        if self._written is None:
            a = self._abi(self.src.isa)
            own: dict[str, set[str]] = {}
            calls: dict[str, set[str]] = {}
            for f in self.program.functions:
                labels = {b.label for b in f.blocks}
                own[f.name], calls[f.name] = set(), set()
                for instr in (i for b in f.blocks for i in b.instructions):
                    effect = dataflow.effect(self.src, instr)
                    own[f.name] |= effect.writes
                    exit = effect.exit
                    if exit is None or not (exit.kind == "call" or (exit.kind == "jump" and exit.target not in labels)):
                        continue
                    name = plain(exit.target) if exit.register_target is None else None
                    if name in self.functions:
                        calls[f.name].add(name)
                    else:
                        own[f.name] |= a["caller_saved"]
                    own[f.name].add(a["link"])
            written = {name: set(regs) for name, regs in own.items()}
            changed = True
            while changed:          # through calls, to a fixpoint (recursion included)
                changed = False
                for name, callees in calls.items():
                    for callee in callees:
                        if not written[callee] <= written[name]:
                            written[name] |= written[callee]
                            changed = True
            self._written = written
        return self._written

    # -- per block -----------------------------------------------------------------------
    def obligations(self, regs: RegisterMap, function: cfg.Function, block: cfg.Block,
                    live_out: dataflow.Demand):
        """What the target must reproduce at the block's exit; calls place arguments per ABI."""
        exit = dataflow.effect(self.src, block.instructions[-1]).exit if block.instructions else None
        result, skip = [], set()
        a = self._abi(self.src.isa)
        returns_or_args = set(a["int_returns"] + a["fp_returns"] + a["int_args"] + a["fp_args"])
        if exit is not None and exit.kind == "call" and exit.target and plain(exit.target) not in self.functions:
            sig = self.signature_at(exit, function, block)
            if sig is not None:
                # Argument k on one side is argument k on the other, wherever each ABI puts it
                # (a register or a stack slot). A variadic callee reads its 32-bit arguments
                # with va_arg as 32-bit values, so only the fixed ones must come sign-extended
                # as LP64 asks.
                places = zip(self.arguments(self.src.isa, sig), self.arguments(self.dst.isa, sig))
                for k, ((here, bits), (there, _)) in enumerate(places):
                    fixed = sig.fixed is None or k < sig.fixed
                    register = there if isinstance(there, str) else "stack"   # a slot fills as an x register
                    result.append(verify.Obligation(here, there, bits,
                                                    abi.representation(self.dst.isa, register, bits, fixed)))
                    skip.add(here)
        for r, bits in live_out.items():
            if r in skip:
                continue
            if r not in regs.registers:
                raise SynthError(f"register {r} is live at the end of block {block.name} but has no target register")
            target = regs.registers[r]
            result += self.upper_halves(regs, r, target, bits, f"live at the end of block {block.name}")
            bits = min(bits, self.src.widths[r], self.dst.widths[target])
            # leaving for code outside the listing (a return, a library call or tail call; not
            # a jump to a label of this function): there the target ABI's representation holds
            local = exit is not None and exit.target in {b.label for b in function.blocks}
            boundary = r in returns_or_args and exit is not None and not local and (
                exit.kind == "return" or (exit.kind in ("call", "jump") and plain(exit.target) not in self.functions))
            result.append(verify.Obligation(r, target, bits,
                                            self.representation(r, target, bits, boundary)))
        return result

    def representation(self, r: str, target: str, bits: int, boundary: bool) -> str | None:
        """abi.representation of source register r's value in its target register; an integer
        register homed in an FP one (a guesser out of integer registers) is kept there bit for
        bit, not NaN-boxed as a single would be."""
        if r.startswith("x") and target.startswith("f"):
            return None
        return abi.representation(self.dst.isa, target, bits, boundary)

    def upper_halves(self, regs: RegisterMap, r: str, target: str, bits: int, where: str) -> list:
        """The obligation on the bits of r above its target register's width (AArch64's v
        registers are 128 bits, RISC-V's FP registers 64), where the source reads them: owed
        in the register the map keeps them in, or no proof at all (never silently dropped)."""
        width = self.dst.widths[target]
        if bits <= width:
            return []
        if r not in regs.upper:
            raise SynthError(f"the upper half of {r} is {where} but has no target register")
        return [verify.Obligation(verify.Upper(r), regs.upper[r], bits - width)]

    def relation(self, function: cfg.Function, block: cfg.Block, regs: RegisterMap, live_in: dataflow.Demand,
                 live_out: dataflow.Demand):
        """(entry relation, exit obligations) of a block, or an Unknown saying why there is none."""
        spilled = self.spilled_in(block, regs, live_in, live_out)
        if spilled:
            return Unknown(f"spill slots not modelled by the verifier ({', '.join(spilled)})")
        missing = sorted(set(live_in) - set(regs.registers) - FLAGS)
        if missing:
            return Unknown(f"registers {', '.join(missing)} live at entry have no target register")
        if FLAGS & set(live_in):
            return Unknown("condition flags live across a block boundary")
        try:
            out = self.obligations(regs, function, block, live_out)
        except SynthError as e:
            return Unknown(e.message())
        entry = {}
        for r, bits in live_in.items():
            target = regs.registers[r]
            try:
                for o in self.upper_halves(regs, r, target, bits, "live at entry"):
                    entry[o.source] = (o.target, o.bits, None)
            except SynthError as e:
                return Unknown(e.message())
            bits = min(bits, self.src.widths[r], self.dst.widths[target])
            entry[r] = (target, bits, self.representation(r, target, bits, False))
        return entry, out

    def spilled_in(self, block: cfg.Block, regs: RegisterMap, live_in: dataflow.Demand,
                   live_out: dataflow.Demand) -> list[str]:
        """The source registers with a half in the target's spill area (RegisterMap.spilled:
        memory the verifier would compare with the source's as any other, and which no
        relation reaches) that the block names, or carries across its entry or exit in bits
        that live there (a half without a target register)."""
        if not regs.spilled:
            return []

        def in_memory(r: str, bits: int) -> bool:
            return r not in regs.registers or bits > self.dst.widths[regs.registers[r]]
        carried = {r for demand in (live_in, live_out) for r, bits in demand.items()
                   if r in regs.spilled and in_memory(r, bits)}
        named = set()
        for instr in block.instructions:
            try:
                eff = dataflow.effect(self.src, instr)
            except SynthError:
                return sorted(regs.spilled)    # unknown effect: it may name any of them
            named |= set(eff.reads) | set(eff.writes)
        return sorted(set(regs.spilled) & (carried | named))

    def verify(self, function: cfg.Function, block: cfg.Block, guess: BlockGuess, regs: RegisterMap,
               live_in: dataflow.Demand, live_out: dataflow.Demand):
        """(target instructions, answer, repaired?) for one block: the guess if proved, else
        the sketch's repair if one is proved, else the guess with the verifier's answer."""
        target = tuple(g.instruction for g in guess.instructions)
        relation = self.relation(function, block, regs, live_in, live_out)
        if isinstance(relation, Unknown):
            return target, relation, False
        entry, out = relation
        same = lambda a, b: plain(a) == plain(b)
        check = lambda t: verify.check_block(self.src, self.dst, block.instructions, t, entry, out,
                                             same, self.timeout_ms)
        answer = check(target)
        if not isinstance(answer, Counterexample) or not self.use_sketch:
            return target, answer, False    # a timeout is not repaired by changing the guess
        query = lambda t: verify.block_query(self.src, self.dst, tuple(block.instructions), t, entry, out, same)
        fixed = sketch.repair(guess, check, query)
        return (fixed[0], fixed[1], True) if fixed else (target, answer, False)

    def settle_demands(self) -> None:
        """Entry demands of this listing's functions, so calls between them demand only the
        arguments their callee reads, and what callers read of each function's results, to a
        fixpoint: a value that passes through a chain of calls (a register read after a call,
        so a result of the callee, so live through it, so an argument of the call before)
        takes a round per call, and stopping early leaves a later block assuming what no block
        guarantees. It ends: after the first round every function has its own entry demand in
        place of the everything assumed before, and from then on demands only grow."""
        settled = None
        while settled != (self.entry_demand, self.result_demand):
            settled = ({k: dict(v) for k, v in self.entry_demand.items()},
                       {k: dict(v) for k, v in self.result_demand.items()})
            for f in self.program.functions:
                live_in, _ = self.liveness(f)
                self.entry_demand[f.name] = live_in[0] if f.blocks else {}
                self.record_results(f, live_in)

    def translate(self) -> tuple[Listing, Report]:
        texts: dict[tuple[str, int], tuple[Instruction, ...]] = {}
        self.settle_demands()
        for f in self.program.functions:
            regs = self.guesser.register_map(f)
            live_in, live_out = self.liveness(f)
            for b in f.blocks:
                began = time.time()
                guess = self.guesser.block(f, b, regs)
                target = tuple(g.instruction for g in guess.instructions)
                texts[(f.name, b.index)] = target
                if not b.instructions and not target:
                    continue    # a label with nothing under it: nothing to check, not counted
                answer, repaired = Unknown("not verified (--no-verify)"), False
                if self.verify_blocks:
                    target, answer, repaired = self.verify(f, b, guess, regs, live_in[b.index], live_out[b.index])
                    texts[(f.name, b.index)] = target
                status = ("proved" if isinstance(answer, Proved)
                          else "failed" if isinstance(answer, Counterexample) else "unknown")
                self.report.blocks.append(BlockReport(
                    f.name, b.name, tuple(i.line for i in b.instructions), status, answer.describe(),
                    repaired, round(time.time() - began, 3)))
        statuses = {(r.function, r.block): r.status for r in self.report.blocks}

        def block_text(f, b):
            body = texts[(f.name, b.index)]
            if statuses.get((f.name, b.name), "proved") != "proved":
                return (Comment(f"synth: UNPROVED block {b.name}: see report"),) + body
            return body

        target = emit.listing(self.program, self.dst.isa, self.guesser.data, self.guesser.prologue, block_text)
        return target, self.report
