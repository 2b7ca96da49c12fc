"""What a signer's own certificate says about them: their title, from the unit where they sign as its head."""

from riskreg.enums import UnitKind

# The title of a unit's head, by the kind of unit (inspection report, chapter 3: areas are led by Chief Crown
# Prosecutors, casework divisions by Heads of Division).
HEAD_TITLES = {
    UnitKind.HEADQUARTERS: "Chief Executive",
    UnitKind.AREA: "Chief Crown Prosecutor",
    UnitKind.DIVISION: "Head of Division",
    UnitKind.UNIT: "Head of Unit",
}


def signing_title(kind: UnitKind, unit_name: str) -> str:
    """E.g. "Chief Crown Prosecutor, London North"."""
    return f"{HEAD_TITLES[kind]}, {unit_name}"


def stamp_lines(name: str, title: str, signed_at: str, anchor: str | None) -> tuple[str, ...]:
    """The visible signature block's text: who, in which role, when, and the audit trail it anchors."""
    lines = ["Digitally signed by", name, title, f"Date: {signed_at}"]
    if anchor:
        lines.append(anchor)
    return tuple(lines)
