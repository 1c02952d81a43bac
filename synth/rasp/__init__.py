"""RASP compiled to transformer weights: layout and blocks (compile.py), arrays and the jitted
forward pass (model.py), and the check of the model against the interpreter (verify.py)."""
from __future__ import annotations

from dataclasses import dataclass

from synth.rasp.compile import Compiled, CompileError, compile_sop
from synth.rasp.model import arrays, forward, parameter_count, save
from synth.rasp.verify import Verification, verify


@dataclass
class Model:
    compiled: Compiled
    params: dict
    verification: Verification

    def to_json(self) -> dict:
        c, v = self.compiled, self.verification
        return {"layers": c.layers, "heads": c.heads_per_layer, "residual_width": c.width,
                "params": parameter_count(self.params), "verified_inputs": v.checked,
                "undefined_inputs": v.undefined, "verification": v.method}

    def describe(self) -> str:
        j = self.to_json()
        heads = ", ".join(map(str, j["heads"])) or "none"
        undefined = f" ({j['undefined_inputs']} inputs the interpreter rejects skipped)" \
            if j["undefined_inputs"] else ""
        return (f"{j['layers']} layer{'s' * (j['layers'] != 1)} (heads per layer: {heads}), residual width "
                f"{j['residual_width']}, {j['params']} parameters; agrees with the interpreter "
                f"on {j['verified_inputs']} inputs ({j['verification']}){undefined}")


def compile(root, vocab, max_len: int, limit: int = 20_000, samples: int = 2_000) -> Model:
    """Compile an s-op for inputs of 1..max_len tokens from vocab and check it (see verify.py)."""
    compiled = compile_sop(root, vocab, max_len)
    params = arrays(compiled)
    return Model(compiled, params, verify(root, compiled, params, limit, samples))


__all__ = ["Model", "Compiled", "CompileError", "compile", "compile_sop", "arrays", "forward",
           "parameter_count", "save", "Verification", "verify"]
