"""Calling conventions: argument placement by position, printf formats."""
from synth.transpile.abi import Signature, argument_places, printf_arguments


def test_printf_format_kinds():
    assert printf_arguments("%d %5.2f %s %lu %c %% %*d %g\n") == (
        "i32", "f64", "i64", "i64", "i32", "i32", "i32", "f64")


def test_variadic_doubles_go_to_fp_registers_on_aarch64_and_integer_registers_on_riscv():
    sig = Signature(("i64", "i32", "f64", "i32", "f64"), "i32", fixed=1)
    assert argument_places("aarch64", sig) == [("x0", 0), ("x1", 0), ("v0", 0), ("x2", 0), ("v1", 0)]
    assert argument_places("riscv64", sig) == [("x10", 0), ("x11", 0), ("x12", 0), ("x13", 0), ("x14", 0)]


def test_fixed_arguments_use_fp_registers_on_both():
    sig = Signature(("f64", "i64", "f64"), "f64")
    assert argument_places("riscv64", sig) == [("f10", 0), ("x10", 0), ("f11", 0)]


def test_arguments_past_the_registers_are_on_the_stack():
    assert argument_places("riscv64", Signature(("i64",) * 9))[-2:] == [("x17", 0), ("stack", 0)]
    nine_doubles = Signature(("i64",) + ("f64",) * 9, "i32", fixed=1)
    assert argument_places("aarch64", nine_doubles)[-2:] == [("v7", 0), ("stack", 0)]
    assert argument_places("riscv64", nine_doubles)[-3:] == [("x17", 0), ("stack", 0), ("stack", 1)]
