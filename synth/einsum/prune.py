"""Pruning by marginals: summed over all axes but one, a contraction's output is the contraction
that keeps only that axis's indices, however the rest of the output is arranged.

So a partition of the input pieces into indices is checked once against the expected output's
total, and each output term (an index, or a merged group of them) once per partition against
the expected output's sum along the other axes, before any candidate built from them is run.
This holds for sum-of-products over two or more operands (einsum), which is where it is used;
the bounds are loose enough never to reject a candidate that `synthesize` would accept.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

SLACK = 2.0     # the candidate's own rounding error, on top of the tolerance it is held to
PLANNED = 100_000   # points (the product of all index sizes) above which numpy.einsum plans a path
IN_ORDER = 10_000   # points times operands above which _in_order beats one loop over all indices


class Marginals:
    """The first example's marginals, compared with those of a partition into indices (a Pruner)."""

    def __init__(self, inputs, output, rtol: float):
        arrays = [np.asarray(a) for a in inputs] + [np.asarray(output)]
        wide = np.complex128 if any(np.iscomplexobj(a) for a in arrays) else np.float64
        self.inputs = [a.astype(wide) for a in arrays[:-1]]
        out = arrays[-1].astype(wide)
        # NaN or infinity anywhere makes sums meaningless: then nothing is pruned.
        self.enabled = all(np.isfinite(a).all() for a in arrays)
        largest = float(np.abs(out).max()) if out.size else 0.0
        rtol = max(rtol, 1e-9)

        def expected(keep: tuple[int, ...]):
            others = tuple(a for a in range(out.ndim) if a not in keep)
            count = math.prod(out.shape[a] for a in others)
            bound = SLACK * rtol * (np.abs(out).sum(axis=others) + count * largest + 1.0)
            return out.sum(axis=others), bound

        self.total = expected(())
        self.axes = [expected((p,)) for p in range(out.ndim)]
        self.layout = None
        self.checked: dict[tuple, bool] = {}     # (layout, partition) -> total matches; asked at every cost

    def partition(self, layout, classes: tuple[int, ...]) -> bool:
        """Start on a partition; False if its full contraction misses the output's total."""
        if not self.enabled:
            return True
        if layout is not self.layout:
            self.layout = layout
            self.flat = [a.reshape([m[0] for members in axes for m in members])
                         for a, axes in zip(self.inputs, layout)]
            self.bounds = list(itertools.accumulate((f.ndim for f in self.flat), initial=0))
            self.piece_sizes = [n for f in self.flat for n in f.shape]
            self.steps: list[tuple] = []         # _in_order's remembered steps, for this layout
        self.classes = classes
        self.operands = [list(classes[a:b]) for a, b in zip(self.bounds, self.bounds[1:])]
        key = (layout, classes)
        if key not in self.checked:
            self._choose(classes)
            want, bound = self.total
            self.checked[key] = bool(abs(complex(self._contract(())) - want) <= bound)
        return self.checked[key]

    def term(self, position: int, members: tuple[int, ...]) -> bool:
        """False if keeping `members` (composed in this order) misses the output's marginal at `position`."""
        if not self.enabled:
            return True
        self._choose(self.classes)
        return _close(self._contract(members).reshape(-1), *self.axes[position])

    def _choose(self, classes: tuple[int, ...]) -> None:
        """How to contract: numpy.einsum without a path loops over every index at once, costing
        about the product of all sizes times the operands; above PLANNED points numpy plans
        pairwise steps (BLAS); between, `_in_order` steps are cheaper (measured: seven 3x3
        matrices, 3^8 points, 90 µs at once; three 2x2x2x2 tensors, 2^12 points, 16 µs)."""
        points = math.prod(dict(zip(classes, self.piece_sizes)).values())
        self.method = "planned" if points > PLANNED else \
            "in order" if points * len(self.operands) > IN_ORDER else "at once"

    def _contract(self, keep: tuple[int, ...]) -> np.ndarray:
        if self.method == "in order":
            return self._in_order(list(keep))
        operands = [x for pair in zip(self.flat, self.operands) for x in pair]
        return np.einsum(*operands, list(keep), optimize=self.method == "planned")

    def _in_order(self, keep: list[int]) -> np.ndarray:
        """The contraction operand by operand: after each, the indices that no later operand has
        (nor `keep`) are summed. For small operands (below PLANNED points, which also bounds
        every step's result).

        One numpy.einsum over all operands loops over the product of every index's size (3^8
        points for seven 3x3 matrices, ~90 µs); this loops over a few indices per step. And
        partitions come in lexicographic order, so consecutive ones share their first operands'
        indices: a step is remembered with the prefix of the partition and the indices it
        leaves open, and only the steps after the first difference are recomputed.
        """
        later = [set(keep)]                      # later[m]: the indices operands after m have
        for ix in reversed(self.operands[1:]):
            later.append(later[-1].union(ix))
        later.reverse()
        seen: set[int] = set()
        result, indices = None, []
        for m, (array, ix) in enumerate(zip(self.flat, self.operands)):
            seen.update(ix)
            open_ = sorted(seen & later[m])
            key = (self.classes[:self.bounds[m + 1]], open_, keep)
            if m < len(self.steps) and self.steps[m][0] == key:
                result, indices = self.steps[m][1], open_
                continue
            del self.steps[m:]
            result = np.einsum(array, ix, open_) if m == 0 else np.einsum(result, indices, array, ix, open_)
            indices = open_
            self.steps.append((key, result))
        return np.einsum(result, indices, keep)


def _close(got: np.ndarray, want: np.ndarray, bound: np.ndarray) -> bool:
    return bool(np.all(np.abs(got - want) <= bound))
