"""Commentary that blames a partner (inspection report 3.16, 4.21, 4.26): poor results put down to the police,
the courts or other agencies "without data". A review whose commentary does so should cite the evidence for
it, a measure or a document; the quarterly performance review pack shows which explanations are evidenced.

Pure: riskreg.services.measures.partners reads the reviews and their citations.
"""

import re
from dataclasses import dataclass

# Who a prosecution service works with and may blame. Longer names first, so "police file" reads as police.
_PARTNERS = {
    "police": r"police|officers? in (?:the )?case|investigators?|OICs?",
    "courts": r"courts?|HMCTS|listing|judiciary|judges?|magistrates?",
    "defence": r"defence(?: solicitors?| lawyers?)?",
    "witness care": r"witness care(?: units?)?",
    "prisons and probation": r"prisons?|probation|HMPPS|prison transport",
    "other agencies": r"partners?|partner agencies|other agencies|local authorit(?:y|ies)",
}
_PARTNER = re.compile(r"\b(" + "|".join(f"(?P<p{n}>{p})" for n, p in enumerate(_PARTNERS.values())) + r")\b", re.I)
# What turns a mention into blame: the partner did something late, badly or not at all.
_BLAME = re.compile(
    r"\b(late|lateness|delay(?:s|ed)?|slow|poor(?:ly)?|weak|failed|failures?|fail(?:s|ing)?|missing|missed|"
    r"not (?:provided|supplied|served|sent|attend(?:ed|ing)?|available)|non-attendance|did not|didn't|"
    r"unable|shortages?|backlogs?|adjourn(?:ed|ments?)|vacated|cancell?ed|lack of|because of|due to|"
    r"caused by|outside (?:our|the area's|the unit's) control|beyond our control|blame[ds]?)\b",
    re.I,
)
# "no delays from the police", "not because of the courts": a denied blame is no blame.
_DENIED = re.compile(r"\b(no|nil|not|never|without)\s*$", re.I)
_SENTENCE = re.compile(r"[^.!?;\n]+")


@dataclass(frozen=True)
class PartnerBlame:
    partners: tuple[str, ...]  # whom it blames, as the pack names them ("police", "courts")
    sentence: str  # the first sentence that does


def _blames(sentence: str) -> bool:
    return any(not _DENIED.search(sentence[max(0, m.start() - 12) : m.start()]) for m in _BLAME.finditer(sentence))


def partner_blame(commentary: str) -> PartnerBlame | None:
    """Whom a review's commentary blames for a result, and where; None when it blames no partner.

    A sentence blames a partner when it names one and says something went late, badly or not at all (or that
    it was "because of" or "due to" them). Naming a partner alone ("met the police to agree a protocol") is
    no blame, nor is a denied one ("no delays from the police")."""
    names: list[str] = []
    first = ""
    for sentence in _SENTENCE.findall(commentary or ""):
        found = [
            name
            for match in _PARTNER.finditer(sentence)
            for index, name in enumerate(_PARTNERS)
            if match.group(f"p{index}")
        ]
        if found and _blames(sentence):
            names += [name for name in found if name not in names]
            first = first or sentence.strip()
    return PartnerBlame(tuple(names), first) if names else None


def blames_partner(commentary: str) -> bool:
    return partner_blame(commentary) is not None
