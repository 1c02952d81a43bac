"""Probe the verifier's obligations the way the sketch would exploit a gap in them.

    python benchmarks/transpile/probe_repairs.py [--only t3_double_conv] [--directions riscv64-aarch64]
                                                 [--levels -O0] [--jobs 1] [--json out.json]

A repair is kept when Z3 proves it, and CEGIS fills holes with ANY values the claims allow: a
claim that is missing (an argument, a return address, a register live after a call) is a
value CEGIS may pick wrong. This script makes every block the verifier can decide (proved, or
refuted by a counterexample) an adversarial sketch: each immediate of the emitted block
(add/sub operands, memory offsets, `li`) becomes a hole, and CEGIS is asked for values that
differ from the guess's in at least one hole and still prove; each alternative the guesser
listed is tried in the guess's place. Every such *loose* variant that the verifier proves is
put in the program alone (every other block as `synth transpile` emits it), linked, and run
under qemu-user. A loose variant is not wrong by itself (an offset into a dead slot may move);
one that changes the program's output is a proof resting on a gap, or on a block before it
that is not proved (the report says which blocks were unproved).

Prints one line per loose variant, then a summary; the last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

DIRECTIONS = ("aarch64-riscv64", "riscv64-aarch64")
HOLE_BITS = 12      # the sketch's holes are signed 12-bit immediates (asm.ast.Hole)


def probe(job) -> dict:
    program, source, target, opt = job
    import z3
    from synth.dsl.asm import format as fmt, format_instruction, parse
    from synth.dsl.asm.ast import Hole, Imm
    from synth.errors import SynthError
    from synth.sketch.answers import Counterexample, Proved
    from synth.sketch.solver import Filled, cegis
    from synth.transpile import emit, guesser, semantics, sketch, toolchain, verify
    from synth.transpile.pipeline import Transpiler, plain

    class Probe(Transpiler):
        """The pipeline, recording what it emits and every loose variant of a decided block."""

        def __init__(self, *args):
            super().__init__(*args)
            self.emitted, self.variants, self.holes = {}, [], 0

        def verify(self, function, block, guess, regs, live_in, live_out):
            target, answer, repaired = super().verify(function, block, guess, regs, live_in, live_out)
            self.emitted[(function.name, block.index)] = target
            if isinstance(answer, (Proved, Counterexample)):
                entry, out = self.relation(function, block, regs, live_in, live_out)
                same = lambda a, b: plain(a) == plain(b)
                check = lambda t: verify.check_block(self.src, self.dst, block.instructions, t, entry, out,
                                                     same, self.timeout_ms)
                query = lambda t: verify.block_query(self.src, self.dst, tuple(block.instructions), t, entry,
                                                     out, same)
                for variant, how in self._loose(tuple(target), guess, check, query):
                    self.variants.append(dict(function=function.name, block=block.name, index=block.index,
                                              status=type(answer).__name__, how=how, text=variant))
            return target, answer, repaired

        def _loose(self, target, guess, check, query):
            """Proved variants of `target`: immediates moved (first all at once, which settles
            most blocks with one CEGIS call; where that finds one, each immediate in turn, the
            others free), then each listed alternative in its guess's place."""
            sites = [(k, j, sketch._immediate(op).value) for k, instr in enumerate(target)
                     for j, op in enumerate(instr.operands) if sketch._immediate(op) is not None
                     and -2 ** (HOLE_BITS - 1) <= sketch._immediate(op).value < 2 ** (HOLE_BITS - 1)]
            holed = list(target)
            for n, (k, j, _) in enumerate(sites):
                ops = list(holed[k].operands)
                ops[j] = sketch._put(ops[j], Hole(f"hole!{n}", HOLE_BITS))
                holed[k] = replace(holed[k], operands=tuple(ops))
            try:
                q = query(tuple(holed)) if sites else None
            except SynthError:
                q = None            # a hole where the semantics takes none: no immediates probed
            if q is not None:
                self.holes += len(sites)
                hs = [z3.BitVec(f"hole!{n}", HOLE_BITS) for n in range(len(sites))]
                moved = lambda which: z3.Or(*[hs[n] != sites[n][2] for n in which])
                everything = range(len(sites))
                seen = set()
                for which in [everything] + ([[n] for n in everything] if len(sites) > 1 else []):
                    filled = cegis(list(q.claims) + [moved(which)], hs, list(q.inputs))
                    if not isinstance(filled, Filled):
                        if which is everything:
                            break   # no immediate can move: nothing to enumerate
                        continue
                    values = tuple(filled.values[f"hole!{n}"].as_signed_long() for n in everything)
                    if values in seen:
                        continue
                    seen.add(values)
                    variant, changes = list(target), []
                    for (k, j, v), new in zip(sites, values):
                        ops = list(variant[k].operands)
                        ops[j] = sketch._put(ops[j], Imm(new))
                        variant[k] = replace(variant[k], operands=tuple(ops))
                        if new != v:
                            changes.append(f"{format_instruction(target[k], self.dst.isa)}: {v} -> {new}")
                    if isinstance(check(tuple(variant)), Proved):
                        yield tuple(variant), "immediates: " + "; ".join(changes)
            if tuple(g.instruction for g in guess.instructions) != target:
                return          # a repair was emitted: its alternatives were tried by the sketch
            for k, g in enumerate(guess.instructions):
                for other in g.alternatives:
                    variant = target[:k] + (other,) + target[k + 1:]
                    if isinstance(check(variant), Proved):
                        yield variant, (f"alternative: {format_instruction(g.instruction, self.dst.isa)} -> "
                                        f"{format_instruction(other, self.dst.isa)}")

        def listing_with(self, key, text):
            body = lambda f, b: text if (f.name, b.index) == key else self.emitted.get((f.name, b.index), ())
            return fmt(emit.listing(self.program, self.dst.isa, self.guesser.data, self.guesser.prologue, body))

    row = dict(program=program.name, source=source, target=target, opt=opt, variants=[])
    began = time.time()
    try:
        asm = toolchain.compile_to_assembly(program, source, opt)
        listing = parse(asm, source, program.name)
        p = Probe(listing, guesser(source, target, listing), semantics(source), semantics(target))
        _, report = p.translate()
    except SynthError as e:
        row.update(error=e.message().splitlines()[0][:200], seconds=time.time() - began)
        return row
    expected = corpus.expected_path(program).read_text()
    row.update(report.counts(), holes=p.holes,
               unproved=[b.block for b in report.blocks if b.status != "proved"])
    for v in p.variants:
        with tempfile.TemporaryDirectory() as tmp:
            s = Path(tmp) / "t.s"
            s.write_text(p.listing_with((v["function"], v["index"]), v["text"]))
            try:
                result = toolchain.run(toolchain.link(s, target, Path(tmp) / "t"), target)
                v["output"] = "same" if result.exit_code == 0 and result.stdout == expected else \
                    f"DIFFERENT (exit {result.exit_code})"
            except SynthError as e:
                v["output"] = "not built: " + e.message().splitlines()[0][:120]
        v["text"] = [format_instruction(i, target) for i in v["text"]]
        row["variants"].append(v)
    row["seconds"] = time.time() - began
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="program name prefix")
    parser.add_argument("--directions", default=",".join(DIRECTIONS))
    parser.add_argument("--levels", default=",".join(corpus.OPT_LEVELS))
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", help="write every row here")
    args = parser.parse_args()
    if corpus.missing_tools():
        print("missing tools: " + ", ".join(corpus.missing_tools()), file=sys.stderr)
        return 1
    programs = [p for p in corpus.programs() if p.name.startswith(args.only)]
    jobs = [(p, *d.split("-"), opt) for d in args.directions.split(",") for opt in args.levels.split(",")
            for p in programs]
    rows = []
    with ProcessPoolExecutor(args.jobs) as pool:
        for row in pool.map(probe, jobs):
            rows.append(row)
            head = f"{row['program']} {row['source']}->{row['target']} {row['opt']}"
            if "error" in row:
                print(f"{head}: error: {row['error']}", flush=True)
                continue
            loose = row["variants"]
            print(f"{head}: {row['blocks']} blocks, {row['holes']} immediates probed; loose: "
                  f"{sum(v['how'].startswith('imm') for v in loose)} immediates, "
                  f"{sum(v['how'].startswith('alt') for v in loose)} alternatives, "
                  f"{sum(v['output'] != 'same' for v in loose)} not the same output; {row['seconds']:.0f} s",
                  flush=True)
            for v in loose:     # every moved immediate, and whatever changed the output
                if v["how"].startswith("imm") or v["output"] != "same":
                    print(f"    {v['function']} {v['block']} ({v['status']}): {v['how']} -> {v['output']}",
                          flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    variants = [v for r in rows for v in r.get("variants", [])]
    summary = dict(programs=len(rows), errors=sum("error" in r for r in rows),
                   blocks=sum(r.get("blocks", 0) for r in rows),
                   decided=sum(r.get("proved", 0) + r.get("failed", 0) for r in rows),
                   immediates=sum(r.get("holes", 0) for r in rows),
                   loose_immediates=sum(v["how"].startswith("imm") for v in variants),
                   loose_alternatives=sum(v["how"].startswith("alt") for v in variants),
                   different=sum(v["output"].startswith("DIFFERENT") for v in variants),
                   not_built=sum(v["output"].startswith("not built") for v in variants))
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
