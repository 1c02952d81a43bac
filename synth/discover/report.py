"""The files a discovery run leaves: results.json, best.optim, best_optax.py, best.hlo.txt, progress.png."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from synth.discover import tasks as task_registry
from synth.discover.leaderboard import FINAL_SEEDS, format_table, leaderboard
from synth.discover.evaluate import FINAL_LRS, SEARCH_LRS
from synth.dsl import optim
from synth.dsl.optim import analysis, export
from synth.files import write_atomically
from synth.search.evolution import SearchState, finalists as pick_finalists


def write_results(out: Path, config, state: SearchState, redundancy: float, seconds: float) -> dict:
    finalists = pick_finalists(state, config.finalists)
    programs = [(f"found#{i + 1}", analysis.remove_dead(optim.parse(text)), text)
                for i, (text, _) in enumerate(finalists)]
    entries = leaderboard(programs, [task_registry.get_task(n) for n in config.meta_validation])
    winner = next(e for e in entries if e.program is not None)
    search_fitness = dict(finalists)[winner.program]
    raw = optim.parse(winner.program)
    simplified = analysis.simplify(raw)
    baselines = {e.name: e.fitness for e in entries if e.program is None}
    results = {
        "best": {
            "program": winner.program,
            "simplified": optim.format(simplified.program),
            "simplified_equivalence": simplified.evidence.describe(),
            "fitness": winner.fitness,
            "search_fitness": search_fitness,
            "per_task": winner.per_task,
        },
        "baselines": baselines,
        "baselines_per_task": {e.name: e.per_task for e in entries if e.program is None},
        "leaderboard": [asdict(e) for e in entries],
        "evaluations": state.proposals,
        "unique_evaluations": len(state.scores),
        "cache_hit_rate": state.cache_hit_rate,
        "redundant_statement_share": redundancy,
        "restarts": state.restarts,
        "seconds": seconds,
        "config": asdict(config),
        "search_tasks": {"stage1": list(config.stage1), "stage2": list(config.stage2)},
        "meta_validation_tasks": list(config.meta_validation),
        "fitness": "mean over tasks of log10(final / initial held-out loss), lower is better; "
                   f"search: best of lr {list(SEARCH_LRS)}, seed 0, on every search task (stage 1 and 2) for "
                   "the quarter of each batch best on the stage-1 tasks (the rest: 1 + 10**(stage-1 mean - 1)); "
                   f"final (best.fitness, baselines): best of lr {list(FINAL_LRS)}, mean of seeds "
                   f"{list(FINAL_SEEDS)}, on meta-validation tasks never seen in search",
    }
    write_atomically(out / "results.json", json.dumps(results, indent=2))
    write_atomically(out / "best.optim", winner.program)
    write_atomically(out / "best_optax.py", export.to_python_module(simplified.program))
    write_atomically(out / "best.hlo.txt", export.hlo_text(simplified.program))
    plot_progress(state, out / "progress.png")
    results["table"] = format_table(entries)
    return results


def plot_progress(state: SearchState, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 4))
    xs, ys = zip(*state.trace) if state.trace else ((), ())
    ax.step(xs, ys, where="post")
    ax.set_xlabel("evaluations")
    ax.set_ylabel("best search fitness (lower is better)")
    ax.set_title("synth discover --space optimizers")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
