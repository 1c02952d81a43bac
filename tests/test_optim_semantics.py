"""JAX semantics of the optimizer DSL: against optax, across interpreters, and shape checking."""
import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest
from hypothesis import given, settings
from jax.flatten_util import ravel_pytree

from synth.dsl import optim
from synth.dsl.optim import semantics, vectorized
from synth.errors import ShapeError
from tests.strategies import vector_programs

PARAMS = {"a": jnp.linspace(-1.0, 1.0, 6).reshape(3, 2), "b": jnp.arange(4.0)}


def _grads(step):
    return jax.tree_util.tree_map(lambda x: jnp.sin(x * (step + 1.0)) + 0.1, PARAMS)


def _run_optax(opt, steps=5):
    params, state = PARAMS, opt.init(PARAMS)
    for k in range(steps):
        updates, state = opt.update(_grads(k), state, params)
        params = optax.apply_updates(params, updates)
    return params


@pytest.mark.parametrize("name, reference", [
    ("sgd", optax.sgd(0.05)),
    ("momentum", optax.sgd(0.05, momentum=0.9)),
    ("lion", optax.lion(0.05, b1=0.9, b2=0.99, weight_decay=0.01)),
])
def test_library_matches_optax(name, reference):
    ours = _run_optax(optim.library.load(name).to_optax(0.05))
    theirs = _run_optax(reference)
    for a, b in zip(jax.tree_util.tree_leaves(ours), jax.tree_util.tree_leaves(theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_adam_without_bias_correction_by_hand():
    w, _ = ravel_pytree(PARAMS)
    m = v = np.zeros_like(w)
    for k in range(5):
        g = np.asarray(ravel_pytree(_grads(k))[0])
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * m / (np.sqrt(v) + 1e-8)
    ours = ravel_pytree(_run_optax(optim.library.load("adam").to_optax(0.01)))[0]
    np.testing.assert_allclose(ours, w, rtol=1e-5)


def test_norm_is_per_tensor_and_global_norm_is_global():
    p = optim.parse("def train(w, g, m, v, lr):\n n = norm(g)\n k = global_norm(g)\n u = n + k\n"
                    " return u, n, m\n")
    g = {"a": jnp.full((2,), 3.0), "b": jnp.full((1,), 4.0)}
    u, n, _ = semantics.run(p, g, g, g, g, 0.1)
    np.testing.assert_allclose(n["a"], [np.sqrt(18)] * 2, rtol=1e-6)
    np.testing.assert_allclose(n["b"], [4.0], rtol=1e-6)
    np.testing.assert_allclose(u["b"], [4.0 + np.sqrt(34)], rtol=1e-6)


def test_division_and_log_are_total():
    p = optim.parse("def train(w, g, m, v, lr):\n a = g / m\n b = log(m)\n c = sqrt(g)\n"
                    " u = a + b\n return u, c, v\n")
    zero = {"x": jnp.zeros(3)}
    minus = {"x": -jnp.ones(3)}
    u, c, _ = semantics.run(p, zero, minus, zero, zero, 0.1)
    assert np.all(np.isfinite(u["x"]))
    np.testing.assert_allclose(c["x"], [1.0, 1.0, 1.0])


def test_shape_check_rejects_scalar_outputs():
    p = optim.parse("def train(w, g, m, v, lr):\n u = lr * 2.0\n return u, m, v\n")
    with pytest.raises(ShapeError, match="the returned update 'u' does not have the parameters' shape"):
        semantics.check_shapes(p)
    with pytest.raises(ShapeError):
        p.to_optax(0.1)
    ok = optim.parse("def train(w, g, m, v, lr):\n k = global_norm(g)\n u = k * g\n return u, m, v\n")
    semantics.check_shapes(ok)


@settings(max_examples=60, deadline=None)
@given(vector_programs())
def test_vectorized_interpreter_agrees_with_direct_one(program):
    rng = np.random.default_rng(0)
    w, _ = ravel_pytree(PARAMS)
    g, m, v = (jnp.asarray(rng.normal(size=w.shape), jnp.float32) for _ in range(3))
    segments = semantics.segments_of(PARAMS)
    direct = semantics.run_flat(program, segments, w, g, m, v, 0.01)
    *batched, _ = vectorized.run_encoded(vectorized.encode(program), segments, w, g, m, v,
                                     jnp.float32(0.01))
    for a, b in zip(direct, batched):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=2e-4, atol=1e-5)


def test_stack_pads_to_fixed_shapes():
    enc = vectorized.stack([optim.library.load("sgd"), optim.library.load("adamw")])
    assert enc.ops.shape == (2, vectorized.MAX_STATEMENTS)
    assert enc.args.shape == (2, vectorized.MAX_STATEMENTS, 3)
    assert enc.length.tolist() == [1, 9]
