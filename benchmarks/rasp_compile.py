"""Compiling RASP to transformer weights: synth's compiler against tracr, on tracr's library.

Each program of tracr.compiler.lib is written twice, in RASP for synth (its library file
synth/dsl/rasp/library/tracr.rasp) and with tracr's Python API (lib.make_*), and compiled by
both for the same vocabulary and maximum length.
synth's model is checked against the interpreter on every input (compile fails on any
disagreement); tracr's is run on a few inputs and compared with tracr's own evaluator.
Reported per program: layers (attention + MLP pairs), heads per layer, residual width,
parameters (every entry of every array the forward pass uses, embeddings and biases included,
tracr's counted the same way from its assembled model's params) and compile time (synth's
without and with its exhaustive check). Prints one line per program, then JSON.

    .venv/bin/python benchmarks/rasp_compile.py [--max-len 5] [--only NAME ...]
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np

from synth import rasp as synth_rasp
from synth.dsl.rasp import evaluate, library, run_file



def tracr_programs(max_len: int) -> dict:
    from tracr.compiler import lib
    from tracr.rasp import rasp
    return {
        "length": (lib.make_length(), "abc"),
        "reverse": (lib.make_reverse(rasp.tokens), "abc"),
        "hist": (lib.make_hist(), "abc"),
        "sort_unique": (lib.make_sort_unique(rasp.tokens, rasp.tokens), "abc"),
        "sort": (lib.make_sort(rasp.tokens, rasp.tokens, max_seq_len=max_len, min_key=1), "123"),
        "sort_freq": (lib.make_sort_freq(max_seq_len=max_len), "abc"),
        "frac_prevs": (lib.make_frac_prevs(rasp.tokens == "a"), "abc"),
        "pair_balance": (lib.make_pair_balance(rasp.tokens, "(", ")"), "()"),
        "shuffle_dyck": (lib.make_shuffle_dyck(["()"]), "()"),
        "shuffle_dyck2": (lib.make_shuffle_dyck2(), "(){}"),
        "count_less_freq": (lib.make_count_less_freq(2), "abc"),
        "detect_pattern": (lib.detect_pattern(rasp.tokens, "abc"), "abc"),
    }


def synth_expressions(max_len: int) -> dict:
    """What to evaluate in synth's tracr.rasp for each program; the rest are its names."""
    return {"sort": f"make_sort(tokens_int, tokens_int, {max_len}, 1)",
            "sort_freq": f"make_sort_freq({max_len})"}


def tracr_row(program, vocab: str, max_len: int) -> dict:
    from tracr.compiler import compiling
    from tracr.rasp import rasp
    tokens = [int(t) for t in vocab] if vocab.isdigit() else list(vocab)
    start = time.perf_counter()
    model = compiling.compile_rasp_to_model(program, set(tokens), max_len, compiler_bos="BOS")
    seconds = time.perf_counter() - start
    rng = np.random.default_rng(0)
    for _ in range(20):                     # the model against tracr's evaluator
        x = list(rng.choice(tokens, size=max_len))
        x = [int(t) if isinstance(t, np.integer) else str(t) for t in x]
        try:
            want = rasp.evaluate(program, x)
        except ValueError:                  # no meaning in tracr either (sort_unique, repeats)
            continue
        got = model.apply(["BOS"] + x).decoded[1:]
        close = all(w is None or (abs(g - w) < 1e-3 if isinstance(w, (int, float)) and
                                  isinstance(g, (int, float)) else g == w) for g, w in zip(got, want))
        if not close:
            raise SystemExit(f"tracr's model disagrees with tracr's evaluator on {x}: {got} vs {want}")
    config, params = model.model_config, model.params
    heads = []
    for layer in range(config.num_layers):
        w = np.asarray(params[f"transformer/layer_{layer}/attn/query"]["w"])
        per_head = w.reshape(w.shape[0], config.num_heads, -1)
        heads.append(int(sum(np.abs(per_head[:, h]).sum() > 0 for h in range(config.num_heads))))
    count = int(sum(np.size(a) for d in params.values() for a in d.values()))
    return {"layers": config.num_layers, "heads": heads, "residual_width": len(model.residual_labels),
            "params": count, "compile_s": round(seconds, 3)}


def synth_row(env, name: str, vocab: str, max_len: int) -> dict:
    sop = evaluate(env, synth_expressions(max_len).get(name, name))
    start = time.perf_counter()
    compiled = synth_rasp.compile_sop(sop, list(vocab), max_len)
    params = synth_rasp.arrays(compiled)
    seconds = time.perf_counter() - start
    check = synth_rasp.verify(sop, compiled, params)
    total = time.perf_counter() - start
    return {"layers": compiled.layers, "heads": compiled.heads_per_layer,
            "residual_width": compiled.width, "params": synth_rasp.parameter_count(params),
            "compile_s": round(seconds, 3), "compile_and_check_s": round(total, 3),
            "verified_inputs": check.checked, "undefined_inputs": check.undefined,
            "verification": check.method}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-len", type=int, default=5)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--no-tracr", action="store_true")
    args = parser.parse_args()
    env = run_file(library.path("tracr"))
    rows = []
    for name, (program, vocab) in tracr_programs(args.max_len).items():
        if args.only and name not in args.only:
            continue
        row = {"program": name, "vocab": vocab, "max_len": args.max_len}
        try:
            row["synth"] = synth_row(env, name, vocab, args.max_len)
        except Exception as e:        # noqa: BLE001 -- a refusal is a result to report
            row["synth"] = {"error": str(e)}
        if not args.no_tracr:
            try:
                row["tracr"] = tracr_row(program, vocab, args.max_len)
            except Exception as e:    # noqa: BLE001
                row["tracr"] = {"error": f"{type(e).__name__}: {e}"}
        s, t = row["synth"], row.get("tracr", {})
        if "error" not in s and "error" not in t and t:
            row["target_met"] = s["layers"] <= t["layers"] and s["params"] <= t["params"]
        print(f"{name:16s} synth " + (f"L={s['layers']} heads={s['heads']} d={s['residual_width']} "
                                      f"params={s['params']} {s['compile_s']:.2f}s "
                                      f"(+check {s['verification']} {s['verified_inputs']})"
                                      if "error" not in s else f"ERROR {s['error']}"), flush=True)
        if t:
            print(f"{'':16s} tracr " + (f"L={t['layers']} heads={t['heads']} d={t['residual_width']} "
                                        f"params={t['params']} {t['compile_s']:.2f}s"
                                        if "error" not in t else f"ERROR {t['error']}"), flush=True)
        rows.append(row)
    print(json.dumps({"benchmark": "rasp_compile", "max_len": args.max_len, "rows": rows}))


if __name__ == "__main__":
    main()
