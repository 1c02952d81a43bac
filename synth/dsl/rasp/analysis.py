"""How many attention layers, and heads per layer, a RASP s-op needs (the paper's analysis).

Every node is placed as early as its inputs allow, as the reference REPL's greedy scheduler
does: tokens, indices and constants are at layer 0; an elementwise Map (an MLP) is at its
deepest input's layer; a selector is one layer after its keys and queries (it is an attention
pattern over them); an aggregate is at its selector's layer, and at least one layer after the
values it averages; selector_width is one attention layer (plus an MLP) at its selector's
layer, and so is `length` (the width of the full selector). A layer's heads are the distinct
selectors its aggregates and selector widths use: one attention pattern can move several
values. Selectors are distinct by identity, as in the REPL: the same select written twice is
two heads.
"""
from __future__ import annotations

from dataclasses import dataclass

from synth.dsl.rasp import sops
from synth.dsl.rasp.interpret import describe
from synth.errors import TypeError_


@dataclass(frozen=True)
class Layers:
    count: int                   # attention layers
    heads: tuple[int, ...]       # heads in layer 1, 2, ..., count

    @property
    def max_heads(self) -> int:
        return max(self.heads, default=0)

    def to_json(self) -> dict:
        return {"layers": self.count, "heads": list(self.heads), "max_heads": self.max_heads}

    def describe(self) -> str:
        per_layer = ", ".join(f"{h}" for h in self.heads) or "none"
        return f"{self.count} layer{'s' * (self.count != 1)}; heads per layer: {per_layer}"


def depths(root: sops.Node) -> dict[int, int]:
    """The layer of every node root depends on, by node id."""
    depth: dict[int, int] = {}
    for node in sops.postorder(root):
        below = [depth[id(c)] for c in sops.children(node)]
        match node:
            case sops.Select():
                d = max(below) + 1
            case sops.Aggregate(selector=selector, sop=sop):
                d = max(depth[id(selector)], depth[id(sop)] + 1)
            case _:      # tokens, indices, constants; maps; selector width; and/or/not of selectors
                d = max(below, default=0)
        depth[id(node)] = d
    return depth


def layers(root: sops.Node) -> Layers:
    if not isinstance(root, (sops.SOp, sops.Selector)):
        raise TypeError_("only s-ops and selectors have layers", found=describe(root))
    depth = depths(root)
    heads: dict[int, set[int]] = {}          # layer -> ids of the selectors its heads compute
    for node in sops.postorder(root):
        if isinstance(node, (sops.Aggregate, sops.SelectorWidth)):
            heads.setdefault(depth[id(node)], set()).add(id(node.selector))
    if isinstance(root, sops.Selector):      # asked about a bare attention pattern
        heads.setdefault(depth[id(root)], set()).add(id(root))
    count = depth[id(root)]
    return Layers(count, tuple(len(heads.get(layer, ())) for layer in range(1, count + 1)))
