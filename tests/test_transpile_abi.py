"""Calling conventions: argument placement by position, printf formats."""
from synth.transpile.abi import Signature, argument_registers, printf_arguments


def test_printf_format_kinds():
    assert printf_arguments("%d %5.2f %s %lu %c %% %*d %g\n") == (
        "i32", "f64", "i64", "i64", "i32", "i32", "i32", "f64")


def test_variadic_doubles_go_to_fp_registers_on_aarch64_and_integer_registers_on_riscv():
    sig = Signature(("i64", "i32", "f64", "i32", "f64"), "i32", fixed=1)
    assert argument_registers("aarch64", sig) == [("x0", 64), ("x1", 32), ("v0", 64), ("x2", 32), ("v1", 64)]
    assert argument_registers("riscv64", sig) == [("x10", 64), ("x11", 32), ("x12", 64), ("x13", 32), ("x14", 64)]


def test_fixed_arguments_use_fp_registers_on_both():
    sig = Signature(("f64", "i64", "f64"), "f64")
    assert argument_registers("riscv64", sig) == [("f10", 64), ("x10", 64), ("f11", 64)]


def test_arguments_past_the_registers_are_on_the_stack():
    assert argument_registers("riscv64", Signature(("i64",) * 9)) is None
