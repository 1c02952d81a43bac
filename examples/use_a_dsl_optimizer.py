"""Write an optimizer in the DSL, check it, and train a model with it through optax.

    python examples/use_a_dsl_optimizer.py
"""
import jax
import jax.numpy as jnp
import optax

from synth.dsl import optim
from synth.dsl.optim import analysis

# Lion without weight decay, with a redundant statement the simplifier removes.
source = """
def train(w, g, m, v, lr):
    c = interp(m, g, 0.1)
    unused = exp(c)
    update = sign(c)
    update = update * lr
    m = interp(m, g, 0.01)
    return update, m, v
"""
program = optim.parse(source)
simplified = analysis.simplify(program)
print(optim.format(simplified.program))
print("simplification:", simplified.evidence.describe())
# The library's Lion adds weight decay, so the answer is a counterexample.
print("same as the library's Lion?", analysis.equivalent(program, optim.library.load("lion")).describe())

# Train a least-squares model with it.
key = jax.random.PRNGKey(0)
x = jax.random.normal(key, (256, 8))
y = x @ jnp.arange(1.0, 9.0)
params = {"w": jnp.zeros(8), "b": jnp.zeros(())}
loss = lambda p: jnp.mean((x @ p["w"] + p["b"] - y) ** 2)

tx = program.to_optax(learning_rate=0.05)
state = tx.init(params)
for _ in range(300):
    grads = jax.grad(loss)(params)
    updates, state = tx.update(grads, state, params)
    params = optax.apply_updates(params, updates)
print(f"final loss {float(loss(params)):.4f}")
