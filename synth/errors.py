"""User-facing errors: each says where, what was found, and what was expected."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str = "<string>"
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class SynthError(Exception):
    """Base of every error caused by user input; the CLI prints it without a traceback."""

    def __init__(self, what: str, *, where: Location | None = None,
                 found: str | None = None, expected: str | None = None):
        self.what, self.where, self.found, self.expected = what, where, found, expected
        super().__init__(self.message())

    def message(self) -> str:
        text = f"{self.where}: {self.what}" if self.where else self.what
        if self.found is not None:
            text += f"; found {self.found}"
        if self.expected is not None:
            text += f"; expected {self.expected}"
        return text


class ParseError(SynthError):
    """The text does not follow the grammar."""


class NameError_(SynthError):
    """An unknown function, an undefined variable, or an unknown library name."""


class ArityError(SynthError):
    """A function called with the wrong number of arguments."""


class TypeError_(SynthError):
    """A value of the wrong kind: a selector where a sequence is needed, text averaged as numbers."""


class ShapeError(SynthError):
    """A program whose outputs do not have the parameters' shape."""


class EvaluationError(SynthError):
    """A program that produces NaN or infinite values."""


class CheckpointError(SynthError):
    """A checkpoint that is missing, corrupt, or from a different run."""


class ToolMissingError(SynthError):
    """An external program (compiler, emulator) synth needs is not installed."""


class Interrupted(SynthError):
    """A long run stopped by the user (Ctrl-C) after saving a resumable checkpoint."""


class ExampleError(SynthError):
    """Input/output examples that cannot specify a program: a missing output, mismatched inputs."""
