"""Proxy training tasks (search funnel + meta-validation) on which candidate optimizers are scored."""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import jax
import jax.numpy as jnp
import numpy as np

from synth.errors import NameError_

PyTree = Any
F32 = jnp.float32


@dataclass(frozen=True)
class Task:
    name: str
    steps: int  # training steps a candidate optimizer gets
    init: Callable[[jax.Array], PyTree]  # PRNG key -> dict of float32 arrays
    loss: Callable[[PyTree, jax.Array], jax.Array]  # (params, int32 step) -> minibatch loss of that step
    eval: Callable[[PyTree], jax.Array]  # params -> held-out / full loss used for scoring
    floor: float  # "solved" level: scores use log10(max(eval, floor))
    description: str


def _cached(fn):
    # Data are built lazily so importing the registry costs nothing and never touches sklearn.
    return functools.lru_cache(maxsize=None)(fn)


def _batch_table(n: int, batch: int, rows: int, seed: int) -> np.ndarray:
    """(rows, batch) int32 indices: concatenated epochs of fixed permutations (sampling without replacement)."""
    rng = np.random.default_rng(seed)
    reps = -(-rows * batch // n)
    flat = np.concatenate([rng.permutation(n) for _ in range(reps)])
    return flat[: rows * batch].reshape(rows, batch).astype(np.int32)


def _take_batch(table: np.ndarray, step) -> jax.Array:
    # A traced step indexes the fixed table; wrap so longer-than-planned runs stay deterministic.
    return jnp.take(table, jnp.asarray(step, jnp.int32) % table.shape[0], axis=0)


def _gaussian_params(key, spec: dict) -> dict:
    """spec: name -> (shape, std); std 0 means zeros. One PRNG draw for all leaves: XLA on CPU compiles a
    threefry call per draw slowly (seconds for a vmapped multi-draw init), one draw is ~0.4 s."""
    sizes = [int(np.prod(shape)) for shape, _ in spec.values()]
    flat = jax.random.normal(key, (sum(sizes),), F32)
    out, offsets = {}, np.cumsum([0] + sizes)
    for (name, (shape, std)), o, n in zip(spec.items(), offsets, sizes):
        out[name] = flat[o:o + n].reshape(shape) * np.float32(std)
    return out


def _xent(logits: jax.Array, y: jax.Array) -> jax.Array:
    return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[..., None], axis=-1)[..., 0])


def _standardize(xtr: np.ndarray, xte: np.ndarray):
    mu, sd = xtr.mean(0), xtr.std(0)
    sd = np.where(sd < 1e-6, 1.0, sd)  # digits has constant (always-blank) pixels
    return ((xtr - mu) / sd).astype(np.float32), ((xte - mu) / sd).astype(np.float32)


def _split(x, y, n_test: int, seed: int):
    perm = np.random.default_rng(seed).permutation(len(x))
    te, tr = perm[:n_test], perm[n_test:]
    xtr, xte = _standardize(x[tr].astype(np.float64), x[te].astype(np.float64))
    return xtr, y[tr].astype(np.int32), xte, y[te].astype(np.int32)


def _spirals(n: int, turns: float, noise: float, seed: int):
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0, 1, n)) * turns * 2 * np.pi  # sqrt: uniform density along the arms
    c = rng.integers(0, 2, n)
    r = t / (turns * 2 * np.pi)
    x = np.stack([r * np.cos(t + np.pi * c), r * np.sin(t + np.pi * c)], 1)
    return x + noise * rng.standard_normal((n, 2)), c


@_cached
def _data(dataset: str, n_test: int, seed: int):
    """(x_train, y_train, x_test, y_test): sklearn's bundled sets (no download) or generated spirals."""
    if dataset == "spirals":
        return _split(*_spirals(1500, 1.5, 0.05, 0), n_test, seed)
    import sklearn.datasets as skd

    d = getattr(skd, f"load_{dataset}")()
    return _split(d.data, d.target, n_test, seed)


# ----------------------------------------------------------------------------- stage 1

def _quadratic(name, dim, cond, steps, seed, floor) -> Task:
    @_cached
    def data():
        rng = np.random.default_rng(seed)
        q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
        eig = np.logspace(0.0, -np.log10(cond), dim)
        return q.astype(np.float32), eig.astype(np.float32), rng.standard_normal(dim).astype(np.float32)

    def f(p, step=None):
        q, eig, xstar = data()
        z = (p["x"] - xstar) @ q  # eigen-coordinates; summing eig*z^2 keeps the minimum exactly 0
        return 0.5 * jnp.sum(eig * z * z)

    return Task(name, steps, lambda key: {"x": jax.random.normal(key, (dim,), F32)}, f, f, floor,
                f"rotated quadratic, dim {dim}, condition {cond:.0e}, min 0")


def _rosenbrock(name, pairs, steps, seed, floor) -> Task:
    # Minimum of pair i at (a_i, a_i^2) with a_i drawn per pair, not the textbook (1, 1): an update
    # rule that reads w (update = w - 1) would otherwise solve the task without a gradient, and
    # the search found and exploited such rules.
    a = np.random.default_rng(seed).uniform(0.5, 1.5, pairs).astype(np.float32)

    def init(key):
        start = jnp.tile(jnp.array([-1.2, 1.0], F32), pairs)
        return {"x": start + 0.05 * jax.random.normal(key, (2 * pairs,), F32)}

    def f(p, step=None):
        x, y = p["x"][0::2], p["x"][1::2]
        return jnp.mean((a - x) ** 2 + 100.0 * (y - x * x) ** 2)

    return Task(name, steps, init, f, f, floor,
                f"mean of {pairs} 2-D Rosenbrocks from (-1.2, 1), minima at (a, a^2), a in [0.5, 1.5], min 0")


def _logistic(name, steps, batch, floor) -> Task:
    data = lambda: _data("breast_cancer", 169, 0)
    table = _cached(lambda: _batch_table(len(data()[0]), batch, 1024, 1))

    def init(key):
        return _gaussian_params(key, {"w": ((30,), 0.1), "b": ((1,), 0.0)})

    def nll(p, x, y):
        z = x @ p["w"] + p["b"][0]
        return jnp.mean(jax.nn.softplus(z) - y * z)  # stable log(1+e^z) - y z

    def loss(p, step):
        xtr, ytr, _, _ = data()
        idx = _take_batch(table(), step)
        return nll(p, jnp.asarray(xtr)[idx], jnp.asarray(ytr, F32)[idx])

    def ev(p):
        _, _, xte, yte = data()
        return nll(p, xte, yte.astype(np.float32))

    return Task(name, steps, init, loss, ev, floor,
                f"logistic regression, breast cancer (30 feats), batch {batch}, held-out NLL")


# ----------------------------------------------------------------------------- stage 2 / meta

def _mlp(name, dataset, n_test, sizes, act, steps, batch, seed, floor) -> Task:
    data = lambda: _data(dataset, n_test, seed)
    table = _cached(lambda: _batch_table(len(data()[0]), batch, 1024, seed + 1))
    gain = {"tanh": 1.0, "relu": 2.0}[act]
    act_fn = {"tanh": jnp.tanh, "relu": jax.nn.relu}[act]

    spec = {}
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        spec[f"w{i}"], spec[f"b{i}"] = ((a, b), np.sqrt(gain / a)), ((b,), 0.0)
    init = functools.partial(_gaussian_params, spec=spec)

    def logits(p, x):
        n = len(sizes) - 1
        for i in range(n):
            x = x @ p[f"w{i}"] + p[f"b{i}"]
            if i < n - 1:
                x = act_fn(x)
        return x

    def loss(p, step):
        xtr, ytr, _, _ = data()
        idx = _take_batch(table(), step)
        return _xent(logits(p, jnp.asarray(xtr)[idx]), jnp.asarray(ytr)[idx])

    def ev(p):
        _, _, xte, yte = data()
        return _xent(logits(p, xte), yte)

    src = "generated 1.5-turn two-spirals" if dataset == "spirals" else f"sklearn {dataset}"
    return Task(name, steps, init, loss, ev, floor, f"MLP {'-'.join(map(str, sizes))} {act} on {src}, "
                f"batch {batch}, held-out cross entropy")


def _zipf_majority(rng, n, length, vocab):
    # Zipf(1) token frequencies, token i votes for class i % 3; target: the class with most votes so far
    # (ties -> lowest class). Rare tokens' embeddings get rare, small gradients: the heavy-tailed imbalance
    # that makes adaptive methods beat SGD on language models.
    freq = 1.0 / np.arange(1, vocab + 1)
    x = rng.choice(vocab, (n, length), p=freq / freq.sum())
    votes = np.cumsum(np.eye(3, dtype=np.int64)[x % 3], axis=1)
    return x, np.argmax(votes, -1)


def _count_balance(rng, n, length, vocab):
    # Target is sign(#1 - #0) so far, ties included: the attention has to average, the MLP to threshold.
    x = rng.integers(0, 2, (n, length))
    return x, np.sign(np.cumsum(2 * x - 1, axis=1)) + 1


def _attention(name, gen, vocab, n_out, d, width, length, steps, batch, seed, floor, desc) -> Task:
    """Token + position embeddings, one causal softmax attention head whose scores are learned per position
    pair (Synthesizer-style, shared by the batch), and a ReLU MLP readout per position.

    Why not an RNN or q.k attention: the tanh RNNs were slow (a time loop inside the step loop) and chaotic
    (rounding-sized changes moved scores by 0.2 in log10); per-example q.k score matrices made a step ~3x
    slower on CPU (batched and transposed small matmuls). Shared scores make the mixing one small matmul, and
    the readout sees only the attention output (no residual), which keeps training well-conditioned."""
    @_cached
    def data():
        x, y = gen(np.random.default_rng(seed), 4096 + 512, length, vocab)
        x, y = x.astype(np.int32), y.astype(np.int32)
        return (x[:4096], y[:4096]), (x[4096:], y[4096:])

    table = _cached(lambda: _batch_table(4096, batch, 1024, seed + 1))
    causal = np.where(np.tri(length, dtype=bool), 0.0, -1e9).astype(np.float32)

    init = functools.partial(_gaussian_params, spec={
        "emb": ((vocab, d), 1.0),
        "pos": ((length, d), 1.0),
        "att": ((length, length), 0.1),  # near 0: attention starts as a prefix mean
        "w1": ((d, width), np.sqrt(1.0 / d)),
        "b1": ((width,), 0.0),
        "w2": ((width, n_out), 1.0 / np.sqrt(width)),
        "b2": ((n_out,), 0.0),
    })

    def logits(p, x):  # x: (B, T) int
        a = jnp.einsum("ts,bsd->btd", jax.nn.softmax(p["att"] + causal, axis=-1), p["emb"][x] + p["pos"])
        return jax.nn.relu(a @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    def loss(p, step):
        (x, y), _ = data()
        idx = _take_batch(table(), step)
        return _xent(logits(p, jnp.asarray(x)[idx]), jnp.asarray(y)[idx])

    def ev(p):
        _, (x, y) = data()
        return _xent(logits(p, x), y)

    return Task(name, steps, init, loss, ev, floor, desc)


# ----------------------------------------------------------------------------- registry

STAGE1 = [
    _quadratic("quadratic", 24, 1e3, 200, 0, 1e-6),
    _rosenbrock("rosenbrock", 4, 200, 0, 1e-6),
    _logistic("logistic", 200, 64, 0.03),
]
STAGE2 = [
    _mlp("mlp_digits", "digits", 360, (64, 32, 10), "relu", 150, 32, 0, 0.05),
    _attention("sequence", _zipf_majority, 24, 3, 8, 16, 10, 150, 6, 0, 1e-4,
               "causal attention (d 8, MLP 16) predicting the majority class so far of Zipf tokens "
               "(24 tokens, 3 classes), length 10, batch 6, cross entropy"),
]
META_VALIDATION = [
    _mlp("mlp_spirals", "spirals", 300, (2, 32, 32, 2), "relu", 200, 64, 3, 0.01),
    _mlp("mlp_digits_deep", "digits", 360, (64, 48, 32, 10), "tanh", 200, 128, 7, 0.05),
    _attention("sequence_long", _count_balance, 2, 3, 8, 16, 20, 200, 6, 5, 1e-5,
               "causal attention (d 8, MLP 16) predicting sign(#1 - #0) so far, length 20, batch 6, "
               "cross entropy"),
    _quadratic("quadratic_highdim", 96, 1e4, 300, 11, 1e-6),
]
SEARCH_TASKS = STAGE1 + STAGE2
ALL_TASKS = {t.name: t for t in SEARCH_TASKS + META_VALIDATION}


def get_task(name: str) -> Task:
    if name not in ALL_TASKS:
        raise NameError_(f"unknown task {name!r}", expected="one of " + ", ".join(ALL_TASKS))
    return ALL_TASKS[name]
