"""Load the Lark grammars in grammars/ and turn parse failures into located SynthErrors."""
from __future__ import annotations

import functools
from pathlib import Path

import lark

from synth.errors import Location, ParseError, SynthError

# The grammars are data beside the package (grammars/ at the repository root).
GRAMMAR_DIR = Path(__file__).resolve().parents[2] / "grammars"


@functools.cache
def parser(name: str) -> lark.Lark:
    """The LALR parser for grammars/<name>.lark, built once per process."""
    return lark.Lark((GRAMMAR_DIR / f"{name}.lark").read_text(), parser="lalr",
                     propagate_positions=True, maybe_placeholders=False)


def parse_tree(name: str, text: str, file: str = "<string>") -> lark.Tree:
    """Parse text with grammar `name`; a syntax error becomes a ParseError at its line and column."""
    try:
        return parser(name).parse(text)
    except lark.exceptions.UnexpectedCharacters as e:
        raise ParseError("unexpected character", where=Location(file, e.line, e.column),
                         found=repr(text[e.pos_in_stream]) if e.pos_in_stream is not None else None,
                         expected=_expected(e.allowed)) from None
    except lark.exceptions.UnexpectedToken as e:
        found = {"$END": "end of input", "_NL": "end of line"}.get(e.token.type, repr(str(e.token)))
        raise ParseError("unexpected token", where=Location(file, e.line, e.column),
                         found=found, expected=_expected(e.expected)) from None
    except lark.exceptions.UnexpectedEOF as e:
        raise ParseError("unexpected end of input", where=Location(file),
                         expected=_expected(e.expected)) from None


def transform(transformer: lark.Transformer, tree: lark.Tree):
    """Apply a transformer, letting the SynthErrors it raises through unwrapped."""
    try:
        return transformer.transform(tree)
    except lark.exceptions.VisitError as e:
        if isinstance(e.orig_exc, SynthError):
            raise e.orig_exc from None
        raise


def location(meta, file: str) -> Location:
    """The Location of a tree node (needs propagate_positions)."""
    return Location(file, getattr(meta, "line", None), getattr(meta, "column", None))


def _expected(names) -> str | None:
    names = sorted(n for n in (names or ()) if not n.startswith("__"))
    if not names:
        return None
    return "one of " + ", ".join(_TOKEN_NAMES.get(n, n) for n in names[:12])


_TOKEN_NAMES = {"LPAR": "'('", "RPAR": "')'", "COMMA": "','", "COLON": "':'", "EQUAL": "'='",
                "NAME": "a name", "NUMBER": "a number", "SIGNED_NUMBER": "a number",
                "_NL": "a new line", "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'",
                # the assembly grammars
                "LSQB": "'['", "RSQB": "']'", "LBRACE": "'{'", "RBRACE": "'}'", "HASH": "'#'",
                "BANG": "'!'", "INT": "a number", "FLOAT": "a number", "RELOC": "a relocation",
                "PERCENT_OP": "a relocation", "LOCAL_REF": "a local label", "MNEMONIC": "an instruction",
                "LABEL": "a label", "DIRECTIVE": "a directive"}
