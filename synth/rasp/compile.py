"""RASP s-op graph -> transformer weights (a residual-stream layout, attention heads, MLPs).

The model reads a beginning-of-sequence token (BOS) at position 0, then the user's tokens; BOS
is added by the model, never part of the input. Two residual dimensions mark it: `bos` (1 at
position 0) and `notbos` (1 elsewhere); their sum is the constant 1.

Every s-op gets a finite value set (the vocabulary and the maximum length decide it) and a
space in the residual stream:
- categorical: one dimension per explicit value (one-hot), plus optionally an *implicit*
  value meant when no dimension is set. A categorical aggregate's default is its implicit
  value (no key selected -> nothing is copied -> all zero), and a constant is an implicit
  value with no dimensions at all. "x is v" is then affine in the residual: the v dimension,
  or `notbos` minus all dimensions for the implicit value.
- numerical: one dimension holding the number.
At BOS every categorical dimension is zero, so BOS never matches a predicate.

Maps are fused: a chain of elementwise operations is one function of its *leaves* (tokens,
indices, aggregates, the attention output of a selector width) and is computed by one MLP
wherever it is needed, so `f(g(x))` costs one MLP, not two. An MLP over categorical leaves is
a lookup table (one hidden unit per combination of their values); over one numerical leaf it
is a staircase of ReLU steps at the midpoints of the leaf's value set (or, when the function
is affine, two units); several numerical leaves enter affinely, or as a sum of one staircase
each, or else the Map's arguments are made one-hot (all but the last-ready one) and the MLP is
a lookup table over their finite value sets.

Attention scores are BIG * F(query, key) where F is 1 for a selected key and at most 0 for the
others; the BOS key scores BIG/2 for aggregates, so it takes the weight only when nothing is
selected and then supplies the default, and BIG for selector width, whose head reads
1/(width+1) from BOS and whose MLP turns it back into the width. F is a sum of bilinear terms,
one per (key s-op, query s-op) pair, so a conjunction of selects (and negations, and or/and of
selects over the same pair) is one head.

Placement is by longest path: attention of layer L reads what is in the residual before it, the
MLP of layer L reads the attention of layer L too; heads of one layer run in parallel and the
MLPs of one layer are one block.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from synth.dsl.rasp import sops
from synth.dsl.rasp.semantics import ELEMENTWISE, _COMPARE
from synth.errors import SynthError

BOS, NOTBOS = 0, 1          # residual dimensions marking the BOS position and the others
BIG = 100.0                 # attention score of a selected key
MAX_VALUES = 20_000         # a value set, or an MLP's table, larger than this is refused
_NO = NO_VALUE = object()   # no implicit value; no value (RASP would raise)


class CompileError(SynthError):
    """A RASP program this compiler cannot turn into weights."""


@dataclass(frozen=True, eq=False)
class _Tuple(sops.SOp):
    """Several s-ops as one categorical s-op of tuples (one side of a product selector)."""
    parts: tuple


def _key(v):
    """Values are distinct as RASP sees them, except that True is not 1."""
    return (isinstance(v, bool), v)


def _unique(values) -> tuple:
    seen = {}
    for v in values:
        seen.setdefault(_key(v), v)
    return tuple(seen.values())


def _numeric(values) -> bool:
    return bool(values) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                for v in values)


@dataclass(eq=False)
class Space:
    """Where one s-op (in one encoding) lives in the residual stream."""
    numerical: bool
    values: tuple            # categorical: one per dim; numerical: every value it may take
    dims: tuple[int, ...]
    ready: int               # sublayer after which it is there: 0 embedding, 2L-1 attn L, 2L MLP L
    implicit: object = _NO
    bos_value: float = 0.0   # numerical: the number at the BOS position

    def states(self) -> list[tuple[object, dict]]:
        """(value, its indicator as residual coefficients) for every way the space holds a value."""
        out = [(v, {d: 1.0}) for v, d in zip(self.values, self.dims)]
        if self.implicit is not _NO:
            out.append((self.implicit, {NOTBOS: 1.0, **{d: -1.0 for d in self.dims}}))
        return out

    def encode(self, y) -> dict:
        if self.numerical:
            return {self.dims[0]: float(y)} if y else {}
        for v, d in zip(self.values, self.dims):
            if _key(v) == _key(y):
                return {d: 1.0}
        if _numeric((y,)):       # value sets keep one of numbers closer than 1e-6
            for v, d in zip(self.values, self.dims):
                if _numeric((v,)) and abs(v - y) <= 1e-6 * (1 + abs(y)):
                    return {d: 1.0}
        raise AssertionError(f"value {y!r} outside its inferred value set")

    def to_json(self) -> dict:
        out = {"dims": list(self.dims), "numerical": self.numerical,
               "values": [v if isinstance(v, (int, float, str, bool)) else str(v) for v in self.values]}
        if self.implicit is not _NO:
            out["implicit"] = self.implicit
        return out

    def decode(self, vector: np.ndarray):
        """The value a residual slice (this space's dims) holds."""
        if self.numerical:
            return float(vector[0])
        if len(self.dims) and vector.max() > 0.5:
            return self.values[int(vector.argmax())]
        return None if self.implicit is _NO else self.implicit


@dataclass(eq=False)
class Unit:
    """One MLP hidden unit: relu(w_in . x + bias), added to the residual times w_out."""
    w_in: dict
    bias: float
    w_out: dict


@dataclass(eq=False)
class Head:
    selector: sops.Selector
    kind: str                                # "mean" (aggregates) or "width" (selector width)
    terms: list                              # (key space, query space, table[key state, query state])
    constant: float
    moves: list = field(default_factory=list)   # (source dims coefficients, target dim) pairs


@dataclass
class Compiled:
    """The layout and the blocks; model.py turns them into arrays."""
    vocab: tuple
    max_len: int
    width: int
    output: Space
    embeddings: list                         # (kind, space, token converter or value)
    heads: dict                              # layer -> [Head]
    mlps: dict                               # layer -> [Unit]
    layers: int

    @property
    def heads_per_layer(self) -> list[int]:
        return [len(self.heads.get(layer, ())) for layer in range(1, self.layers + 1)]


def compile_sop(root, vocab, max_len: int) -> Compiled:
    if not isinstance(root, sops.SOp):
        raise CompileError("only an s-op compiles to a model",
                           found="a selector" if isinstance(root, sops.Selector) else repr(root))
    if max_len < 1 or not vocab:
        raise CompileError("compilation needs a vocabulary and a maximum length >= 1",
                           found=f"vocab {list(vocab)!r}, max length {max_len}")
    return _Compiler(tuple(vocab), max_len).run(root)


_CONVERT = {"str": str, "int": int, "float": float, "bool": bool, "asis": lambda t: t}


class _Compiler:
    def __init__(self, vocab: tuple, max_len: int):
        self.vocab, self.max_len = vocab, max_len
        self.width = 2
        self.spaces: dict = {}
        self.functions: dict = {}
        self.value_sets: dict = {}
        self.forms: dict = {}
        self.tuples: list = []
        self.embeddings: list = []
        self.heads: dict = {}                # (layer, id(selector), kind) -> Head
        self.mlps: dict = {}

    def run(self, root) -> Compiled:
        out = self.provide(root, self.output_encoding(root))
        layers = max([(s.ready + 1) // 2 for s in self.spaces.values()], default=0)
        heads: dict = {}
        for (layer, _, _), head in self.heads.items():
            heads.setdefault(layer, []).append(head)
        return Compiled(self.vocab, self.max_len, self.width, out, self.embeddings, heads,
                        self.mlps, layers)

    # value sets and fused functions

    def output_encoding(self, node) -> str:
        if isinstance(node, sops.Aggregate):
            return self.native(node)
        if isinstance(node, (sops.Map, sops.SelectorWidth)) and _numeric(self.values(node)):
            return "num"
        return "cat"

    def native(self, node: sops.Aggregate) -> str:
        """A mean of numbers is numerical (a copy is the mean of one); other values are copied."""
        return "num" if _numeric(self.values(node.sop)) else "cat"

    def values(self, node) -> tuple:
        """Every value the s-op (or a selector width's attention output, ("t", node)) may take."""
        if isinstance(node, tuple) and node[0] == "cat":    # a leaf read in its categorical form
            return self.values(node[1])
        key = id(node) if not isinstance(node, tuple) else ("t", id(node[1]))
        if key in self.value_sets:
            return self.value_sets[key]
        match node:
            case ("t", _):
                vs = tuple(1 / (w + 1) for w in range(self.max_len + 1))
            case sops.Tokens(type=kind):
                try:
                    vs = _unique(_CONVERT[kind](t) for t in self.vocab)
                except (TypeError, ValueError):
                    raise CompileError(f"tokens_{kind}: a vocabulary token does not convert",
                                       where=node.at, found=repr(self.vocab)) from None
            case sops.Indices():
                vs = tuple(range(self.max_len))
            case sops.Aggregate(sop=sop, default=default):
                d = 0 if default is None else default
                if self.native(node) == "num":
                    vs = _unique(self.means(self.values(sop)) + (d,))
                else:
                    vs = _unique(self.values(sop) + (d,))
            case _:
                leaves, f = self.function(node)
                if isinstance(node, sops.Map) and self.table_size(leaves) > MAX_VALUES:
                    # too many combinations of the leaves: combine the arguments' values (a
                    # superset: it forgets that arguments share leaves)
                    leaves, f = _combine(node.op, [((node_key(a),), lambda x: x)
                                                   if isinstance(a, sops.SOp) else
                                                   ((), (lambda a=a: a)) for a in node.args])
                vs = _unique(y for y in self.table(leaves, f) if y is not _NO)
        if _numeric(vs):      # 0.1 + 0.2 and 0.3 are one value: no staircase step between them
            merged = []
            for v in sorted(vs):
                if not merged or v - merged[-1] > 1e-6 * (1 + abs(v)):
                    merged.append(v)
            vs = tuple(merged)
        if len(vs) > MAX_VALUES:
            raise CompileError(f"an s-op takes more than {MAX_VALUES} values", where=node_at(node))
        self.value_sets[key] = vs
        return vs

    def means(self, values) -> tuple:
        """Every mean of 1..max_len of the values (with repetition)."""
        sums, out = {0.0}, set()
        for w in range(1, self.max_len + 1):
            sums = {round(s + v, 9) for s in sums for v in values}
            if len(sums) * w > MAX_VALUES:
                raise CompileError("a numerical aggregate takes too many values")
            out.update(round(s / w, 9) for s in sums)
        return tuple(sorted(out))

    def table_size(self, leaves) -> int:
        return math.prod(len(self.values(leaf[1] if leaf[0] == "sop" else leaf)) for leaf in leaves)

    def table(self, leaves, f):
        """f on every combination of its leaves' values (_NO where RASP would raise)."""
        grids = [self.values(leaf[1] if leaf[0] == "sop" else leaf) for leaf in leaves]
        if math.prod(len(g) for g in grids) > MAX_VALUES:
            raise CompileError("an elementwise operation's table is too large",
                               found=f"{math.prod(len(g) for g in grids)} combinations")
        for combo in itertools.product(*grids):
            yield _call(f, combo)

    def function(self, node):
        """(leaves, f): the s-op as a function of the non-elementwise s-ops it reads."""
        if id(node) in self.functions:
            return self.functions[id(node)]
        match node:
            case sops.Constant(value=value):
                result = ((), lambda: value)
            case sops.SelectorWidth():
                result = ((("t", node),), lambda t: round(1 / t) - 1)
            case sops.Map(op=op, args=args):
                result = _combine(op, [self.function(a) if isinstance(a, sops.SOp)
                                       else ((), (lambda a=a: a)) for a in args])
            case _Tuple(parts=parts):
                result = _combine(lambda *xs: xs, [self.function(p) for p in parts])
            case _:
                result = ((("sop", node),), lambda x: x)
        self.functions[id(node)] = result
        return result

    # providing s-ops in the residual

    def new_dims(self, n: int) -> tuple[int, ...]:
        self.width += n
        return tuple(range(self.width - n, self.width))

    def provide(self, node, enc: str) -> Space:
        key = (id(node), enc)
        if key not in self.spaces:
            self.spaces[key] = self._provide(node, enc)
        return self.spaces[key]

    def _provide(self, node, enc: str) -> Space:
        leaves, f = self.function(node)
        if not leaves:                                       # a constant
            value = f()
            if enc == "cat":
                return Space(False, (), (), 0, implicit=value)
            if not _numeric((value,)):
                raise CompileError("a non-numerical constant used as a number", where=node_at(node))
            space = Space(True, (value,), self.new_dims(1), 0)
            self.embeddings.append(("constant", space, value))
            return space
        if len(leaves) == 1 and isinstance(leaves[0][1], (sops.Tokens, sops.Indices)):
            # a function of the token alone or of the position alone is a row of an embedding table
            leaf = leaves[0][1]
            values = self.values(node)
            if enc == "num" and not _numeric(values):
                raise CompileError("a non-numerical s-op used as numbers", where=node_at(node))
            space = (Space(True, values, self.new_dims(1), 0) if enc == "num"
                     else Space(False, values, self.new_dims(len(values)), 0))
            if isinstance(leaf, sops.Tokens):
                convert = _CONVERT[leaf.type]
                self.embeddings.append(("tokens", space, lambda t: _call(f, (convert(t),))))
            else:
                self.embeddings.append(("indices", space, lambda i: _call(f, (i,))))
            return space
        if isinstance(node, sops.Aggregate) and enc == self.native(node):
            return self.aggregate(node)
        return self.mlp(node, enc)

    def leaf_space(self, leaf) -> Space:
        kind, node = leaf
        if kind == "t":
            return self.width_space(node)
        if kind == "cat":
            return self.provide(node, "cat")
        if isinstance(node, sops.Aggregate):
            return self.provide(node, self.native(node))
        return self.provide(node, self.output_encoding(node) if isinstance(node, sops.Map) else "cat")

    def aggregate(self, node: sops.Aggregate) -> Space:
        source = self.provide(node.sop, self.native(node))
        terms, constant = self.form(node.selector)
        layer = _attention_layer([source] + [s for t in terms for s in t[:2]])
        default = 0 if node.default is None else node.default
        head = self.head(layer, node.selector, "mean", terms, constant)
        if source.numerical:
            out = Space(True, self.values(node), self.new_dims(1), 2 * layer - 1, bos_value=default)
            head.moves.append(({source.dims[0]: 1.0, BOS: float(default) - source.bos_value},
                               out.dims[0]))
            return out
        explicit = source.values + ((source.implicit,) if source.implicit is not _NO else ())
        out = Space(False, explicit, self.new_dims(len(explicit)), 2 * layer - 1, implicit=default)
        for (_, coefficients), d in zip(source.states(), out.dims):
            head.moves.append((coefficients, d))
        return out

    def width_space(self, node: sops.SelectorWidth) -> Space:
        key = (("t", id(node)), "num")
        if key not in self.spaces:
            terms, constant = self.form(node.selector)
            layer = _attention_layer([s for t in terms for s in t[:2]])
            out = Space(True, self.values(("t", node)), self.new_dims(1), 2 * layer - 1,
                        bos_value=1.0)
            self.head(layer, node.selector, "width", terms, constant).moves.append(
                ({BOS: 1.0}, out.dims[0]))
            self.spaces[key] = out
        return self.spaces[key]

    def head(self, layer, selector, kind, terms, constant) -> Head:
        key = (layer, id(selector), kind)
        if key not in self.heads:
            self.heads[key] = Head(selector, kind, terms, constant)
        return self.heads[key]

    def form(self, selector):
        """F as (terms, constant): 1 for selected keys, <= 0 otherwise."""
        if id(selector) not in self.forms:
            exact = self.exact(selector)
            if exact is not None:
                self.forms[id(selector)] = ([exact], 0.0)
            elif isinstance(selector, sops.SelectorAnd):
                (t1, c1), (t2, c2) = self.form(selector.left), self.form(selector.right)
                self.forms[id(selector)] = (t1 + t2, c1 + c2 - 1.0)
            else:
                self.forms[id(selector)] = ([self.product_term(selector)], 0.0)
        return self.forms[id(selector)]

    def product_term(self, selector):
        """`or`/`not` across different s-op pairs is no sum of per-pair tables: the keys the
        selector reads become one s-op of tuples, and so do the queries (an MLP each, unless
        one embedding row holds them), and one table over the two decides."""
        selects = [n for n in sops.postorder(selector) if isinstance(n, sops.Select)]
        keys = tuple({id(s.keys): s.keys for s in selects}.values())
        queries = tuple({id(s.queries): s.queries for s in selects}.values())
        key_tuple, query_tuple = _Tuple(keys, at=selector.at), _Tuple(queries, at=selector.at)
        self.tuples += [key_tuple, query_tuple]     # alive, so their ids stay theirs
        ks, qs = self.provide(key_tuple, "cat"), self.provide(query_tuple, "cat")
        k_at = {id(k): i for i, k in enumerate(keys)}
        q_at = {id(q): i for i, q in enumerate(queries)}

        def holds(sel, k, q) -> bool:
            match sel:
                case sops.Select(keys=keys_, queries=queries_, op=op):
                    return _call(_COMPARE[op], (k[k_at[id(keys_)]], q[q_at[id(queries_)]])) is True
                case sops.SelectorAnd(left=a, right=b):
                    return holds(a, k, q) and holds(b, k, q)
                case sops.SelectorOr(left=a, right=b):
                    return holds(a, k, q) or holds(b, k, q)
                case sops.SelectorNot(selector=a):
                    return not holds(a, k, q)
            raise AssertionError(sel)
        table = np.array([[float(holds(selector, k, q)) for q, _ in qs.states()]
                          for k, _ in ks.states()]).reshape(len(ks.states()), len(qs.states()))
        return ks, qs, table

    def exact(self, selector):
        """(key space, query space, 0/1 table over their states) when one pair decides it."""
        match selector:
            case sops.Select(keys=keys, queries=queries, op=op):
                ks, qs = self.provide(keys, "cat"), self.provide(queries, "cat")
                compare = _COMPARE[op]
                table = np.array([[float(_call(compare, (k, q)) is True) for q, _ in qs.states()]
                                  for k, _ in ks.states()]).reshape(len(ks.states()), len(qs.states()))
                return ks, qs, table
            case sops.SelectorNot(selector=inner):
                e = self.exact(inner)
                return None if e is None else (e[0], e[1], 1.0 - e[2])
            case sops.SelectorAnd(left=a, right=b) | sops.SelectorOr(left=a, right=b):
                ea, eb = self.exact(a), self.exact(b)
                if ea is None or eb is None or ea[0] is not eb[0] or ea[1] is not eb[1]:
                    return None
                both = np.minimum if isinstance(selector, sops.SelectorAnd) else np.maximum
                return ea[0], ea[1], both(ea[2], eb[2])
        return None

    def mlp(self, node, enc: str) -> Space:
        leaves, f = self.function(node)
        spaces = [self.leaf_space(leaf) for leaf in leaves]
        try:
            return self._mlp(node, enc, spaces, f)
        except CompileError:
            if isinstance(node, _Tuple):     # several numbers: each part one-hot first
                leaves = tuple(("cat", part) for part in node.parts)
                if self.table_size(leaves) > MAX_VALUES:
                    raise CompileError("a selector's tuple space is too large", where=node.at)
                self.value_sets[id(node)] = _unique(itertools.product(
                    *[self.values(part) for part in node.parts]))   # parts now independent
                return self._mlp(node, enc, [self.leaf_space(leaf) for leaf in leaves],
                                 lambda *xs: xs)
            if not isinstance(node, sops.Map):
                raise
        # The fused function is out of reach (several numerical leaves, not affine): the
        # operations that combine several numbers are computed first, one MLP deeper.
        saved = self.checkpoint()
        try:
            leaves, f = self.limited(node)
            return self._mlp(node, enc, [self.leaf_space(leaf) for leaf in leaves], f)
        except CompileError as refused:
            if refused.found != "neither":
                raise
            self.restore(saved)      # what the refused attempt placed would cost dims and layers
        # Still no affine map or sum (x / y, x * y): every argument is finitely valued, so the
        # arguments are made one-hot (an MLP each) and a lookup table over their combinations
        # decides -- per row a staircase over the argument whose inputs come last, which stays
        # fused when it has one number in it, so the table waits for nothing more than it does.
        args = [a for a in node.args if isinstance(a, sops.SOp)]
        last = max(args, key=lambda a: max((self.leaf_space(leaf).ready
                                            for leaf in self.function(a)[0]), default=0))
        for keep in (last, None):
            leaves, f = _combine(node.op, [
                self.function(a) if a is keep else ((("cat", a),), lambda x: x)
                if isinstance(a, sops.SOp) else ((), (lambda a=a: a)) for a in node.args])
            if self.table_size(leaves) > MAX_VALUES:
                raise CompileError("an elementwise operation of several numerical s-ops is no "
                                   "affine map, no sum of one function of each, and its table "
                                   "is too large", where=node_at(node),
                                   found=f"{self.table_size(leaves)} combinations")
            saved = self.checkpoint()
            try:
                return self._mlp(node, enc, [self.leaf_space(leaf) for leaf in leaves], f)
            except CompileError as refused:
                if refused.found != "neither" or keep is None:
                    raise
                self.restore(saved)

    def checkpoint(self):
        """The placement state, to take back an attempt that was refused half way."""
        return (self.width, dict(self.spaces), dict(self.forms), list(self.embeddings),
                {k: (h, len(h.moves)) for k, h in self.heads.items()},
                {k: list(v) for k, v in self.mlps.items()})

    def restore(self, saved) -> None:
        self.width, spaces, forms, embeddings, heads, mlps = saved
        self.spaces, self.forms, self.embeddings, self.mlps = spaces, forms, embeddings, mlps
        self.heads = {}
        for k, (head, moves) in heads.items():
            del head.moves[moves:]
            self.heads[k] = head

    def limited(self, node: sops.Map):
        """Like function(node), but where an operation would combine several numbers its
        arguments that are operations become leaves themselves (each its own MLP)."""
        parts = [((), (lambda a=a: a)) if not isinstance(a, sops.SOp)
                 else self.limited(a) if isinstance(a, sops.Map) else self.function(a)
                 for a in node.args]
        combined = _combine(node.op, parts)
        if self.numerical_leaves(combined[0]) <= 1:
            return combined
        if node.op in _COMPARE and all(isinstance(a, sops.SOp) for a in node.args) \
                and _numeric(self.values(node.args[0])) and _numeric(self.values(node.args[1])):
            # x < y of two numbers is x - y < 0: the difference (affine, or a sum of one
            # function of each) gets an MLP, the comparison joins whatever reads it
            difference = sops.Map("-", tuple(node.args), at=node.at)
            self.tuples.append(difference)           # alive, so its id stays its own
            compare = _COMPARE[node.op]
            return (("sop", difference),), lambda d: compare(d, 0)
        # Materialize the arguments carrying numbers, except the one whose inputs come last:
        # it stays fused, so the operation waits for nothing more than that argument would.
        numeric = [k for k, (a, part) in enumerate(zip(node.args, parts))
                   if isinstance(a, sops.Map) and self.numerical_leaves(part[0])]
        if not numeric:              # the numbers are the arguments themselves
            return combined
        last = max(numeric, key=lambda k: max(self.leaf_space(leaf).ready for leaf in parts[k][0]))
        for keep in (last, None):
            split = [((("sop", a),), lambda x: x) if k in numeric and k != keep else part
                     for k, (a, part) in enumerate(zip(node.args, parts))]
            combined = _combine(node.op, split)
            if self.numerical_leaves(combined[0]) <= 1 or keep is None:
                return combined

    def numerical_leaves(self, leaves) -> int:
        return sum(1 for kind, n in leaves if kind == "t" or isinstance(n, sops.Aggregate)
                   and self.native(n) == "num" or isinstance(n, sops.Map)
                   and self.output_encoding(n) == "num")

    def _mlp(self, node, enc, spaces, f) -> Space:
        layer = max(s.ready for s in spaces) // 2 + 1
        values = self.values(node)
        if enc == "num":
            if not _numeric(values):
                raise CompileError("a non-numerical s-op averaged as numbers", where=node_at(node))
            out = Space(True, values, (0,), 2 * layer)
        else:
            out = Space(False, values, tuple(range(len(values))), 2 * layer)
        try:                             # on local dims: a refused MLP takes no residual dims
            units = _units(spaces, f, out)
        except CompileError as e:
            if e.where is not None:
                raise
            raise CompileError(e.what, where=node_at(node), found=e.found) from None
        out.dims = self.new_dims(len(out.dims))
        for unit in units:
            unit.w_out = {out.dims[d]: c for d, c in unit.w_out.items()}
        self.mlps.setdefault(layer, []).extend(units)
        return out


def _combine(op, parts):
    """(leaves, f) of op (a Map's op, or a function) applied to arguments given as (leaves, f)."""
    leaves = tuple(dict.fromkeys(leaf for ls, _ in parts for leaf in ls))
    where = [[leaves.index(leaf) for leaf in ls] for ls, _ in parts]
    op_f = ELEMENTWISE[op] if isinstance(op, str) else op

    def f(*xs):
        return op_f(*[g(*[xs[i] for i in w]) for (_, g), w in zip(parts, where)])
    return leaves, f


def node_key(node):
    return ("sop", node)


def node_at(node):
    return getattr(node, "at", None) if not isinstance(node, tuple) else None


def _call(f, args):
    try:
        return f(*args)
    except Exception:          # noqa: BLE001 -- RASP raises here too: no value
        return _NO


def _attention_layer(inputs) -> int:
    """The first attention layer after every input is in the residual."""
    return max((s.ready + 1) // 2 + 1 for s in inputs) if inputs else 1


def _add(*vectors, scale=None) -> dict:
    out: dict = {}
    for i, v in enumerate(vectors):
        k = 1.0 if scale is None else scale[i]
        for d, c in v.items():
            out[d] = out.get(d, 0.0) + k * c
    return {d: c for d, c in out.items() if c != 0.0}


def _units(spaces: list[Space], f, out: Space) -> list[Unit]:
    """An MLP computing out = f(leaves): a table over the categorical leaves' states, and per
    table row an affine map or a staircase over the numerical leaves; a row's units are gated
    off (a large negative bias) where its categorical states do not hold, and at BOS."""
    cats = [i for i, s in enumerate(spaces) if not s.numerical]
    nums = [i for i, s in enumerate(spaces) if s.numerical]
    rows = list(itertools.product(*[spaces[i].states() for i in cats]))
    if len(rows) * max([1] + [2 * len(spaces[i].values) for i in nums]) > MAX_VALUES:
        raise CompileError("an elementwise operation needs too large an MLP")
    if len(nums) > 1 and math.prod(len(spaces[i].values) for i in nums) > MAX_VALUES:
        raise CompileError("an elementwise operation of several numerical s-ops must be "
                           "affine in them", found="too many combinations to check")
    units: list[Unit] = []
    for row in rows:
        gate = _add(*[c for _, c in row]) if cats else {NOTBOS: 1.0}
        gate_bias = -(len(cats) - 1.0) if cats else 0.0

        def g(numbers, row=row):
            args = [None] * len(spaces)
            for i, (v, _) in zip(cats, row):
                args[i] = v
            for i, x in zip(nums, numbers):
                args[i] = x
            return _call(f, args)

        if not nums:
            y = g(())
            if y is not _NO and out.encode(y):
                units.append(Unit(gate, gate_bias, out.encode(y)))
            continue
        affine = _affine([spaces[i].values for i in nums], g) if out.numerical else None
        if affine is not None:
            coefficients, constant = affine
            if constant:
                units.append(Unit(gate, gate_bias, {out.dims[0]: constant}))
            for i, a in zip(nums, coefficients):
                if a:
                    x = spaces[i]
                    big = max(abs(v) for v in x.values + (x.bos_value,)) + 1.0
                    for sign in (1.0, -1.0):
                        units.append(Unit(_add({x.dims[0]: sign}, gate, scale=[1.0, big]),
                                          big * (gate_bias - 1.0), {out.dims[0]: sign * a}))
        elif len(nums) == 1:
            units.extend(_staircase(spaces[nums[0]], g, out, gate, gate_bias))
        elif out.numerical and (base := _separable([spaces[i].values for i in nums], g)) is not None:
            # a sum of one function per number: the value at a base point, then a staircase
            # per number for its change from there
            origin, at_origin = base
            if at_origin:
                units.append(Unit(gate, gate_bias, {out.dims[0]: at_origin}))
            for k, i in enumerate(nums):
                def change(v, k=k):
                    point = list(origin)
                    point[k] = v[0]
                    y = g(tuple(point))
                    return _NO if y is _NO else y - at_origin
                units.extend(_staircase(spaces[i], change, out, gate, gate_bias))
        else:
            raise CompileError("an elementwise operation of several numerical s-ops must be "
                               "affine in them, or a sum of one function of each",
                               found="neither")
    return units


def _separable(grids, g):
    """(origin, g(origin)) if g(x1, ..., xk) = g(origin) + sum_i (g(origin with x_i) - g(origin))
    on the whole grid, else None."""
    origin = tuple(grid[0] for grid in grids)
    at_origin = g(origin)
    if at_origin is _NO or not _numeric((at_origin,)):
        return None
    changes = []
    for k, grid in enumerate(grids):
        row = {}
        for v in grid:
            y = g(origin[:k] + (v,) + origin[k + 1:])
            if y is _NO:
                return None
            row[v] = y - at_origin
        changes.append(row)
    for point in itertools.product(*grids):
        y = g(point)
        if y is _NO:
            continue
        if not _numeric((y,)):
            return None
        guess = at_origin + sum(changes[k][v] for k, v in enumerate(point))
        if abs(y - guess) > 1e-9 * (1 + abs(y)):
            return None
    return origin, at_origin


def _affine(grids, g):
    """(coefficients, constant) if g is affine on the grid of numbers, else None."""
    points = [p for p in itertools.product(*grids) if g(p) is not _NO]
    if not points or not _numeric([g(p) for p in points]):
        return None
    X = np.array([list(p) + [1.0] for p in points], dtype=float)
    y = np.array([g(p) for p in points], dtype=float)
    solution, *_ = np.linalg.lstsq(X, y, rcond=None)
    if np.max(np.abs(X @ solution - y), initial=0.0) > 1e-9 * (1 + np.max(np.abs(y))):
        return None
    solution = np.where(np.abs(solution) < 1e-12, 0.0, solution)
    return [float(a) for a in solution[:-1]], float(solution[-1])


def _staircase(x: Space, g, out: Space, gate: dict, gate_bias: float) -> list[Unit]:
    """f(x) over x's sorted values: the first output, then a step of +delta at each midpoint
    where the output changes (relu(s(x-b)+1/2) - relu(s(x-b)-1/2), steep enough that every
    value lies a full step from each midpoint)."""
    xs = sorted(x.values)
    ys, last = [], {}
    for v in xs:
        y = g((v,))
        last = out.encode(y) if y is not _NO else last
        ys.append(last)
    gaps = [b - a for a, b in zip(xs, xs[1:])]
    slope = 2.0 / min(gaps) if gaps else 1.0
    big = slope * (xs[-1] - xs[0] + abs(x.bos_value) + abs(xs[0]) + 1.0) + 2.0
    units = [Unit(gate, gate_bias, ys[0])] if ys[0] else []
    for a, b, before, after in zip(xs, xs[1:], ys, ys[1:]):
        delta = _add(after, before, scale=[1.0, -1.0])
        if not delta:
            continue
        w_in = _add({x.dims[0]: slope}, gate, scale=[1.0, big])
        mid = (a + b) / 2
        for shift, sign in ((0.5, 1.0), (-0.5, -1.0)):
            units.append(Unit(w_in, -slope * mid + shift + big * (gate_bias - 1.0),
                              {d: sign * c for d, c in delta.items()}))
    return units
