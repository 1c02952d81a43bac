"""Quality of `synth discover --space optimizers` from a warm start, over several seeds.

    python benchmarks/discover_quality.py [--init sgd] [--seeds 0 1 2] [--budget-evals N] [--out DIR]

Runs the discovery with its default budget (the one `make demo` uses) once per seed and puts
the best program's meta-validation fitness beside the tuned baselines of the same run (same
tasks, same learning-rate grid, same seeds). Lower is better. The last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from synth.discover.run import DiscoverConfig, discover


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--init", default="sgd")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget-evals", type=int, default=DiscoverConfig.budget_evals)
    parser.add_argument("--out", default="runs/quality")
    args = parser.parse_args()
    rows = []
    for seed in args.seeds:
        began = time.time()
        config = DiscoverConfig(init=args.init, budget_evals=args.budget_evals, seed=seed)
        r = discover(config, Path(args.out) / f"seed{seed}")
        rows.append({"seed": seed, "best": r["best"]["fitness"], **r["baselines"],
                     "program": r["best"]["simplified"], "seconds": time.time() - began,
                     "cache_hit_rate": r["cache_hit_rate"],
                     "redundant_statement_share": r["redundant_statement_share"],
                     "per_task": r["best"]["per_task"],
                     "baselines_per_task": r["baselines_per_task"]})
        print(f"seed {seed}: best {rows[-1]['best']:.3f}  sgd_momentum {rows[-1]['sgd_momentum']:.3f}"
              f"  adamw {rows[-1]['adamw']:.3f}  lion {rows[-1]['lion']:.3f}"
              f"  ({rows[-1]['seconds']:.0f} s)", flush=True)
    beats_momentum = sum(r["best"] < r["sgd_momentum"] for r in rows)
    matches_adamw = sum(r["best"] <= r["adamw"] for r in rows)
    print(f"best beats tuned sgd_momentum in {beats_momentum}/{len(rows)} seeds, "
          f"matches or beats tuned adamw in {matches_adamw}/{len(rows)}")
    print(json.dumps({"init": args.init, "budget_evals": args.budget_evals, "runs": rows,
                      "beats_momentum": beats_momentum, "matches_adamw": matches_adamw}))


if __name__ == "__main__":
    main()
