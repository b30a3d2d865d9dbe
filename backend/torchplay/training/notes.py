"""A status event's note in both of the page's languages: `note` (English) and `note_zh`.

Whoever says how a job trains (the loop, AMP, the compiler, a resume or a fork) writes both
sentences in one place, so the page shows the one it speaks; text from elsewhere inside a
note (an exception's message, a checksum's complaint) stays as it came.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Note:
    en: str
    zh: str

    def fields(self) -> dict[str, str]:
        """The status event's (or a resume request's) fields."""
        return {"note": self.en, "note_zh": self.zh}

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any] | None) -> Note | None:
        """Back from `fields()`; a note without its Chinese keeps the English for both."""
        en = (fields or {}).get("note")
        return cls(en, (fields or {}).get("note_zh") or en) if en else None


def joined(*notes: Note | None) -> Note | None:
    kept = [note for note in notes if note is not None]
    if not kept:
        return None
    return Note("; ".join(note.en for note in kept), "；".join(note.zh for note in kept))
