"""The `synth` command: parses arguments, calls the library, prints. No logic of its own."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from synth.errors import Interrupted, SynthError

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_UNPROVED = 3          # transpile: output written, some blocks not proved
EXIT_RUN_MISMATCH = 4      # transpile --run: the two programs printed different output
EXIT_NOT_FOUND = 1         # einsum synth: no program reproduces the examples
EXIT_REFUTED = 1           # einsum check: a counterexample (EXIT_UNPROVED when unknown)
DEFAULT_BUDGET = 20000   # synth.discover.run.DiscoverConfig's; kept here so --help needs no jax


def _discover(args) -> int:
    from synth.discover.run import DiscoverConfig, discover
    if args.space != "optimizers":
        raise SynthError(f"unknown search space {args.space!r}", expected="optimizers")
    out = Path(args.resume if isinstance(args.resume, str) else args.out)
    config = DiscoverConfig(init=args.init, budget_evals=args.budget_evals,
                            population=args.population, seed=args.seed)
    results = discover(config, out, resume=args.resume is not None, progress=_progress_bar(config))
    print(file=sys.stderr)
    print(results["table"])
    best = results["best"]
    print(f"\nbest program (meta-validation fitness {best['fitness']:.3f}):\n{best['simplified']}")
    print(f"simplification: {best['simplified_equivalence']}")
    print(f"evaluations {results['evaluations']}, cache hit rate {results['cache_hit_rate']:.1%}, "
          f"redundant statements {results['redundant_statement_share']:.1%}, "
          f"{results['seconds']:.0f} s; results in {out}/results.json")
    return 0


def _progress_bar(config):
    width = 30

    def show(state, seconds):
        done = state.proposals / config.budget_evals
        bar = "#" * int(done * width) + "." * (width - int(done * width))
        rate = state.proposals / seconds if seconds > 0 else 0.0
        line = (f"[{bar}] {state.proposals}/{config.budget_evals} evals  {rate:6.1f} evals/s  "
                f"cache {state.cache_hit_rate:5.1%}  best {state.best_fitness:.3f}")
        if sys.stderr.isatty():
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif len(state.trace) % 20 == 0 or state.proposals >= config.budget_evals:
            print(line, file=sys.stderr, flush=True)
    return show


def _transpile(args) -> int:
    from synth.transpile import source_assembly, toolchain, transpile
    path = Path(args.input)
    if not path.is_file():
        raise SynthError("no such input file", found=str(path), expected="a .s or .c file")
    source = source_assembly(path, args.source, f"-O{args.opt}")
    text, report = transpile(source, args.source, args.target, file=str(path),
                             verify=not args.no_verify, sketch=not args.no_sketch)
    out = Path(args.output)
    out.write_text(text)
    summary = report.to_json()
    code = 0 if summary["proved"] == summary["blocks"] else EXIT_UNPROVED
    if args.run:
        summary["run"] = toolchain.compare(source, args.source, text, args.target)
        if not summary["run"]["same_output"]:
            code = EXIT_RUN_MISMATCH
    if args.report:
        Path(args.report).write_text(json.dumps(summary, indent=2))
    print(f"{out}: {summary['blocks']} blocks, {summary['proved']} proved, {summary['unknown']} unknown, "
          f"{summary['failed']} failed" + (f"; run: {'same output' if summary['run']['same_output'] else 'DIFFERENT output'}"
                                           if args.run else ""))
    for b in summary["unproved"][:10]:
        print(f"  unproved {b['function']}/{b['block']} (lines {b['lines'][:1]}...): {b['reason']}")
    return code


def _optim_show(args) -> int:
    from synth.dsl.optim import library
    print(library.source(args.name), end="")
    return 0


def _optim_check(args) -> int:
    from synth.dsl.optim import analysis
    a, b = (_load_optim(path) for path in (args.a, args.b))
    answer = analysis.equivalent(a, b)
    from synth.sketch.answers import Proved
    if args.json:
        print(json.dumps({"proved": isinstance(answer, Proved), "evidence": type(answer).__name__,
                          "detail": answer.describe()}))
    else:
        print(answer.describe())
    return 0 if isinstance(answer, Proved) else 1


def _einsum_synth(args) -> int:
    from synth.einsum import format
    from synth.einsum.synthesize import Found, load_example, synthesize
    if not args.timeout > 0:
        raise SynthError("--timeout must be positive", found=str(args.timeout), expected="seconds, e.g. 10")
    examples = [load_example(path) for path in args.examples]
    result = synthesize(examples, timeout=args.timeout)
    if not isinstance(result, Found):
        print(f"synth: {result.describe()}", file=sys.stderr)
        return EXIT_NOT_FOUND
    if args.json:
        print(json.dumps({"program": format(result.program), "seconds": round(result.seconds, 4),
                          "verified_examples": result.verified_examples,
                          "candidates_tried": result.candidates_tried}))
    else:
        print(result.describe())
    return 0


def _einsum_check(args) -> int:
    from synth.einsum.check import check
    from synth.sketch.answers import Counterexample, Proved
    shapes = _einsum_shapes(args.shapes) if args.shapes is not None else None
    answer = check(args.a, args.b, shapes)
    if args.json:
        out = {"proved": isinstance(answer, Proved), "evidence": type(answer).__name__,
               "detail": answer.describe()}
        if isinstance(answer, Counterexample):
            out |= {"inputs": {k: v.tolist() for k, v in answer.inputs.items()},
                    "expected": answer.expected.tolist(), "got": answer.got.tolist()}
        print(json.dumps(out))
    elif isinstance(answer, Counterexample):
        print("counterexample:")
        rows = [(f"{name} =", value) for name, value in answer.inputs.items()]
        for label, value in rows + [("A gives", answer.expected), ("B gives", answer.got)]:
            print(f"  {label} " + _array_text(value, indent=len(label) + 3))
    else:
        print(answer.describe())
    return 0 if isinstance(answer, Proved) else EXIT_REFUTED if isinstance(answer, Counterexample) else EXIT_UNPROVED


def _einsum_plan(args) -> int:
    from synth.einsum import plan
    result = plan(args.expr, *_einsum_shapes(args.shapes), memory_limit=args.memory_limit)
    if args.json:
        print(json.dumps(result.to_json()))
        return 0
    print(f"{result.bound.expr}: {result.flops} FLOPs, largest intermediate "
          f"{result.largest_intermediate} elements")
    for step in result.steps:
        print(f"  contract {list(step.operands)} -> ({' '.join(step.result)})  {step.flops} FLOPs")
    return 0


def _einsum_shapes(text: str) -> list[tuple[int, ...]]:
    """`8x16,16x32` -> [(8, 16), (16, 32)]; an empty entry or `()` is a scalar."""
    shapes = []
    for part in text.split(","):
        part = part.strip()
        try:
            shapes.append(() if part in ("", "()") else tuple(int(d) for d in part.split("x")))
        except ValueError:
            raise SynthError(f"bad shape {part!r} in --shapes", found=repr(text),
                             expected="sizes joined by x, shapes by commas, e.g. 8x16,16x32") from None
        if any(d < 0 for d in shapes[-1]):
            raise SynthError(f"negative size in shape {part!r}", found=repr(text))
    return shapes


def _array_text(value, indent: int) -> str:
    import numpy as np
    return np.array2string(np.asarray(value), separator=", ", max_line_width=100).replace("\n", "\n" + " " * indent)


def _fmt(args) -> int:
    from synth.dsl import formatter_for
    path = Path(args.file)
    parse, fmt = formatter_for(path)
    text = fmt(parse(_read(path), file=str(path)))
    if args.write:
        path.write_text(text)
    else:
        print(text, end="")
    return 0


def _rasp_value(args):
    from synth.dsl import rasp
    path = Path(args.file)
    if not path.is_file():
        raise SynthError("no such RASP file", found=str(path), expected="a .rasp file")
    return rasp.evaluate(rasp.run_file(path), args.expr)


def _rasp_run(args) -> int:
    from synth.dsl import rasp
    if args.input_json is not None:
        try:
            tokens = json.loads(args.input_json)
        except json.JSONDecodeError as e:
            raise SynthError("--input-json is not JSON", found=e.msg) from None
        if not isinstance(tokens, list):
            raise SynthError("--input-json must be a JSON list", found=type(tokens).__name__)
    else:
        tokens = list(args.input)
    result = rasp.apply(_rasp_value(args), tokens)
    print(json.dumps(result.to_json()) if args.json else result)
    return 0


def _rasp_compile(args) -> int:
    from synth import rasp
    if args.max_len < 1 or not args.vocab:
        raise SynthError("compilation needs a vocabulary and a maximum length >= 1",
                         found=f"--vocab {args.vocab!r} --max-len {args.max_len}")
    model = rasp.compile(_rasp_value(args), list(dict.fromkeys(args.vocab)), args.max_len,
                         limit=args.limit, samples=args.samples)
    if args.save:
        rasp.save(args.save, model.params, model.compiled)
    print(json.dumps(model.to_json()) if args.json else model.describe())
    return 0


def _rasp_synth(args) -> int:
    from synth.rasp import synthesize as rs
    budget = rs.Budget(seconds=args.seconds, max_size=args.max_size)
    if args.examples is not None:
        report = rs.synthesize_file(args.examples, budget)
    else:
        report = rs.synthesize_task(args.task, budget, seed=args.seed)
    found = report.result.text is not None
    if args.json:
        print(json.dumps(report.to_json()))
    elif found:
        print(report.describe(), end="")
    if not found and not args.json:
        print(f"synth: no RASP program found for {report.name} within the budget "
              f"({report.result.stats.tried} terms tried up to size {report.result.stats.size})",
              file=sys.stderr)
    return 0 if found else EXIT_NOT_FOUND


def _rasp_layers(args) -> int:
    from synth.dsl import rasp
    layers = rasp.layers(_rasp_value(args))
    print(json.dumps(layers.to_json()) if args.json else layers.describe())
    return 0


def _load_optim(path: str):
    from synth.dsl import optim
    return optim.parse(_read(Path(path)), file=path)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as e:
        raise SynthError(f"cannot read {path}", found=e.strerror) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synth", description="Program synthesis for DSLs.")
    commands = parser.add_subparsers(dest="command", required=True)

    d = commands.add_parser("discover", help="search a space of programs (optimizer update rules)")
    d.add_argument("--space", required=True, help="optimizers")
    d.add_argument("--init", default="sgd",
                   help="warm start: sgd, momentum, adam, adamw, lion, random, or a .optim file")
    d.add_argument("--budget-evals", type=int, default=DEFAULT_BUDGET,
                   help=f"candidate evaluations, cache hits included (default {DEFAULT_BUDGET})")
    d.add_argument("--population", type=int, default=64)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--out", default="runs/discover", help="output directory")
    d.add_argument("--resume", nargs="?", const=True, default=None, metavar="DIR",
                   help="continue the interrupted run in DIR (default: --out)")
    d.set_defaults(handler=_discover)

    o = commands.add_parser("optim", help="the optimizer DSL").add_subparsers(dest="verb", required=True)
    show = o.add_parser("show", help="print a library optimizer")
    show.add_argument("name")
    show.set_defaults(handler=_optim_show)
    check = o.add_parser("check", help="are two optimizer programs equivalent? (with the evidence)")
    check.add_argument("a")
    check.add_argument("b")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_optim_check)

    t = commands.add_parser("transpile", help="translate assembly between AArch64 and RISC-V 64, verifying each block")
    t.add_argument("input", help="a .s file, or a .c file compiled with the source ISA's cross compiler")
    t.add_argument("--from", dest="source", required=True, choices=("aarch64", "riscv64"))
    t.add_argument("--to", dest="target", required=True, choices=("aarch64", "riscv64"))
    t.add_argument("-o", dest="output", required=True, help="the target assembly (.s)")
    t.add_argument("--report", help="write the per-block report as JSON")
    t.add_argument("--run", action="store_true", help="assemble, link and run both under qemu-user and compare output")
    t.add_argument("-O", dest="opt", default="0", choices=("0", "1", "2", "s"),
                   help="optimisation level when compiling a .c input: -O0 (default), -O1, -O2, -Os")
    t.add_argument("--no-verify", action="store_true", help="emit the guess alone (every block reported unknown)")
    t.add_argument("--no-sketch", action="store_true", help="verify, but do not repair unproved blocks")
    t.set_defaults(handler=_transpile)
    r = commands.add_parser("rasp", help="RASP programs: run them, count their layers and heads, compile them")
    rv = r.add_subparsers(dest="verb", required=True)
    run = rv.add_parser("run", help="run an s-op of a .rasp file on an input")
    run.add_argument("file", help="a .rasp file")
    run.add_argument("--expr", required=True, help="the s-op: a name the file defines, or any expression")
    given = run.add_mutually_exclusive_group(required=True)
    given.add_argument("--input", help="the input; each character is one token")
    given.add_argument("--input-json", help="the input as a JSON list of tokens, e.g. '[3, 1, 2]'")
    run.add_argument("--json", action="store_true", help='print {"output": [...], "type": ...}')
    run.set_defaults(handler=_rasp_run)
    lay = rv.add_parser("layers", help="attention layers and heads per layer an s-op needs")
    lay.add_argument("file", help="a .rasp file")
    lay.add_argument("--expr", required=True, help="the s-op: a name the file defines, or any expression")
    lay.add_argument("--json", action="store_true", help='print {"layers": L, "heads": [...], "max_heads": H}')
    lay.set_defaults(handler=_rasp_layers)
    syn = rv.add_parser("synth", help="find a RASP program from input/output examples, checked and compiled")
    what = syn.add_mutually_exclusive_group(required=True)
    what.add_argument("--task", choices=("reverse", "hist", "double_hist", "sort", "most_freq",
                                         "dyck1", "dyck2"),
                      help="draw the examples from this task (the search sees only the examples)")
    what.add_argument("--examples", help='a JSON file: [{"input": "abc" or [...], "output": [...]}, ...]')
    syn.add_argument("--seconds", type=float, default=240.0, help="search time limit (default 240)")
    syn.add_argument("--max-size", type=int, default=12, help="largest program, in primitives (default 12)")
    syn.add_argument("--seed", type=int, default=0, help="seed of the task's examples")
    syn.add_argument("--json", action="store_true",
                     help="print {program, lines, accuracy, seconds, exhaustive, longer, compiled, ...}")
    syn.set_defaults(handler=_rasp_synth)
    comp = rv.add_parser("compile", help="compile an s-op to transformer weights, checked against the interpreter")
    comp.add_argument("file", help="a .rasp file")
    comp.add_argument("--expr", required=True, help="the s-op: a name the file defines, or any expression")
    comp.add_argument("--vocab", required=True, help="the input tokens, one character each (e.g. abc)")
    comp.add_argument("--max-len", type=int, required=True, help="the longest input")
    comp.add_argument("--limit", type=int, default=20000,
                      help="check every input when there are at most this many, else sample (default 20000)")
    comp.add_argument("--samples", type=int, default=2000, help="inputs checked when sampling (default 2000)")
    comp.add_argument("--save", help="write the weights to this .npz file")
    comp.add_argument("--json", action="store_true",
                      help='print {"layers", "heads", "residual_width", "params", "verified_inputs", ...}')
    comp.set_defaults(handler=_rasp_compile)

    e = commands.add_parser("einsum", help="einsum and einops expressions")
    ev = e.add_subparsers(dest="verb", required=True)
    es = ev.add_parser("synth", help="find a program mapping example inputs to outputs")
    es.add_argument("--examples", action="append", required=True, metavar="EX.npz",
                    help="an .npz of arrays input0, input1, ... and output (repeat for more examples)")
    es.add_argument("--timeout", type=float, default=10.0, help="seconds to search (default 10)")
    es.add_argument("--json", action="store_true",
                    help='print {"program": ..., "seconds": ..., "verified_examples": N, "candidates_tried": ...}')
    es.set_defaults(handler=_einsum_synth)
    ec = ev.add_parser("check", help="are two programs equivalent? (with the evidence; exit 0 proved, "
                                     "1 counterexample, 3 unknown)")
    ec.add_argument("a", help="a program: an expression, or a chain of them joined by | (e.g. 'ij->ji | ij,jk->ik')")
    ec.add_argument("b", help="the other program, taking the same inputs")
    ec.add_argument("--shapes", help="the inputs' shapes, e.g. 8x16,16x32 (default: prove at every shape where "
                                     "the normal form allows it, search for counterexamples at small shapes)")
    ec.add_argument("--json", action="store_true",
                    help='print {"proved", "evidence", "detail"} (and "inputs", "expected", "got" if refuted)')
    ec.set_defaults(handler=_einsum_check)

    ep = ev.add_parser("plan", help="the cheapest contraction order (FLOPs, largest intermediate)")
    ep.add_argument("expr", help="an expression, e.g. 'ij,jk,kl->il' or 'b h i d, b h j d -> b h i j'")
    ep.add_argument("--shapes", required=True, help="the operands' shapes, e.g. 8x16,16x32")
    ep.add_argument("--memory-limit", type=int, help="the most elements an intermediate may have")
    ep.add_argument("--json", action="store_true",
                    help='print {"path", "flops", "largest_intermediate", "steps", ...}')
    ep.set_defaults(handler=_einsum_plan)

    f = commands.add_parser("fmt", help="print a program in canonical form")
    f.add_argument("file")
    f.add_argument("--write", action="store_true", help="rewrite the file in place")
    f.set_defaults(handler=_fmt)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except SynthError as e:
        print(f"synth: error: {e}", file=sys.stderr)
        return EXIT_INTERRUPTED if isinstance(e, Interrupted) else EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("synth: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
