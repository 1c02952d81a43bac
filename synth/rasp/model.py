"""A compiled layout as arrays, and the forward pass: a plain transformer, jitted to XLA.

    x = token_embed[token] + pos_embed[position]          (position 0 holds BOS)
    per layer:  x += sum over heads of softmax(x W_Q (x W_K)^T) x W_V W_O;  x += relu(x W1 + b1) W2

Keys past an input's length are masked out, so inputs of every length up to the maximum run
in one batch. Parameters are every entry of these arrays (embeddings included, no unembedding:
the output is read off its residual dimensions); heads of a layer share one key and value
size, the largest the layer needs, and the count includes that padding.
"""
from __future__ import annotations

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from synth.rasp.compile import BIG, BOS, NO_VALUE, NOTBOS, Compiled


def arrays(c: Compiled) -> dict:
    """The weights: {"token_embed", "pos_embed", "layers": [{"attn": {...}, "mlp": {...}}]}."""
    D = c.width
    token_embed = np.zeros((len(c.vocab) + 1, D), np.float32)
    pos_embed = np.zeros((c.max_len + 1, D), np.float32)
    token_embed[0, BOS] = 1.0
    token_embed[1:, NOTBOS] = 1.0
    for kind, space, how in c.embeddings:
        if kind == "constant":
            token_embed[1:, space.dims[0]] = how
            continue
        table, rows = (token_embed, c.vocab) if kind == "tokens" else (pos_embed, range(c.max_len))
        for row, raw in enumerate(rows, start=1):
            value = how(raw)
            if value is not NO_VALUE:
                for d, coefficient in space.encode(value).items():
                    table[row, d] += coefficient
    layers = []
    for layer in range(1, c.layers + 1):
        block = {}
        if c.heads.get(layer):
            block["attn"] = _attention(c.heads[layer], D)
        if c.mlps.get(layer):
            block["mlp"] = _mlp(c.mlps[layer], D)
        layers.append(block)
    return {"token_embed": token_embed, "pos_embed": pos_embed, "layers": layers}


def _attention(heads, D: int) -> dict:
    qk, ov = [], []
    for head in heads:
        A = np.zeros((D, D))                                  # score = x_q A x_k
        for keys, queries, table in head.terms:
            for i, (_, kc) in enumerate(keys.states()):
                for j, (_, qc) in enumerate(queries.states()):
                    if table[i, j]:
                        for dq, a in qc.items():
                            for dk, b in kc.items():
                                A[dq, dk] += BIG * table[i, j] * a * b
        if head.constant:                                     # query "1" = bos + notbos
            A[[BOS, NOTBOS], NOTBOS] += BIG * head.constant
        A[[BOS, NOTBOS], BOS] += BIG * (0.5 if head.kind == "mean" else 1.0)
        O = np.zeros((D, D))                                  # value x_k O
        for source, target in head.moves:
            for d, coefficient in source.items():
                O[d, target] += coefficient
        qk.append(_factor(A))
        ov.append(_factor(O))
    w_q, w_k = _stack([q for q, _ in qk], D), _stack([k for _, k in qk], D)
    w_v, w_o = _stack([v for v, _ in ov], D), _stack([o for _, o in ov], D)
    return {"w_q": w_q, "w_k": w_k, "w_v": w_v, "w_o": np.transpose(w_o, (1, 2, 0))}


def _factor(M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """M = L R^T with L selecting M's nonzero rows (or columns, whichever are fewer)."""
    rows = np.flatnonzero(np.abs(M).sum(axis=1))
    cols = np.flatnonzero(np.abs(M).sum(axis=0))
    eye = np.eye(M.shape[0])
    if len(rows) <= len(cols):
        return eye[:, rows], M[rows, :].T
    return M[:, cols], eye[:, cols]


def _stack(parts: list[np.ndarray], D: int) -> np.ndarray:
    """[D, heads, size], zero-padded to the layer's largest size."""
    size = max(p.shape[1] for p in parts)
    out = np.zeros((D, len(parts), size), np.float32)
    for h, p in enumerate(parts):
        out[:, h, :p.shape[1]] = p
    return out


def _mlp(units, D: int) -> dict:
    w1 = np.zeros((D, len(units)), np.float32)
    b1 = np.zeros(len(units), np.float32)
    w2 = np.zeros((len(units), D), np.float32)
    for u, unit in enumerate(units):
        for d, c in unit.w_in.items():
            w1[d, u] = c
        b1[u] = unit.bias
        for d, c in unit.w_out.items():
            w2[u, d] = c
    return {"w1": w1, "b1": b1, "w2": w2}


def parameter_count(params: dict) -> int:
    return int(sum(np.size(a) for a in jax.tree_util.tree_leaves(params)))


@jax.jit
def forward(params: dict, tokens: jnp.ndarray, lengths: jnp.ndarray) -> jnp.ndarray:
    """Residual stream after the last layer: [batch, 1 + max_len, width]. tokens[:, 0] is BOS
    (id 0); token id i >= 1 is vocab[i - 1]; lengths counts the user's tokens."""
    T = tokens.shape[1]
    x = params["token_embed"][tokens] + params["pos_embed"][None, :T]
    visible = jnp.arange(T)[None, :] <= lengths[:, None]            # [batch, key]
    for block in params["layers"]:
        if "attn" in block:
            a = block["attn"]
            q = jnp.einsum("btd,dhk->bthk", x, a["w_q"])
            k = jnp.einsum("btd,dhk->bthk", x, a["w_k"])
            v = jnp.einsum("btd,dhk->bthk", x, a["w_v"])
            scores = jnp.einsum("bqhk,bthk->bhqt", q, k)
            scores = jnp.where(visible[:, None, None, :], scores, -jnp.inf)
            weights = jax.nn.softmax(scores, axis=-1)
            x = x + jnp.einsum("bhqt,bthk,hkd->bqd", weights, v, a["w_o"])
        if "mlp" in block:
            m = block["mlp"]
            x = x + jax.nn.relu(x @ m["w1"] + m["b1"]) @ m["w2"]
    return x


def save(path: str | Path, params: dict, c: Compiled) -> None:
    """The arrays under names like layer2/attn/w_q, and the output space as JSON."""
    flat = {"token_embed": params["token_embed"], "pos_embed": params["pos_embed"]}
    for i, block in enumerate(params["layers"], start=1):
        for part, weights in block.items():
            for name, value in weights.items():
                flat[f"layer{i}/{part}/{name}"] = value
    flat["layout"] = np.array(json.dumps({"vocab": [str(t) for t in c.vocab],
                                          "max_len": c.max_len, "output": c.output.to_json()}))
    np.savez(path, **flat)
