"""Parsing, formatting and the error messages of the optimizer DSL."""
import pytest
from hypothesis import given, settings

from synth.dsl import optim
from synth.dsl.optim import Const, Program, Statement, Var
from synth.errors import ArityError, NameError_, ParseError
from tests.strategies import programs

LION = optim.library.source("lion")


def test_parse_lion_exactly():
    p = optim.parse(LION)
    assert p.statements[0] == Statement("c", "interp", (Var("m"), Var("g"), Const(0.1)))
    assert p.statements[1] == Statement("s", "sign", (Var("c"),))
    assert p.statements[-1] == Statement("m", "interp", (Var("m"), Var("g"), Const(0.01)))
    assert p.returns == ("update", "m", "v")
    assert len(p.statements) == 6


def test_format_is_canonical():
    text = "def train(w,g,m,v,lr):  # c\n  x=g*lr ; update=max(x,eps)\n  return update,m,v"
    assert optim.format(optim.parse(text)) == (
        "def train(w, g, m, v, lr):\n    x = g * lr\n    update = max(x, eps)\n    return update, m, v\n")


def test_one_line_program():
    assert optim.parse("def train(w, g, m, v, lr): return g, m, v") == Program((), ("g", "m", "v"))


def test_negative_constant_and_subtraction():
    p = optim.parse("def train(w, g, m, v, lr):\n x = g - -1.5\n return x, m, v\n")
    assert p.statements == (Statement("x", "sub", (Var("g"), Const(-1.5))),)


@pytest.mark.parametrize("name", optim.library.NAMES)
def test_library_round_trips(name):
    p = optim.library.load(name)
    assert optim.parse(optim.format(p)) == p
    optim.check_shapes(p)


@settings(max_examples=200, deadline=None)
@given(programs())
def test_round_trip(program):
    assert optim.parse(optim.format(program)) == program
    assert hash(optim.parse(optim.format(program))) == hash(program)


@pytest.mark.parametrize("body, error, message", [
    ("x = foo(g)", NameError_, "f.optim:2:9: unknown function 'foo'"),
    ("x = sign(g, m)", ArityError, "f.optim:2:9: sign takes 1 argument; found 2"),
    ("x = interp(g, m)", ArityError, "f.optim:2:9: interp takes 3 arguments; found 2"),
    ("x = sign(q)", NameError_, "f.optim:2:14: undefined variable 'q'"),
    ("x = g +", ParseError, "f.optim:2:12: unexpected token; found end of line; expected one of a name, a number"),
    ("x = g", ParseError, "f.optim:2:5: a statement applies one function or arithmetic operation"),
    ("pi = sign(g)", NameError_, "f.optim:2:5: cannot assign to the constant 'pi'"),
    ("x = sign(g(m))", ParseError, "f.optim:2:15: unexpected token; found '('"),
])
def test_errors_say_where_and_what(body, error, message):
    text = f"def train(w, g, m, v, lr):\n    {body}\n    return x, m, v\n"
    with pytest.raises(error) as info:
        optim.parse(text, file="f.optim")
    assert str(info.value).startswith(message)


def test_wrong_signature_and_returns():
    with pytest.raises(ParseError, match="wrong signature; found def train\\(w, g\\); expected"):
        optim.parse("def train(w, g): return g, g, g")
    with pytest.raises(ParseError, match="wrong number of returned values; found 2"):
        optim.parse("def train(w, g, m, v, lr): return g, m")
    with pytest.raises(NameError_, match="undefined variable 'u'"):
        optim.parse("def train(w, g, m, v, lr): return u, m, v")


def test_unknown_library_name():
    with pytest.raises(NameError_, match="unknown optimizer 'rmsprop'; expected one of adam, adamw"):
        optim.library.load("rmsprop")
