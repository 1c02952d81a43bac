"""Einsum synthesis from input/output examples: the share of tasks solved within the time limit.

    python benchmarks/einsum_synth.py [--timeout 10] [--examples 1] [--only NAME ...]

Each task is a generator of random inputs (seeded) and a reference written in plain NumPy,
used only to compute the expected outputs: the synthesizer sees nothing but the arrays. A
task counts as solved when the program found within the limit (wall clock, as the
synthesizer's own timeout counts it) also agrees with the reference on a fresh held-out
example (new random values); CPU seconds are shown beside, for machines shared with others. Control tasks (outside the DSL:
nothing linear and multiplicative maps their inputs to their outputs) must come back as
NotFound; they are reported apart and not counted in the share.

No peer runs here: the anchor is TF-Coder's published result (63 of 70 real tensor
manipulation tasks within 5 minutes; Shi et al., TOPLAS 2022). The last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import platform
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np

from synth.einsum import einsum, format
from synth.einsum.synthesize import Found, synthesize


@dataclass(frozen=True)
class Task:
    name: str
    category: str
    shapes: tuple[tuple[int, ...], ...]
    reference: Callable[..., np.ndarray]
    dtype: type = np.float64

    def example(self, seed: int):
        rng = np.random.default_rng(seed)
        inputs = [rng.standard_normal(s).astype(self.dtype) for s in self.shapes]
        return inputs, np.asarray(self.reference(*inputs))


def _t(a, *axes):
    return np.transpose(a, axes)


TASKS = [
    # transposes
    Task("transpose", "transpose", ((3, 4),), lambda a: a.T),
    Task("transpose_square", "transpose", ((5, 5),), lambda a: a.T),
    Task("permute_3d", "transpose", ((2, 3, 4),), lambda a: _t(a, 2, 0, 1)),
    Task("swap_last_two", "transpose", ((2, 3, 4, 5),), lambda a: np.swapaxes(a, -1, -2)),
    Task("nchw_to_nhwc", "transpose", ((2, 3, 4, 5),), lambda a: _t(a, 0, 2, 3, 1)),
    Task("permute_equal_sizes", "transpose", ((4, 4, 4),), lambda a: _t(a, 1, 2, 0)),
    # matrix products and contractions
    Task("matmul", "matmul", ((3, 4), (4, 5)), lambda a, b: a @ b),
    Task("matmul_float32", "matmul", ((6, 7), (7, 5)), lambda a, b: a @ b, np.float32),
    Task("matvec", "matmul", ((3, 4), (4,)), lambda a, v: a @ v),
    Task("vecmat", "matmul", ((3,), (3, 4)), lambda v, a: v @ a),
    Task("dot", "matmul", ((5,), (5,)), lambda a, b: a @ b),
    Task("matmul_square", "matmul", ((4, 4), (4, 4)), lambda a, b: a @ b),
    Task("a_transpose_b", "matmul", ((5, 3), (5, 4)), lambda a, b: a.T @ b),
    Task("chain_of_three", "matmul", ((2, 3), (3, 4), (4, 5)), lambda a, b, c: a @ b @ c),
    Task("tensor_contraction", "matmul", ((2, 3, 4), (3, 4, 5)), lambda a, b: np.tensordot(a, b, 2)),
    Task("bilinear_form", "matmul", ((3,), (3, 4), (4,)), lambda x, a, y: x @ a @ y),
    # batch matmuls and attention
    Task("batch_matmul", "batch matmul", ((2, 3, 4), (2, 4, 5)), lambda a, b: a @ b),
    Task("batch_matmul_bt", "batch matmul", ((2, 3, 4), (2, 5, 4)), lambda a, b: a @ _t(b, 0, 2, 1)),
    Task("batch_dot", "batch matmul", ((3, 5), (3, 5)), lambda a, b: np.sum(a * b, axis=1)),
    Task("batch_matvec", "batch matmul", ((2, 3, 4), (2, 4)), lambda a, v: (a @ v[:, :, None])[..., 0]),
    Task("attention_scores", "attention", ((2, 3, 4, 6), (2, 3, 5, 6)), lambda q, k: q @ np.swapaxes(k, -1, -2)),
    Task("attention_output", "attention", ((2, 3, 4, 5), (2, 3, 5, 6)), lambda p, v: p @ v),
    Task("attention_merged_heads", "attention", ((2, 4, 6), (2, 5, 6)),
         lambda q, k: q.reshape(2, 4, 2, 3).transpose(0, 2, 1, 3) @ k.reshape(2, 5, 2, 3).transpose(0, 2, 3, 1)),
    Task("attention_scores_bnhd", "attention", ((2, 4, 3, 6), (2, 5, 3, 6)),
         lambda q, k: _t(q, 0, 2, 1, 3) @ _t(k, 0, 2, 3, 1)),
    # elementwise products and outer products
    Task("hadamard", "elementwise", ((3, 4), (3, 4)), lambda a, b: a * b),
    Task("scale_columns", "elementwise", ((3, 4), (4,)), lambda a, v: a * v),
    Task("scale_rows", "elementwise", ((3, 4), (3,)), lambda a, v: a * v[:, None]),
    Task("frobenius_inner", "elementwise", ((3, 4), (3, 4)), lambda a, b: np.sum(a * b)),
    Task("outer", "outer product", ((3,), (4,)), np.outer),
    Task("batch_outer", "outer product", ((2, 3), (2, 4)), lambda a, b: a[:, :, None] * b[:, None, :]),
    Task("kron", "outer product", ((2, 3), (4, 5)), np.kron),
    Task("outer_three", "outer product", ((2,), (3,), (4,)), lambda a, b, c: np.multiply.outer(np.multiply.outer(a, b), c)),
    # traces and diagonals
    Task("trace", "trace", ((4, 4),), np.trace),
    Task("diagonal", "trace", ((4, 4),), np.diagonal),
    Task("batch_trace", "trace", ((2, 4, 4),), lambda a: np.trace(a, axis1=1, axis2=2)),
    Task("batch_diagonal", "trace", ((2, 4, 4),), lambda a: np.diagonal(a, axis1=1, axis2=2)),
    Task("trace_of_product", "trace", ((3, 4), (4, 3)), lambda a, b: np.trace(a @ b)),
    # reductions
    Task("sum_rows", "reduction", ((3, 4),), lambda a: a.sum(axis=1)),
    Task("sum_all", "reduction", ((3, 4, 5),), np.sum),
    Task("mean_sequence", "reduction", ((2, 5, 3),), lambda a: a.mean(axis=1)),
    Task("max_last", "reduction", ((2, 3, 4),), lambda a: a.max(axis=-1)),
    Task("min_first", "reduction", ((3, 4),), lambda a: a.min(axis=0)),
    Task("prod_rows", "reduction", ((3, 4),), lambda a: a.prod(axis=1)),
    Task("global_avg_pool", "reduction", ((2, 3, 4, 5),), lambda a: a.mean(axis=(2, 3))),
    Task("mean_keepdims", "reduction", ((2, 5, 3),), lambda a: a.mean(axis=1, keepdims=True)),
    # axis splits and merges
    Task("flatten", "split/merge", ((2, 3, 4, 5),), lambda a: a.reshape(2, 60)),
    Task("merge_leading", "split/merge", ((2, 3, 4),), lambda a: a.reshape(6, 4)),
    Task("split_leading", "split/merge", ((6, 5),), lambda a: a.reshape(2, 3, 5)),
    Task("unflatten_image", "split/merge", ((2, 12, 5),), lambda a: a.reshape(2, 3, 4, 5).transpose(0, 3, 1, 2)),
    Task("split_heads", "split/merge", ((2, 5, 12),), lambda a: a.reshape(2, 5, 3, 4).transpose(0, 2, 1, 3)),
    Task("merge_heads", "split/merge", ((2, 3, 5, 4),), lambda a: a.transpose(0, 2, 1, 3).reshape(2, 5, 12)),
    Task("max_pool_2x2", "split/merge", ((2, 4, 6, 3),), lambda a: a.reshape(2, 2, 2, 3, 2, 3).max(axis=(2, 4))),
    Task("avg_pool_1d", "split/merge", ((8, 3),), lambda a: a.reshape(4, 2, 3).mean(axis=1)),
    Task("space_to_depth", "split/merge", ((2, 4, 6, 3),),
         lambda a: a.reshape(2, 2, 2, 3, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 3, 12)),
    Task("depth_to_space", "split/merge", ((2, 2, 3, 12),),
         lambda a: a.reshape(2, 2, 3, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 4, 6, 3)),
    Task("squeeze", "split/merge", ((3, 1, 4),), lambda a: a[:, 0, :]),
    Task("expand_dims", "split/merge", ((3, 4),), lambda a: a[:, None, :]),
    # repeats (broadcast)
    Task("repeat_new_axis", "repeat", ((3, 4),), lambda a: np.repeat(a[:, :, None], 5, axis=2)),
    Task("broadcast_batch", "repeat", ((3, 4),), lambda a: np.broadcast_to(a, (2, 3, 4))),
    Task("tile_rows", "repeat", ((3, 4),), lambda a: np.tile(a, (2, 1))),
    Task("repeat_interleave", "repeat", ((3, 4),), lambda a: np.repeat(a, 2, axis=0)),
    # equal sizes everywhere: shapes prune little, so the search itself is measured
    Task("attention_scores_equal", "equal sizes", ((3, 3, 3, 3), (3, 3, 3, 3)),
         lambda q, k: q @ np.swapaxes(k, -1, -2)),
    Task("attention_output_equal", "equal sizes", ((2, 2, 2, 2), (2, 2, 2, 2)), lambda p, v: p @ v),
    Task("batch_matmul_equal", "equal sizes", ((3, 3, 3), (3, 3, 3)), lambda a, b: a @ b),
    Task("chain_of_four_equal", "equal sizes", ((3, 3),) * 4, lambda a, b, c, d: a @ b @ c @ d),
    Task("chain_of_five_equal", "equal sizes", ((3, 3),) * 5, lambda *m: np.linalg.multi_dot(m)),
    Task("tensor_contraction_equal", "equal sizes", ((3, 3, 3), (3, 3, 3)), lambda a, b: np.tensordot(a, b, 2)),
    Task("batch_bilinear_equal", "equal sizes", ((3, 3), (3, 3, 3), (3, 3)),
         lambda x, a, y: np.sum(x[:, :, None] * a * y[:, None, :], axis=(1, 2))),
    Task("transpose_5d_equal", "equal sizes", ((3, 3, 3, 3, 3),), lambda a: _t(a, 4, 2, 0, 3, 1)),
    Task("space_to_depth_square", "equal sizes", ((2, 4, 4, 4),),
         lambda a: a.reshape(2, 2, 2, 2, 2, 4).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 2, 16)),
    Task("diagonal_times_matrix", "equal sizes", ((4, 4), (4, 4)), lambda a, b: np.diagonal(a)[:, None] * b),
    # splits and merges across operands
    Task("batch_kron", "across operands", ((2, 2, 3), (2, 4, 5)),
         lambda a, b: (a[:, :, None, :, None] * b[:, None, :, None, :]).reshape(2, 8, 15)),
    Task("attention_merged_output", "across operands", ((2, 3, 4, 4), (2, 4, 12)),
         lambda p, v: (p @ v.reshape(2, 4, 3, 4).transpose(0, 2, 1, 3)).transpose(0, 2, 1, 3).reshape(2, 4, 12)),
    Task("pixel_unshuffle_nchw", "across operands", ((2, 3, 4, 4),),
         lambda a: a.reshape(2, 3, 2, 2, 2, 2).transpose(0, 1, 3, 5, 2, 4).reshape(2, 12, 2, 2)),
    Task("group_transpose", "across operands", ((12,),), lambda a: a.reshape(3, 4).T.reshape(12)),
    # stress: many operands whose axes all have one size, three-way splits
    Task("chain_of_six_equal", "stress", ((3, 3),) * 6, lambda *m: np.linalg.multi_dot(m)),
    Task("chain_of_seven_equal", "stress", ((3, 3),) * 7, lambda *m: np.linalg.multi_dot(m)),
    Task("ring_of_four_equal", "stress", ((3, 3),) * 4, lambda a, b, c, d: np.trace(a @ b @ c @ d)),
    Task("attention_three_operands_equal", "stress", ((2, 2, 2, 2),) * 3,
         lambda q, k, v: (q @ np.swapaxes(k, -1, -2)) @ v),
    Task("diagonals_of_four_equal", "stress", ((2, 2), (2, 2, 2), (2, 2), (2, 2, 2)),
         lambda a, b, c, d: np.einsum("aa,abb,bc,cdd->", a, b, c, d)),
    Task("mps_equal", "stress", ((3, 3), (3, 3, 3), (3, 3, 3), (3, 3)),
         lambda a, b, c, d: np.einsum("ia,abj,bck,cl->ijkl", a, b, c, d)),
    Task("peps_2x2", "stress", ((2, 3, 3), (3, 2, 3), (3, 2, 3), (3, 3, 2)),
         lambda a, b, c, d: np.einsum("iab,aje,bkf,efl->ijkl", a, b, c, d)),
    Task("pixel_shuffle_nchw", "stress", ((2, 12, 2, 2),),
         lambda a: a.reshape(2, 3, 2, 2, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(2, 3, 4, 4)),
]

# Outside the DSL: a synthesizer that claims a program for these is wrong.
CONTROLS = [
    Task("add_one", "control", ((3, 4),), lambda a: a + 1),
    Task("square", "control", ((3, 4),), lambda a: a * a),
    Task("softmax", "control", ((3, 4),), lambda a: np.exp(a) / np.exp(a).sum(axis=1, keepdims=True)),
    Task("cumsum", "control", ((5,),), np.cumsum),
    Task("matmul_plus_bias", "control", ((3, 4), (4, 5), (5,)), lambda a, b, c: a @ b + c),
]


def run(task: Task, timeout: float, n_examples: int) -> dict:
    examples = [task.example(seed) for seed in range(n_examples)]
    cpu = time.process_time()
    result = synthesize(examples, timeout=timeout)
    row = {"task": task.name, "category": task.category, "seconds": round(result.seconds, 4),
           "cpu_seconds": round(time.process_time() - cpu, 4), "candidates": result.candidates_tried}
    if not isinstance(result, Found):
        return row | {"found": False, "held_out": False, "reason": result.reason}
    inputs, expected = task.example(seed=1000)
    got = einsum(result.program, *inputs)
    tolerance = 1e-4 if task.dtype == np.float32 else 1e-9
    held_out = got.shape == expected.shape and bool(np.allclose(got, expected, rtol=tolerance, atol=tolerance))
    return row | {"found": True, "held_out": held_out, "program": format(result.program)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--examples", type=int, default=1, help="examples given per task")
    parser.add_argument("--only", nargs="*", help="run only these tasks")
    args = parser.parse_args()
    chosen = [t for t in TASKS + CONTROLS if not args.only or t.name in args.only]

    rows = []
    for task in chosen:
        row = run(task, args.timeout, args.examples)
        rows.append(row)
        status = ("solved" if row["held_out"] else "WRONG on held-out") if row["found"] else "not found"
        print(f"{task.name:30s} {task.category:16s} {row['seconds']:8.3f} s {row['cpu_seconds']:8.3f} cpu-s "
              f"{row['candidates']:6d} cand  "
              f"{status:18s} {row.get('program', row.get('reason', ''))}", flush=True)

    tasks = [r for r in rows if r["category"] != "control"]
    controls = [r for r in rows if r["category"] == "control"]
    solved = [r for r in tasks if r["found"] and r["held_out"] and r["seconds"] <= args.timeout]
    seconds = sorted(r["seconds"] for r in tasks)
    summary = {
        "tasks": len(tasks), "solved": len(solved),
        "solved_share": round(len(solved) / len(tasks), 4) if tasks else None,
        "timeout_s": args.timeout, "examples_per_task": args.examples,
        "median_seconds": seconds[len(seconds) // 2] if seconds else None,
        "max_seconds": seconds[-1] if seconds else None,
        "max_cpu_seconds": max((r["cpu_seconds"] for r in tasks), default=None),
        "total_seconds": round(sum(seconds), 2),
        "wrong_on_held_out": [r["task"] for r in tasks if r["found"] and not r["held_out"]],
        "unsolved": [r["task"] for r in tasks if r not in solved],
        "controls": len(controls), "controls_claimed": [r["task"] for r in controls if r["found"]],
        "anchor": "TF-Coder: 63/70 real tasks within 300 s",
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
    }
    print(f"\nsolved {len(solved)}/{len(tasks)} within {args.timeout:g} s "
          f"(median {summary['median_seconds']} s, max {summary['max_seconds']} s); "
          f"controls claimed: {len(summary['controls_claimed'])}/{len(controls)}")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
