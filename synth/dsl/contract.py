"""What a DSL hands the search engines: four pure functions, so no engine names a DSL."""
from __future__ import annotations

import random
from typing import Any, Callable, NamedTuple


class Language(NamedTuple):
    parse: Callable[[str], Any]                     # text -> program (raises SynthError)
    format: Callable[[Any], str]                    # program -> text; parse(format(p)) == p
    mutate: Callable[[Any, random.Random], Any]     # one random local edit
    fingerprint: Callable[[Any], str]               # equal behaviour -> equal fingerprint
