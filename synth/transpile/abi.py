"""The two calling conventions (AAPCS64 and the RISC-V LP64D ABI), in canonical register names.

Arguments are matched by position, not by register: both ABIs give the n-th integer argument
the n-th integer register and the n-th floating-point argument the n-th FP register, except
that RISC-V passes the variadic FP arguments of printf in integer registers, interleaved with
the integers in order; arguments past the registers go to 8-byte stack slots from sp.
`argument_places` places a signature's arguments for either ISA, so the verifier can require
that argument k has the same value on both sides, wherever each side passes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_X = [f"x{i}" for i in range(32)]

# frame: the stack pointer and the frame pointer, whose slots hold spilled values.
# link: where a call leaves the return address, which `ret` jumps to.
ABI = {
    "aarch64": dict(int_args=_X[0:8], fp_args=[f"v{i}" for i in range(8)],
                    int_returns=["x0", "x1"], fp_returns=["v0", "v1", "v2", "v3"],
                    caller_saved=set(_X[0:19]) | {"x30", "n", "z", "c", "v"}
                    | {f"v{i}" for i in list(range(8)) + list(range(16, 32))},
                    # AAPCS64 keeps only the low 64 bits of v8-v15 across a call
                    callee_saved_bits={f"v{i}": 64 for i in range(8, 16)},
                    # an FP argument is a float or a double (long double and vector arguments,
                    # 128 bits in q registers, are not supported: LP64D passes them otherwise)
                    fp_arg_bits=64,
                    variadic_fp_in_int=False, frame=("sp", "x29"), link="x30"),
    "riscv64": dict(int_args=_X[10:18], fp_args=[f"f{i}" for i in range(10, 18)],
                    int_returns=["x10", "x11"], fp_returns=["f10", "f11"],
                    caller_saved={"x1", "x5", "x6", "x7", *_X[10:18], *_X[28:32]}
                    | {f"f{i}" for i in list(range(0, 8)) + list(range(10, 18)) + list(range(28, 32))},
                    callee_saved_bits={}, fp_arg_bits=64, variadic_fp_in_int=True, frame=("x2", "x8"),
                    link="x1"),
}


@dataclass(frozen=True)
class Signature:
    """Argument kinds in order: "i32", "i64" (integers, pointers) or "f32", "f64"; `fixed` is
    how many come before the `...` of a variadic function (None: not variadic)."""
    args: tuple[str, ...]
    returns: str | None = "i64"
    fixed: int | None = None


# The C library functions the corpus calls, with their C prototypes' kinds.
LIBRARY = {
    "printf": Signature(("i64",), "i32", fixed=1),
    "puts": Signature(("i64",), "i32"), "putchar": Signature(("i32",), "i32"),
    "memcpy": Signature(("i64", "i64", "i64")), "memmove": Signature(("i64", "i64", "i64")),
    "memset": Signature(("i64", "i32", "i64")), "memcmp": Signature(("i64", "i64", "i64"), "i32"),
    "strcmp": Signature(("i64", "i64"), "i32"), "strncmp": Signature(("i64", "i64", "i64"), "i32"),
    "strlen": Signature(("i64",)), "strcpy": Signature(("i64", "i64")),
    "strcat": Signature(("i64", "i64")), "strchr": Signature(("i64", "i32")),
    "qsort": Signature(("i64", "i64", "i64", "i64"), None), "malloc": Signature(("i64",)),
    "bsearch": Signature(("i64", "i64", "i64", "i64", "i64")),
    "sprintf": Signature(("i64", "i64"), "i32", fixed=2), "snprintf": Signature(("i64", "i64", "i64"), "i32", fixed=3),
    "fprintf": Signature(("i64", "i64"), "i32", fixed=2), "dprintf": Signature(("i32", "i64"), "i32", fixed=2),
    "calloc": Signature(("i64", "i64")), "free": Signature(("i64",), None),
    "abs": Signature(("i32",), "i32"), "labs": Signature(("i64",)), "exit": Signature(("i32",), None),
    "atoi": Signature(("i64",), "i32"), "sqrt": Signature(("f64",), "f64"),
    "fabs": Signature(("f64",), "f64"), "floor": Signature(("f64",), "f64"),
    "pow": Signature(("f64", "f64"), "f64"),
}

# The variadic ones: printf and its family, whose last fixed argument is the format string
# that says what the rest are.
PRINTF_FAMILY = frozenset(name for name, signature in LIBRARY.items() if signature.fixed is not None)

_CONVERSION = re.compile(r"%[-+ #0]*(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|z|j|t|L)?([diouxXeEfFgGaAcspn%])")


def printf_arguments(fmt: str) -> tuple[str, ...]:
    """Kinds of the variadic arguments a printf format consumes (`*` widths included)."""
    kinds = []
    for width, precision, length, conv in _CONVERSION.findall(fmt):
        kinds += ["i32"] * ((width == "*") + (precision == "*"))
        if conv == "%":
            continue
        if conv in "eEfFgGaA":
            kinds.append("f64")
        elif conv in "sp" or length in ("l", "ll", "z", "j", "t"):
            kinds.append("i64")
        elif conv == "n":
            kinds.append("i64")
        else:
            kinds.append("i32")
    return tuple(kinds)


def argument_places(isa: str, signature: Signature) -> list[tuple[str, int]]:
    """Where each argument goes: (register, 0), or ("stack", slot) past the registers (8-byte
    slots from sp at the call, as both LP64 ABIs use for scalars). RISC-V's FP arguments go to
    integer registers when variadic or when the FP registers have run out; AArch64's to the
    stack when v0-v7 have."""
    a = ABI[isa]
    ints, fps, places, slot = list(a["int_args"]), list(a["fp_args"]), [], 0
    for k, kind in enumerate(signature.args):
        variadic = signature.fixed is not None and k >= signature.fixed
        use_int = kind.startswith("i") or (variadic and a["variadic_fp_in_int"])
        pool = ints if use_int else (fps or (ints if a["variadic_fp_in_int"] else []))
        if pool:
            places.append((pool.pop(0), 0))
        else:
            places.append(("stack", slot))
            slot += 1
    return places


def return_registers(isa: str, kind: str | None) -> list[tuple[str, int]]:
    if kind is None:
        return []
    abi = ABI[isa]
    return [((abi["fp_returns"] if kind.startswith("f") else abi["int_returns"])[0],
             32 if kind.endswith("32") else 64)]


def representation(isa: str, register: str, bits: int, boundary: bool) -> str | None:
    """How a `bits`-wide value must fill the rest of a 64-bit register of the ISA, or None
    where the rest is free: RISC-V keeps single-precision values NaN-boxed (upper half all
    ones) in every f register, and passes 32-bit integers across calls sign-extended (LP64)."""
    if isa != "riscv64" or bits != 32:
        return None
    if register.startswith("f"):
        return "ones"
    return "sign" if boundary else None


def result_bits(isa: str, instr) -> tuple[int | None, int | None]:
    """Bits of the (integer, floating-point) result register this instruction defines, or None
    where it does not write that register: 32 for w0 or s0 on AArch64 (AAPCS64 leaves the rest
    unspecified, so callers read only that much) and for a single in fa0 on RISC-V; 64
    otherwise (RISC-V integer results are always full registers)."""
    first = instr.operands[0] if instr.operands else None
    name = getattr(first, "name", "")
    if instr.mnemonic.startswith(("st", "fs", "sd", "sw", "sh", "sb", "cmp", "cmn", "tst", "fcmp", "b")):
        return None, None
    if isa == "aarch64":
        integer = {"w0": 32, "x0": 64}.get(name)
        fp = {"s0": 32, "d0": 64, "v0": 64, "q0": 64}.get(name)
        return integer, fp
    if name in ("a0", "x10"):
        return 64, None
    if name in ("fa0", "f10"):
        single = instr.mnemonic in ("flw", "fmv.w.x") or instr.mnemonic.endswith(".s")
        return None, 32 if single else 64
    return None, None
