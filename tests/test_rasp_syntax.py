"""RASP text <-> AST: the round trip, the reference's precedence, and located errors."""
import pytest
from hypothesis import given, settings

from synth.dsl.rasp import ast, library
from synth.dsl.rasp.syntax import format_expr, format_program, parse, parse_expression
from synth.errors import ArityError, Location, NameError_, ParseError
from tests.rasp_strategies import expressions, programs

N, B, U = ast.Name, ast.Binary, ast.Unary


@settings(max_examples=200, deadline=None)
@given(programs)
def test_parse_inverts_format(program):
    text = format_program(program)
    assert parse(text) == program
    assert format_program(parse(text)) == text


@settings(max_examples=200, deadline=None)
@given(expressions)
def test_expressions_round_trip(e):
    assert parse_expression(format_expr(e)) == e


def test_paper_programs_round_trip():
    program = parse(library.path("paper").read_text(encoding="utf-8"))
    assert parse(format_program(program)) == program
    assert [s.name if isinstance(s, ast.Def) else s.target for s in program.statements] == [
        "_with_bos_selector_width", "hist_bos", "hist_nobos", "_flip_s", "reverse", "_sort_bos",
        "sort_bos", "_has_earlier_with_bos", "_hist2_bos", "hist2_bos", "_sort_by_freq_bos",
        "sort_by_most_freq", "_dyck1_ptf", "dyck1_ptf", "dyckk_ptf", "dyck2_ptf", "dyck3_ptf"]


@pytest.mark.parametrize("text, tree", [
    ("a + b * c", B("+", N("a"), B("*", N("b"), N("c")))),
    ("a - b - c", B("-", B("-", N("a"), N("b")), N("c"))),
    ("a * b % c + d", B("+", B("%", B("*", N("a"), N("b")), N("c")), N("d"))),
    ("a ^ b ^ c", B("^", B("^", N("a"), N("b")), N("c"))),
    # RASP.g4: prefix operators bind tighter than every binary operator
    ("not a == b", B("==", U("not", N("a")), N("b"))),
    ("-a ^ 2", B("^", U("-", N("a")), ast.Num("2"))),
    ("a and not b or c", B("or", B("and", N("a"), U("not", N("b"))), N("c"))),
    ("a < b == c", B("==", B("<", N("a"), N("b")), N("c"))),
    # the conditional associates to the left, and `in` is looser than everything
    ("a if b else c if d else e", ast.IfElse(ast.IfElse(N("a"), N("b"), N("c")), N("d"), N("e"))),
    ("a if b else (c if d else e)", ast.IfElse(N("a"), N("b"), ast.IfElse(N("c"), N("d"), N("e")))),
    ("m + t in pairs", B("in", B("+", N("m"), N("t")), N("pairs"))),
    ("x if c else y in l", B("in", ast.IfElse(N("x"), N("c"), N("y")), N("l"))),
    ("f(1)(2)[0]", ast.Index(ast.Call(ast.Call(N("f"), (ast.Num("1"),)), (ast.Num("2"),)),
                             ast.Num("0"))),
    ("[p[0] for p in ps]", ast.ListComp(ast.Index(N("p"), ast.Num("0")), ("p",), N("ps"))),
    ("[a, b for a, b in z]", None),   # not RASP: a comprehension has one element expression
    ('select(tokens, "a", !=)', ast.Select(N("tokens"), ast.Str("a"), "!=")),
    ("1.50", ast.Num("1.50")),
])
def test_precedence_as_in_the_reference_grammar(text, tree):
    if tree is None:
        with pytest.raises(ParseError):
            parse_expression(text)
    else:
        assert parse_expression(text) == tree


def test_numbers_keep_int_and_float_apart():
    assert ast.Num("3").value == 3 and isinstance(ast.Num("3").value, int)
    assert ast.Num("3.0").value == 3.0 and isinstance(ast.Num("3.0").value, float)
    assert ast.Num("3") != ast.Num("3.0")
    with pytest.raises(ValueError):
        ast.Num("-1")
    with pytest.raises(ValueError):
        ast.Str('say "hi"')


def test_statements_functions_comments_and_layout():
    text = ('# a comment line\n'
            'load "lib";\n'
            'def f(a, b) {  # trailing comment\n'
            '    c = a + b;\n'
            '    def g() { return c; }\n'
            '    return g();\n'
            '}\n'
            'f(1, 2);\n')
    program = parse(text)
    assert program == ast.Program((
        ast.Load("lib"),
        ast.Def("f", ("a", "b"), (ast.Assign("c", B("+", N("a"), N("b"))),
                                  ast.Def("g", (), (), N("c"))),
                ast.Call(N("g"), ())),
        ast.ExprStatement(ast.Call(N("f"), (ast.Num("1"), ast.Num("2")))),
    ))
    assert format_program(program) == ('load "lib";\n\n'
                                       'def f(a, b) {\n'
                                       '    c = a + b;\n'
                                       '    def g() {\n'
                                       '        return c;\n'
                                       '    }\n'
                                       '    return g();\n'
                                       '}\n\n'
                                       'f(1, 2);\n')
    assert program.statements[1].at == Location("<string>", 3, 1)


def test_locations_do_not_affect_equality():
    assert parse("x = a+b;") == parse("x =\n   a  +  b ;  # same program")


@pytest.mark.parametrize("text, error, where, message", [
    ("x = ;", ParseError, "f.rasp:1:5", "unexpected token; found ';'"),
    ("x = 1\ny = 2;", ParseError, "f.rasp:2:1", "unexpected token; found 'y'"),
    ("x = 1 $ 2;", ParseError, "f.rasp:1:7", "unexpected character; found '$'"),
    ("x = (1;", ParseError, "f.rasp:1:7", "unexpected token; found ';'"),
    ("def f() { x = 1; }", ParseError, "f.rasp:1:18", "unexpected token; found '}'"),
    ("indices = 1;", NameError_, "f.rasp:1:1", "cannot assign to the reserved name 'indices'"),
    ("def aggregate(a) { return a; }", NameError_, "f.rasp:1:5", "reserved name 'aggregate'"),
    ("y = [True for x in [1]];\nz = [1 for tokens_str in [1]];", NameError_, "f.rasp:2:12",
     "reserved name 'tokens_str'"),
    ("def f(a, a) { return a; }", ParseError, "f.rasp:1:1", "repeated parameter name"),
    ("x = aggregate(s);", ArityError, "f.rasp:1:5", "aggregate takes 2 to 3 arguments; found 1"),
    ("x = selector_width(a, b);", ArityError, "f.rasp:1:5", "selector_width takes 1 argument; found 2"),
    ("x = select(a, b);", ParseError, "f.rasp:1:16", "unexpected token; found ')'"),
    ("x = select(a, b, =);", ParseError, "f.rasp:1:18", "unexpected token"),
    ('x = "unterminated;', ParseError, "f.rasp:1:5", "unexpected character"),
])
def test_errors_say_where_and_what(text, error, where, message):
    with pytest.raises(error) as info:
        parse(text, file="f.rasp")
    assert str(info.value).startswith(where + ": ")
    assert message in str(info.value)
    assert "\n" not in str(info.value)
