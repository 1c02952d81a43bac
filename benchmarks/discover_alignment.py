"""How well the search fitness predicts the meta-validation fitness, on a fixed panel of rules.

    python benchmarks/discover_alignment.py

The search can only find what its fitness rewards, and the final ranking is on tasks it never
sees; if the two disagree, a longer search finds programs that are better on the search tasks
and worse held out (measured: a rule whose step grows with sqrt|w| reached Rosenbrock's floor
and scored -2.60 in search, -1.60 held out). The panel: hand-written rules (SGD, heavy-ball and
EMA momentum at several betas, Nesterov, Adam, Lion, clipped SGD) and programs earlier searches
found. For each, its search fitness (as Funnel gives a promoted program: mean over every search
task at SEARCH_LRS, seed 0) and its meta-validation fitness (leaderboard: best of FINAL_LRS, mean
of FINAL_SEEDS); then the rank correlation of the two. Last line JSON.
"""
from __future__ import annotations

import json
import time

import numpy as np

from synth.discover import tasks
from synth.discover.evaluate import SEARCH_LRS, _padded, scorer
from synth.discover.leaderboard import evaluate_program
from synth.dsl import optim


def program(body: str) -> optim.Program:
    lines = "\n".join("    " + line for line in body.strip().splitlines())
    return optim.parse(f"def train(w, g, m, v, lr):\n{lines}\n    return update, m, v\n")


def heavy_ball(beta: float) -> optim.Program:
    return program(f"m1 = m * {beta}\nm = m1 + g\nupdate = m * lr")


def ema_momentum(rate: float) -> optim.Program:
    """Momentum as an exponential average: heavy-ball with beta 1 - rate, its step scaled by rate."""
    return program(f"m = interp(m, g, {rate})\nupdate = m * lr")


def nesterov(beta: float) -> optim.Program:
    return program(f"m1 = m * {beta}\nm = m1 + g\nm2 = m * {beta}\nd = m2 + g\nupdate = d * lr")


# Rules that are neither in the library nor a momentum family: Lion without its weight decay,
# clipped SGD and its variants, and programs earlier searches found.
OTHERS = {
    "lion": """
        c = interp(m, g, 0.1)
        s = sign(c)
        m = interp(m, g, 0.01)
        update = s * lr""",
    "clip": """
        c = clip(g, 0.1)
        update = c * lr""",
    "found_cbrt_momentum": """
        g = cbrt(g)
        m = interp(m, g, 0.09139)
        r = sqrt(lr)
        r = r * 0.5077
        update = m * r""",
    "hb95x3": """
        m1 = m * 0.95
        m = m1 + g
        u = m * lr
        update = u * 3.0""",
    "adan_like": """
        m = interp(m, g, 0.1)
        d = m + g
        update = d * lr""",
    "found_w_step": """
        t3 = expm1(w)
        w = clip(t3, lr)
        v = interp(v, g, 0.06958)
        lr = sqrt(w)
        g = sqrt(t3)
        t3 = negative(t3)
        lr = expm1(lr)
        lr = expm1(lr)
        lr = expm1(lr)
        lr = expm1(lr)
        t3 = dot(t3, m)
        update = v * lr
        m = 0.7799 - g
        t3 = interp(v, t3, t3)
        v = min(0.8722, v)
        update = clip(update, t3)""",
    "found_w_step_b": """
        w = clip(w, lr)
        m = arctan(m)
        v = interp(v, g, 0.06765)
        lr = sqrt(w)
        lr = expm1(lr)
        lr = expm1(lr)
        lr = expm1(lr)
        update = v * lr
        v = min(0.6957, v)
        m = interp(m, m, 0.01591)""",
    "found_ema_expm1_b": """
        v = interp(v, g, 0.06765)
        lr = sqrt(lr)
        m = m / 3.0321
        lr = tanh(lr)
        lr = expm1(lr)
        lr = expm1(lr)
        update = v * lr
        m = interp(m, g, g)
        g = interp(g, g, g)
        m = interp(m, g, 0.01591)""",
    "found_ema_expm1": """
        v = interp(v, g, 0.06765)
        lr = expm1(lr)
        update = v * lr
        m = lr + w""",
    "found_cbrt_momentum_b": """
        g = cbrt(g)
        m = interp(m, g, 0.09139)
        t0 = 0.3084 * lr
        lr = sqrt(t0)
        update = m * lr
        m = sin(m)
        v = power(lr, v)
        v = clip(v, v)
        m = interp(m, m, v)""",
    "found_clip_rule": """
        m = clip(m, w)
        lr = lr + m
        g = v + g
        t0 = interp(lr, g, m)
        m = cosine_sim(0.003048, m)
        m = square(m)
        t2 = t0 * w
        t1 = arcsin(g)
        t1 = arcsin(t1)
        t4 = square(g)
        update = clip(t1, lr)
        t5 = arctan(lr)
        t5 = min(update, t5)
        g = sign(update)
        m = expm1(m)
        v = interp(v, update, 0.04096)
        t5 = clip(v, t2)
        m = interp(1.291e-05, g, t2)
        lr = interp(w, lr, 0.6677)
        t0 = interp(t0, t0, lr)""",
}

PANEL = {
    "sgd": optim.library.load("sgd"),
    "adam": optim.library.load("adam"),
    "hb90": optim.library.load("momentum"),
    **{f"hb{round(b * 100)}": heavy_ball(b) for b in (0.93, 0.95, 0.98)},
    **{f"ema{round(100 - r * 100)}": ema_momentum(r) for r in (0.1, 0.07126, 0.05, 0.02)},
    **{f"nest{round(b * 100)}": nesterov(b) for b in (0.9, 0.95)},
    **{name: program(body) for name, body in OTHERS.items()},
}


def spearman(a, b) -> float:
    ranks = lambda x: np.argsort(np.argsort(x))
    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def main() -> None:
    began = time.time()
    names = list(PANEL)
    programs = [PANEL[n] for n in names]
    search_tasks = tasks.STAGE1 + tasks.STAGE2
    per_task = np.array([scorer(t)(_padded(programs, max(32, len(programs))), len(programs))
                         for t in search_tasks])
    search = per_task.mean(axis=0)
    meta = np.array([evaluate_program(n, p, tasks.META_VALIDATION, optim.format(p)).fitness
                     for n, p in zip(names, programs)])
    print(f"{'rule':24s} {'search':>7s} {'meta':>7s}  " + " ".join(f"{t.name[:10]:>10s}" for t in search_tasks))
    for i in np.argsort(search):
        print(f"{names[i]:24s} {search[i]:7.3f} {meta[i]:7.3f}  "
              + " ".join(f"{s:10.2f}" for s in per_task[:, i]))
    rho = spearman(search, meta)
    top = names[int(np.argmin(search))]
    print(f"rank correlation (Spearman) of search and meta-validation fitness: {rho:.3f}; "
          f"search's favourite: {top} (meta {meta[names.index(top)]:.3f}); "
          f"best held out: {names[int(np.argmin(meta))]} ({meta.min():.3f})")
    print(json.dumps({"spearman": rho, "search_lrs": list(SEARCH_LRS), "seconds": time.time() - began,
                      "rules": {n: {"search": float(s), "meta": float(m)}
                                for n, s, m in zip(names, search, meta)}}))


if __name__ == "__main__":
    main()
