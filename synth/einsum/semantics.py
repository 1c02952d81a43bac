"""The reference meaning of an expression, in NumPy: what every compiled or synthesized form must match."""
from __future__ import annotations

import numpy as np

from synth.einsum.ast import Expr
from synth.einsum.shapes import Bound, normalize

_REDUCERS = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}


def einsum(expr: Expr | str, *arrays, **sizes: int) -> np.ndarray:
    """Evaluate `expr` on NumPy arrays (shapes are checked first, with located errors).

    NumPy-style expressions are handed to numpy.einsum as written; named ones run on their
    flat index structure (reshape, numpy.einsum or a reduction, broadcast, reshape).
    """
    if isinstance(expr, str):
        from synth.einsum.syntax import parse
        expr = parse(expr)
    arrays = [np.asarray(a) for a in arrays]
    bound = normalize(expr, *(a.shape for a in arrays), **sizes)
    if expr.style == "numpy":
        from synth.einsum.syntax import format
        return np.asarray(np.einsum(format(expr), *arrays))
    return evaluate(bound, arrays)


def evaluate(bound: Bound, arrays) -> np.ndarray:
    """Run a bound expression's flat index structure on arrays of its operands' shapes."""
    flats = [np.asarray(a).reshape(op.flat_shape) for a, op in zip(arrays, bound.operands)]
    present = {i for op in bound.operands for i in op.indices}
    kept = tuple(i for i in bound.output if i in present)
    if bound.reduction in ("sum", None):
        letter = bound.letters()
        inputs = ",".join("".join(letter[i] for i in op.indices) for op in bound.operands)
        result = np.einsum(inputs + "->" + "".join(letter[i] for i in kept), *flats)
    else:  # reduce: one operand with distinct indices
        [op], [flat] = bound.operands, flats
        order = kept + bound.reduced
        moved = np.transpose(flat, [op.indices.index(i) for i in order])
        result = _REDUCERS[bound.reduction](moved, axis=tuple(range(len(kept), len(order))))
    if len(kept) < len(bound.output):  # repeat: new indices broadcast
        result = result.reshape([bound.sizes[i] if i in present else 1 for i in bound.output])
        result = np.broadcast_to(result, bound.flat_output_shape)
    return np.asarray(result).reshape(bound.output_shape)
