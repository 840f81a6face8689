"""The project's own error: a list of problems, each naming line, column and value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file.

    ``line`` is the file's 1-based line number (the header is line 1), or ``None`` when the
    problem concerns the whole file.
    """

    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column:
            parts.append(f"column {self.column!r}")
        if self.value is not None:
            parts.append(f"value {_short(self.value)!r}")
        where = ", ".join(parts)
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "value": self.value,
                "message": self.message}


class DataError(ValueError):
    """Raised when an input cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], source: str = "input"):
        self.problems = list(problems)
        self.source = source
        n = len(self.problems)
        head = "; ".join(str(p) for p in self.problems[:3])
        more = f" (and {n - 3} more)" if n > 3 else ""
        super().__init__(f"{source}: {n} problem{'s' if n != 1 else ''}: {head}{more}")


def _short(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"
