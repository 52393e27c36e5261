"""Errors a person can act on: every refusal names the file, the rule, the line and what was expected/found."""

from __future__ import annotations


class FileRejected(Exception):
    """A delivered file was refused as a whole. A data error: retrying the same bytes cannot succeed."""

    def __init__(
        self,
        file: str,
        rule: str,
        message: str,
        *,
        line: int | None = None,
        expected: str | None = None,
        found: str | None = None,
    ) -> None:
        self.file = file
        self.rule = rule
        self.message = message
        self.line = line
        self.expected = expected
        self.found = found
        super().__init__(self.describe())

    def describe(self) -> str:
        parts = [f"{self.file}: rejected by rule {self.rule}"]
        if self.line is not None:
            parts.append(f"line {self.line}")
        text = ", ".join(parts) + f": {self.message}"
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", found {self.found})" if self.found is not None else ")"
        elif self.found is not None:
            text += f" (found {self.found})"
        return text

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "rule": self.rule,
            "message": self.message,
            "line": self.line,
            "expected": self.expected,
            "found": self.found,
        }
