"""Mutations and random programs: always valid programs, deterministic given the seed."""
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from synth.dsl import optim
from synth.dsl.optim import Const, Program, Statement, Var, mutate
from tests.strategies import programs

SGD = optim.library.load("sgd")


def _defined_uses_only(program: Program) -> bool:
    defined = set(optim.INPUTS)
    for s in program.statements:
        if any(isinstance(a, Var) and a.name not in defined for a in s.args):
            return False
        defined.add(s.target)
    return set(program.returns) <= defined


@settings(max_examples=300, deadline=None)
@given(programs(), st.integers(0, 2**32 - 1))
def test_every_mutation_gives_a_valid_program(program, seed):
    rng = random.Random(seed)
    for mutation in mutate.MUTATIONS:
        child = mutation(program, rng)
        assert _defined_uses_only(child)
        assert optim.parse(optim.format(child)) == child


def test_mutation_is_deterministic_given_the_seed():
    def walk(seed):
        rng, p, seen = random.Random(seed), SGD, []
        for _ in range(50):
            p = mutate.mutate(p, rng)
            seen.append(optim.format(p))
        return seen
    assert walk(3) == walk(3)
    assert walk(3) != walk(4)


def test_delete_repoints_uses_of_the_deleted_name():
    p = optim.parse("def train(w, g, m, v, lr):\n t = sign(g)\n update = t * lr\n return update, m, v\n")
    rng = random.Random(0)
    while True:
        child = mutate.delete(p, rng)
        if child.statements[0].op == "mul":
            break
    assert child == Program((Statement("update", "mul", (Var("g"), Var("lr"))),),
                            ("update", "m", "v"))


def test_perturb_constant_moves_exactly_one_constant():
    p = optim.library.load("lion")
    child = mutate.perturb_constant(p, random.Random(1))
    changed = [(a, b) for s, t in zip(p.statements, child.statements)
               for a, b in zip(s.args, t.args) if a != b]
    assert len(changed) == 1
    (old, new), = changed
    assert isinstance(new, Const) and new.value != old.value
    # decay rates near 1 move in 1 - c, so they stay below 1
    if 0.5 < old.value < 1:
        assert 0 < new.value < 1


def test_long_programs_do_not_grow():
    p = SGD
    rng = random.Random(0)
    while len(p.statements) < mutate.MAX_LENGTH:
        p = mutate.insert(p, rng)
    for _ in range(200):
        assert len(mutate.mutate(p, rng).statements) <= mutate.MAX_LENGTH


def test_random_program_defines_update():
    for seed in range(20):
        p = mutate.random_program(random.Random(seed))
        assert p.returns == ("update", "m", "v")
        assert p.statements[-1].target == "update" and _defined_uses_only(p)


def test_insert_splices_the_new_value_into_a_later_use():
    """Some insertions make a later statement read the new value: SGD reaches momentum in one step."""
    rng = random.Random(0)
    spliced = 0
    for _ in range(400):
        child = mutate.insert(SGD, rng)
        new, update = child.statements[0], child.statements[-1]
        if len(child.statements) == 2 and Var(new.target) in update.args:
            spliced += 1
            # the redirected use read one of the new statement's arguments before
            assert any(isinstance(a, Var) and a.name in ("g", "lr") for a in new.args)
    assert 100 < spliced < 300
    rng = random.Random(1)

    def momentum_shaped(p: Program) -> bool:   # m = interp(<m, g, a constant in some order>); update = m * lr
        if len(p.statements) != 2:
            return False
        first, update = p.statements
        names = sorted(a.name for a in first.args if isinstance(a, Var))
        return (first.target == "m" and first.op == "interp" and names == ["g", "m"]
                and update == Statement("update", "mul", (Var("m"), Var("lr"))))
    assert any(momentum_shaped(mutate.insert(SGD, rng)) for _ in range(20000))
