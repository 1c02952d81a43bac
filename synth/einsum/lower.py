"""Lowering to jax.lax: a bound expression becomes a pure JAX function (no host callbacks).

An einsum follows its contraction path pairwise. Before each pairwise step an operand gives up
what the step does not need: a repeated index becomes its diagonal (a strided slice, O(n)
rather than a masked O(n^2) reduction) and an index no one else needs is summed away. Then one
`lax.dot_general` contracts the shared indices that nothing later needs and keeps the others as
batch dimensions. At the end the result is transposed, broadcast (repeat) and reshaped to the
output's shape. einops' reduce lowers to one `lax.reduce_*` over the reduced axes.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import jax
import numpy as np
from jax import lax

from synth.einsum.shapes import Bound
from synth.errors import ShapeError

Path = Sequence[Sequence[int]]
_Term = tuple[jax.Array, tuple[str, ...]]     # an array and the index of each of its axes


def lower(bound: Bound, path: Path | None = None, precision=None) -> Callable[..., jax.Array]:
    """The expression as a pure function of arrays of its operands' shapes, in jax.lax.

    `path` is a contraction order in opt_einsum's linear format (positions in the current
    operand list; those operands are removed and their result appended); None contracts left
    to right. `precision` is passed to every `lax.dot_general`.
    """
    path = [tuple(step) for step in path] if path is not None else _left_to_right(len(bound.operands))

    def einsum(*arrays) -> jax.Array:
        _check_shapes(bound, arrays)
        dtype = jax.numpy.result_type(*arrays) if arrays else np.float32
        flats = [lax.reshape(lax.convert_element_type(a, dtype), op.flat_shape)
                 for a, op in zip(arrays, bound.operands)]
        terms = [(x, op.indices) for x, op in zip(flats, bound.operands)]
        if bound.reduction in ("sum", None) and bound.expr.kind != "reduce":
            x, indices = _contract(terms, bound.output, path, precision)
        else:
            x, indices = _reduce(terms[0], bound.output, bound.reduction, bound.sizes)
        return lax.reshape(_arrange(x, indices, bound.output, bound.sizes), bound.output_shape)

    return einsum


def _left_to_right(n: int) -> list[tuple[int, ...]]:
    return [(0,)] if n == 1 else [(0, 1)] * (n - 1)


def _check_shapes(bound: Bound, arrays) -> None:
    """Shapes are static under jit, so a wrong call fails here, at trace time, with a ShapeError."""
    if len(arrays) != len(bound.operands):
        raise ShapeError(f"the compiled expression takes {len(bound.operands)} operands", found=str(len(arrays)))
    for k, (a, op) in enumerate(zip(arrays, bound.operands)):
        if not hasattr(a, "shape"):
            raise ShapeError(f"operand {k} is a {type(a).__name__}", expected="an array")
        if tuple(a.shape) != op.shape:
            raise ShapeError(f"operand {k} has shape {tuple(a.shape)}", expected=f"{op.shape}, as compiled")


def _contract(terms: list[_Term], output: tuple[str, ...], path: Path, precision) -> _Term:
    """Follow the path; each step folds its operands pairwise into one intermediate."""
    terms = list(terms)
    for step in path:
        chosen = [terms[p] for p in step]
        for p in sorted(step, reverse=True):
            del terms[p]
        later = set(output).union(*(indices for _, indices in terms))
        result = chosen[0]
        for k, other in enumerate(chosen[1:], start=2):
            ahead = set().union(*(indices for _, indices in terms + chosen[k:]))
            result = _pair(result, other, later | ahead, output, ahead, precision)
        terms.append(_collapse(result, later))
    if len(terms) != 1:
        raise ValueError(f"contraction path {list(path)} leaves {len(terms)} operands")
    return _collapse(terms[0], set(output))


def _collapse(term: _Term, keep: set[str]) -> _Term:
    """Take the diagonal of each repeated index, and sum away the indices not in `keep`."""
    x, indices = term
    for name in [i for i in dict.fromkeys(indices) if indices.count(i) > 1]:
        x, indices = _diagonal(x, indices, name)
    gone = tuple(k for k, i in enumerate(indices) if i not in keep)
    if gone:
        x = lax.reduce_or(x, gone) if x.dtype == np.bool_ else lax.reduce_sum(x, gone)
        indices = tuple(i for i in indices if i in keep)
    return x, indices


def _diagonal(x: jax.Array, indices: tuple[str, ...], name: str) -> _Term:
    """The diagonal over every axis labelled `name`: those axes merged, then every s-th element.

    In the merged axis of size n^k, element (i, i, ..., i) sits at i * (1 + n + ... + n^(k-1)).
    """
    axes = [k for k, i in enumerate(indices) if i == name]
    rest = [k for k, i in enumerate(indices) if i != name]
    n, k = x.shape[axes[0]], len(axes)
    x = lax.transpose(x, rest + axes)
    x = lax.reshape(x, tuple(x.shape[:len(rest)]) + (n ** k,))
    stride = sum(n ** m for m in range(k))
    x = lax.slice(x, (0,) * x.ndim, x.shape, (1,) * len(rest) + (stride,))
    return x, tuple(indices[k] for k in rest) + (name,)


def _pair(lhs: _Term, rhs: _Term, keep: set[str], output: tuple[str, ...], ahead: set[str],
          precision) -> _Term:
    """One lax.dot_general: shared indices needed later are batch dims, the others contracted.

    `ahead` holds the indices of the operands not contracted yet.
    """
    lhs = _collapse(lhs, keep | set(rhs[1]))
    rhs = _collapse(rhs, keep | set(lhs[1]))
    (x, xi), (y, yi) = lhs, rhs
    shared = set(xi) & set(yi)
    # Batch dims in output order where the output names them, so the last step needs no transpose.
    batch = sorted((i for i in xi if i in shared and i in keep),
                   key=lambda i: (output.index(i) if i in output else len(output), xi.index(i)))
    contracted = [i for i in xi if i in shared and i not in keep]
    x_free = tuple(i for i in xi if i not in shared)
    y_free = tuple(i for i in yi if i not in shared)
    # The result's axes are batch + lhs free + rhs free: take the operand order that keeps the
    # output's indices in output order, so later steps and the last transpose move less data.
    # Output indices that operands ahead also have will be batch dims (moved to the front) later.
    settled = tuple(i for i in output if i not in ahead)
    # Where the output does not decide, the larger operand goes second: XLA:CPU's copy that
    # lays out a dot's lhs as [free, contracted] is up to 2x slower than the rhs's
    # [contracted, free] for the same data (measured on random n=16, BENCHMARKS.md).
    swapped, kept = _disorder(y_free + x_free, settled), _disorder(x_free + y_free, settled)
    if swapped < kept or (swapped == kept and x.size > y.size):
        (x, xi, x_free), (y, yi, y_free) = (y, yi, y_free), (x, xi, x_free)
    dims = (([xi.index(i) for i in contracted], [yi.index(i) for i in contracted]),
            ([xi.index(i) for i in batch], [yi.index(i) for i in batch]))
    z = lax.dot_general(x, y, dims, precision=precision, preferred_element_type=x.dtype)
    return z, tuple(batch) + x_free + y_free


def _disorder(indices: tuple[str, ...], order: tuple[str, ...]) -> tuple[int, int]:
    """Pairs of `order`'s indices out of that order; then pairs out of order counting the
    other indices as coming after them."""
    rank = [order.index(i) if i in order else len(order) for i in indices]
    pairs = [(a, b) for k, a in enumerate(rank) for b in rank[k + 1:]]
    return sum(a > b and a < len(order) for a, b in pairs), sum(a > b for a, b in pairs)


def _reduce(term: _Term, output: tuple[str, ...], reduction: str, sizes: dict[str, int]) -> _Term:
    """einops' reduce: one lax reduction over the axes the output lacks (NumPy's result dtypes)."""
    x, indices = term
    axes = tuple(k for k, i in enumerate(indices) if i not in output)
    if reduction in ("sum", "prod") and x.dtype == np.bool_:
        x = lax.convert_element_type(x, jax.dtypes.canonicalize_dtype(np.int64))
    if reduction == "mean" and not jax.numpy.issubdtype(x.dtype, np.inexact):
        x = lax.convert_element_type(x, jax.dtypes.canonicalize_dtype(np.float64))
    reducer = {"sum": lax.reduce_sum, "mean": lax.reduce_sum, "prod": lax.reduce_prod,
               "max": lax.reduce_max, "min": lax.reduce_min}[reduction]
    y = reducer(x, axes) if axes else x
    if reduction == "mean":
        count = math.prod(sizes[indices[k]] for k in axes)
        y = lax.div(y, lax.full_like(y, count))
    return y, tuple(i for i in indices if i in output)


def _arrange(x: jax.Array, indices: tuple[str, ...], output: tuple[str, ...], sizes: dict[str, int]) -> jax.Array:
    """Transpose to the output's order, and broadcast the output indices no operand has (repeat)."""
    present = [i for i in output if i in indices]
    if list(indices) != present:
        x = lax.transpose(x, [indices.index(i) for i in present])
    if len(present) < len(output):
        x = lax.broadcast_in_dim(x, tuple(sizes[i] for i in output), [output.index(i) for i in present])
    return x
