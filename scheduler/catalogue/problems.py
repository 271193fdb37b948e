"""One finding in jobs.yaml: where it is, which job and field, what is wrong, what to do."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    job: str | None
    field: str | None
    message: str
    hint: str | None = None

    def render(self) -> str:
        """``FILE:LINE:COL: job 'NAME': FIELD: message`` (job and field when known)."""
        parts = [f"{self.file}:{self.line}:{self.column}:"]
        if self.job is not None:
            parts.append(f"job {self.job!r}:")
        if self.field:
            parts.append(f"{self.field}:")
        parts.append(self.message)
        line = " ".join(parts)
        return f"{line} (hint: {self.hint})" if self.hint else line

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
