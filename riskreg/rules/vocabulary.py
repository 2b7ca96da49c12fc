"""The organisation's risk categories and strategic objectives, as read once from the database (issues 16, 17).

Pure: services read the entries and hand a ``Terms`` to forms, imports, exports and pages; labels come from it,
never from code.
"""

from dataclasses import dataclass

NOT_YET_SET = "Not yet set"


@dataclass(frozen=True)
class Term:
    code: str
    label: str
    description: str | None = None
    retired: bool = False


@dataclass(frozen=True)
class Terms:
    """One vocabulary's entries in display order, retired ones included."""

    entries: tuple[Term, ...]

    def get(self, code: str | None) -> Term | None:
        return next((term for term in self.entries if term.code == code), None)

    def label(self, code: str | None) -> str:
        """What people read for a stored code; a risk imported without one reads "Not yet set"."""
        if code is None:
            return NOT_YET_SET
        term = self.get(code)
        return term.label if term else code

    @property
    def active(self) -> tuple[Term, ...]:
        return tuple(term for term in self.entries if not term.retired)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(term.code for term in self.entries)

    def choices(self, current: str | None = None) -> list[tuple[str, str]]:
        """What a form offers: the active entries, and a risk's own retired one so editing it keeps it."""
        return [(term.code, term.label) for term in self.entries if not term.retired or term.code == current]

    def offered(self, code: str | None, current: str | None = None) -> bool:
        """Whether a risk may be given ``code``: an active entry, or the retired one it already has."""
        return any(value == code for value, _label in self.choices(current))

    def find(self, text: str) -> Term | None:
        """The active entry whose code or label this is, whatever its case and spacing."""
        key = " ".join(text.replace("_", " ").split()).casefold()
        return next(
            (term for term in self.active if key in (term.code.replace("_", " ").casefold(), term.label.casefold())),
            None,
        )
