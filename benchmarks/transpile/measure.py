"""Transpile the C corpus both ways at -O0 and -O2 and measure what the solver adds.

    python benchmarks/transpile/measure.py [--jobs 2] [--only t1_] [--direction aarch64-riscv64]
                                           [--opt -O2] [--json out.json]

For each direction and level, three configurations of the same pipeline:
  guess   the rule-based guess alone (no solver, no sketch)
  verify  the guess, each block checked by Z3 (no repair)
  full    guess, verify, and the sketch repairing unproved blocks (what `synth transpile` does)
and for each: the share of programs whose transpiled binary prints exactly the source's output
under qemu-user, the share of blocks proved, and the median seconds per program. The target is
always produced from the source ISA's assembly, never by compiling the C for the target.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus  # noqa: E402

DIRECTIONS = (("aarch64", "riscv64"), ("riscv64", "aarch64"))
CONFIGS = {"guess": dict(verify=False, sketch=False), "verify": dict(verify=True, sketch=False),
           "full": dict(verify=True, sketch=True)}


def one(job) -> dict:
    program, source, target, opt, config = job
    from synth.errors import SynthError
    from synth.transpile import toolchain, transpile
    expected = corpus.expected_path(program).read_text()
    row = dict(program=program.name, source=source, target=target, opt=opt, config=config)
    try:
        asm = toolchain.compile_to_assembly(program, source, opt)
        began = time.time()
        text, report = transpile(asm, source, target, file=program.name, **CONFIGS[config])
        row["seconds"] = time.time() - began
        row.update(report.counts(), repaired=sum(b.repaired for b in report.blocks))
        with tempfile.TemporaryDirectory() as tmp:
            s = Path(tmp) / "t.s"
            s.write_text(text)
            result = toolchain.run(toolchain.link(s, target, Path(tmp) / "t"), target)
        row["same_output"] = result.exit_code == 0 and result.stdout == expected
    except SynthError as e:
        row.update(error=e.message().splitlines()[0][:200], same_output=False)
    return row


def summarise(rows: list[dict]) -> list[dict]:
    table = []
    for source, target in DIRECTIONS:
        for opt in corpus.OPT_LEVELS:
            for config in CONFIGS:
                rs = [r for r in rows if (r["source"], r["target"], r["opt"], r["config"]) == (source, target, opt, config)]
                if not rs:
                    continue
                blocks = sum(r.get("blocks", 0) for r in rs)
                table.append(dict(direction=f"{source}->{target}", opt=opt, config=config, programs=len(rs),
                                  same_output=sum(r["same_output"] for r in rs) / len(rs),
                                  blocks=blocks,
                                  proved=(sum(r.get("proved", 0) for r in rs) / blocks) if blocks else 0.0,
                                  errors=sum("error" in r for r in rs),
                                  repaired=sum(r.get("repaired", 0) for r in rs),
                                  median_s=statistics.median(r.get("seconds", 0.0) for r in rs)))
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="program name prefix")
    parser.add_argument("--configs", default="guess,verify,full")
    parser.add_argument("--direction", choices=[f"{s}-{t}" for s, t in DIRECTIONS],
                        help="only this direction (default: both)")
    parser.add_argument("--opt", choices=corpus.OPT_LEVELS, help="only this level (default: all)")
    parser.add_argument("--json", help="write every row and the summary here")
    args = parser.parse_args()
    if corpus.missing_tools():
        print("missing tools: " + ", ".join(corpus.missing_tools()), file=sys.stderr)
        return 1
    programs = [p for p in corpus.programs() if p.name.startswith(args.only)]
    directions = [d for d in DIRECTIONS if args.direction in (None, "-".join(d))]
    levels = [o for o in corpus.OPT_LEVELS if args.opt in (None, o)]
    jobs = [(p, s, t, opt, c) for s, t in directions for opt in levels
            for c in args.configs.split(",") for p in programs]
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(one, jobs))
    table = summarise(rows)
    print(f"{'direction':20} {'opt':4} {'config':7} {'programs':>8} {'same output':>11} "
          f"{'blocks':>7} {'proved':>7} {'repaired':>8} {'errors':>6} {'median s':>8}")
    for t in table:
        print(f"{t['direction']:20} {t['opt']:4} {t['config']:7} {t['programs']:8d} {t['same_output']:11.0%} "
              f"{t['blocks']:7d} {t['proved']:7.0%} {t['repaired']:8d} {t['errors']:6d} {t['median_s']:8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": rows, "summary": table}, indent=1))
    print(json.dumps(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
