"""Why Dyck-2 is out of the RASP enumerator's reach: Dyck-2 programs built from the search's
own leaves and productions (so their size is the size the enumerator gives them), checked
against the task's oracle, beside how far the enumerator gets on the task's examples.

Two programs: the paper's (depth, each closer's level, the previous position on its level,
whether its bracket type differs) and a smaller one (closers outnumbering openers within a
group of the same nesting level and bracket type), written with the shared blocks. Each
production is applied to its arguments' values exactly as the search would; the result is
compared with the oracle on every input of length 1..7 over ( ) { } and on the 24 examples
the search gets. Size is a tree's, as the enumerator counts (a leaf or block one, each
production one plus its arguments); where an argument is bigger than the search's cap for
that production (synthesize.SELECT_ARG, MAP_ARG) the program is outside the space at any
budget. Then the enumerator itself runs on the examples for --seconds, and terms kept per
size are printed. Last line JSON.

    .venv/bin/python benchmarks/rasp_synth_reach.py [--seconds 60]
"""
from __future__ import annotations

import argparse
import collections
import json
import time

from synth.rasp import synthesize as S
from synth.rasp import tasks
from synth.rasp.batch import Batch
from synth.search.enumeration import enumerate_terms


class Built:
    """A term made by the search's productions: node, value on a batch, size, cap excesses."""

    def __init__(self, space, node, value, size, over):
        self.space, self.node, self.value, self.size, self.over = space, node, value, size, over

    def __call__(self, name, *more):
        args = (self,) + more
        kinds = tuple(S.batch.kind(a.value) for a in args)
        production = next(p for p in self.space.productions()
                          if p.name == name and p.arg_kinds == kinds)
        value = production.apply(*(a.value for a in args))
        assert value is not None, name
        over = [o for a in args for o in a.over]
        cap = production.max_arg_size
        over += [f"{name}: argument of size {a.size} > {cap}" for a in args
                 if cap is not None and a.size > cap]
        return Built(self.space, production.build(*(a.node for a in args)), value,
                     1 + sum(a.size for a in args), over)


def dyck2_terms(space):
    """Two Dyck-2 programs, each as (F condition, T condition) of the chain F / T / P."""
    leaves = {n: Built(space, n, v, 1, []) for n, v in space.leaves()}
    tokens = next(b for n, b in leaves.items() if type(n).__name__ == "Tokens")
    up_to = leaves[S._blocks()["up_to"]]
    opens = tokens("=='('")("or", tokens("=='{'"))
    closes = tokens("==')'")("or", tokens("=='}'"))
    depth = opens("indicator")("prefix_sum[num]")("-", closes("indicator")("prefix_sum[num]"))
    t = depth("==0")

    # The paper's: each closer's opener is the previous position on its level; F once a
    # closer's opener has the other bracket type, or the depth is negative.
    level = depth("+", closes("indicator"))          # a closer counts at its opener's depth
    same = level("select==", level)
    place = same("sel and", up_to)("selector_width")  # how many on this level up to here
    previous = same("sel and", place("select==", place("+-1")))
    kind = tokens("=='('")("or", tokens("==')'"))("indicator")
    mismatch = closes("and", previous("aggregate", kind)("==", kind)("not"))
    paper = depth("<0")("or", mismatch)("ever[bool]")

    # Smaller, found for this benchmark: group positions by (nesting level, bracket type), an
    # opener and its closer sharing a group; F once some group has had more closers than
    # openers (round(mean) > 0 exactly when more than half are closers, as Dyck-1's program
    # found by the search uses it). A wrong closer is the first closer too many in its group.
    low = depth("-", opens("indicator"))              # min(depth before, depth after)
    kind = tokens("=='('")("or", tokens("==')'"))
    group = low("select==", low)("sel and", kind("select==", kind)("sel and", up_to))
    grouped = group("aggregate", closes("indicator"))("round")("ever[num]")
    return {"paper": (paper, t), "grouped": (grouped, t)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    task = tasks.task("dyck2")
    examples = S.check_examples(task.examples(24, 6))     # what the search got before e762d3a
    space = S._Space(examples, "dyck2")
    inputs = list(task.all_inputs(7))
    expected = tuple(v for x in inputs for v in task.function(list(x)))
    programs = {}
    for name, (f, t) in dyck2_terms(space).items():
        chain = S.sops.Map("if", (f.node, "F", S.sops.Map("if", (t.node, "T", "P"))))
        exhaustive = Batch(tuple(inputs)).evaluate(chain, {}) == expected
        programs[name] = {"f_size": f.size, "t_size": t.size, "exhaustive_1_7": exhaustive,
                          "on_examples": space.accept(chain, 0) is not None,
                          "outside_caps": sorted(set(f.over + t.over))}
        print(f"{name}: F condition size {f.size}, T condition size {t.size}; exhaustive "
              f"1..7 ({len(inputs)} inputs): {exhaustive}; examples: "
              f"{programs[name]['on_examples']}")
        for o in programs[name]["outside_caps"]:
            print("  outside the caps:", o)
    biggest = max(p["f_size"] for p in programs.values())

    kept = collections.Counter()
    stats = S.Stats()
    start = time.monotonic()
    enumerate_terms(space.leaves(), space.productions(), space.kind_of, space.key,
                    lambda found: kept.update([found.size]), max_size=biggest,
                    seconds=args.seconds, stats=stats)
    print(f"enumerator in {time.monotonic() - start:.0f} s: size {stats.size} under way, "
          f"{stats.tried} terms tried; kept per size {dict(sorted(kept.items()))}")
    print(json.dumps({"programs": programs, "inputs": len(inputs),
                      "enumerator": {"seconds": args.seconds, "size_reached": stats.size,
                                     "tried": stats.tried,
                                     "kept_per_size": dict(sorted(kept.items()))}}))


if __name__ == "__main__":
    main()
