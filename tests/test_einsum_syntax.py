"""The einsum DSL's parser and formatter: both notations, round trips, located errors."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.einsum import (Axis, Ellipsis_, Expr, Group, Unit, format, parse, rearrange, reduce,
                          repeat)
from synth.errors import ArityError, NameError_, ParseError, SynthError
from synth.einsum.syntax import _parse_with_grammar, _plain_numpy
from tests.einsum_strategies import exprs, numpy_exprs

i, j, k = Axis("i"), Axis("j"), Axis("k")


def test_numpy_subscripts():
    assert parse("ij,jk->ik") == Expr(((i, j), (j, k)), (i, k), style="numpy")
    assert parse("ij, jk -> ik") == parse("ij,jk->ik")
    assert parse("ij,jk") == Expr(((i, j), (j, k)), None, style="numpy")
    assert parse("...ij,...jk").inputs == ((Ellipsis_(), i, j), (Ellipsis_(), j, k))
    assert parse("ii->i").inputs == ((i, i),)
    assert parse("i,->i").inputs == ((i,), ())
    assert parse("ij->").output == ()


def test_named_axes():
    b, h, d = Axis("b"), Axis("h"), Axis("d")
    assert parse("b h i d, b h j d -> b h i j") == Expr(((b, h, i, d), (b, h, j, d)), (b, h, i, j))
    assert parse("x () 1 -> x").inputs == ((Axis("x"), Group(()), Unit()),)
    assert parse("b ... -> b (...)").output == (b, Group((Ellipsis_(),)))


def test_a_compact_word_is_numpy_letters_and_einsum_makes_it_a_name():
    assert format(parse("x y -> y x")) == "x y -> y x"
    assert parse("batch->batch").inputs[0] == tuple(Axis(c) for c in "batch")
    named = parse("einsum(batch, batch -> batch)")
    assert named.inputs == ((Axis("batch"),), (Axis("batch"),)) and named.style == "named"
    assert format(named) == "einsum(batch, batch -> batch)"


def test_einops_operations():
    e = rearrange("b (h w) c -> b c h w", h=2)
    assert e == parse("rearrange(b (h w) c -> b c h w, h=2)")
    assert (e.kind, e.reduction, e.sizes) == ("rearrange", None, (("h", 2),))
    assert e.inputs[0][1] == Group((Axis("h"), Axis("w")))
    r = reduce("b c h w -> b c", "mean")
    assert (r.kind, r.reduction) == ("reduce", "mean")
    assert format(repeat("h w -> h w c", c=3)) == "repeat(h w -> h w c, c=3)"


@pytest.mark.parametrize("text", ["ij,jk->ik", "...ij,...jk", "ii", "i,->i", "ij->",
                                  "b h i d, b h j d -> b h i j", "a b ->", "b ... -> b (...)",
                                  "rearrange(b (h w) c -> b c h w, h=2)", "reduce(b c h w -> b c, mean)",
                                  "repeat(h w -> h w c, c=3)", "einsum(x, y -> x)"])
def test_canonical_text_is_a_fixed_point(text):
    assert format(parse(text)) == text


@settings(max_examples=300, deadline=None)
@given(exprs())
def test_round_trip(expr):
    assert parse(format(expr)) == expr


@settings(max_examples=300, deadline=None)
@given(numpy_exprs())
def test_plain_numpy_subscripts_skip_the_grammar_and_build_its_expr(expr):
    text = format(expr)
    assert _plain_numpy(text) == _parse_with_grammar(text) == expr


def _outcome(parser, text):
    try:
        return parser(text)
    except SynthError as e:
        return type(e), str(e)


# Text made of subscripts, commas and arrows, valid or not (repeats, strays, several ellipses).
_SUBSCRIPT_TEXT = st.lists(st.sampled_from(["i", "j", "K", "...", ",", "->", "2", " ", "_"]), max_size=10).map("".join)


@settings(max_examples=500, deadline=None)
@given(_SUBSCRIPT_TEXT)
def test_parse_agrees_with_the_grammar_on_any_subscript_text(text):
    assert _outcome(parse, text) == _outcome(_parse_with_grammar, text)
    if _plain_numpy(text) is not None:     # the fast path never accepts what the grammar refuses
        assert _plain_numpy(text) == _parse_with_grammar(text)


def test_plain_numpy_subscripts_the_fast_path_takes_and_leaves():
    assert _plain_numpy("ij,jk->ik") == Expr(((i, j), (j, k)), (i, k), style="numpy")
    assert _plain_numpy("...i,i") == Expr(((Ellipsis_(), i), (i,)), None, style="numpy")
    assert _plain_numpy("i j->j") is None          # spaces: named axes, for the grammar
    assert _plain_numpy("ij->ii") is None          # an error, which the grammar locates
    assert _plain_numpy("i->...") is None
    assert _plain_numpy("einsum(i->i)") is None


@pytest.mark.parametrize("text, error, message", [
    ("ij,jk->iq", NameError_, "<string>:1:8: output axis q is in no input"),
    ("i j -> j j", ParseError, "<string>:1:8: axis j appears twice in the output"),
    ("i2j->", ParseError, "<string>:1:2: NumPy subscripts are letters; found '2'"),
    ("ij->ij)", ParseError, "<string>:1:7: unexpected token; found ')'"),
    ("ij-->i", ParseError, "<string>:1:3: unexpected character; found '-'"),
    ("... a ... -> a", ParseError, "<string>:1:7: more than one '...' in a pattern"),
    ("(a ...) -> a", ParseError, "<string>:1:1: '...' inside a group is allowed only in the output"),
    ("a -> ...", ParseError, "<string>:1:6: '...' in the output but in no input"),
    ("rearrange(a b -> a)", NameError_, "<string>:1:18: rearrange loses axis b"),
    ("rearrange(a b, c -> a b c)", ArityError, "<string>:1:1: rearrange takes one operand; found 2"),
    ("rearrange(a a -> a)", ParseError, "<string>:1:11: axis a appears twice in rearrange's input"),
    ("rearrange(a -> a, mean)", ParseError, "<string>:1:19: rearrange takes no reduction"),
    ("rearrange(a b -> b a, z=2)", NameError_, "<string>:1:1: size given for axis z"),
    ("rearrange(a b -> b a, a=0)", ParseError, "<string>:1:25: size of axis a must be positive"),
    ("rearrange(a b -> b a, a=2, a=3)", ParseError, "<string>:1:28: size of axis a given twice"),
    ("reduce(a b -> a, median)", NameError_, "<string>:1:18: unknown reduction 'median'"),
    ("reduce(a b -> a)", ParseError, "<string>:1:1: reduce takes one reduction; found 0"),
    ("rearrange(a b)", ParseError, "<string>:1:1: rearrange needs an explicit output"),
    ("repeat(a b -> a c, c=2)", NameError_, "<string>:1:15: repeat loses axis b"),
])
def test_errors_say_where_and_what(text, error, message):
    with pytest.raises(error) as caught:
        parse(text)
    assert str(caught.value).startswith(message)


def test_errors_name_the_file():
    with pytest.raises(ParseError, match=r"^spec.ein:1:3: "):
        parse("ij$", file="spec.ein")


def test_parse_caches_values_not_errors():
    assert parse("b h i d, b h j d -> b h i j") is parse("b h i d, b h j d -> b h i j")
    for file in ("a.ein", "b.ein"):     # each call raises afresh, naming its own file
        with pytest.raises(ParseError, match=rf"^{file}:1:3: "):
            parse("ij$", file=file)
