"""A register spreadsheet of any size, laid out as people keep them, for trying and measuring the importer.

``register_workbook(10_000)`` is the benchmark's 10,000-row XLSX: a title row above the headings, word and
number scores, owners by name, and several controls in one cell. Deterministic for a given seed.
"""

import io
import random

from openpyxl import Workbook

from riskreg.demo import content

HEADINGS = (
    "Risk ref",
    "Risk title",
    "Cause",
    "There is a risk that",
    "Consequence",
    "Category",
    "Strategic objective",
    "Local influence",
    "Inherent likelihood",
    "Inherent impact",
    "Likelihood",
    "Impact",
    "Risk owner",
    "Existing controls",
    "Next review",
)
WORDS = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")


def register_rows(count: int, owners: list[str], seed: int = 2013):
    """The data rows: (title, cause, event, consequence, category, objective, influence) themes, varied."""
    rng = random.Random(seed)
    themes = content.CORPORATE_RISKS + content.LOCAL_RISKS + content.DIVISION_RISKS
    for number in range(1, count + 1):
        title, cause, event, consequence, category, objective, influence = rng.choice(themes)
        inherent_l, inherent_i = rng.randint(3, 5), rng.randint(2, 5)
        controls = rng.sample(content.COUNTERMEASURES[category], k=min(2, len(content.COUNTERMEASURES[category])))
        yield (
            f"R{number}",
            f"{title} ({number})",
            cause,
            event,
            consequence,
            category.title(),
            objective,
            influence.capitalize(),
            WORDS[inherent_l - 1],
            inherent_i,
            max(1, inherent_l - rng.randint(0, 2)),
            max(1, inherent_i - rng.randint(0, 1)),
            rng.choice(owners),
            "\n".join(f"• {title}" for title, _kind in controls),
            f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2027",
        )


def register_workbook(count: int, owners: list[str] | None = None, seed: int = 2013) -> bytes:
    """An XLSX of ``count`` risks (write-only, so even large ones are quick to make)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Register")
    sheet.append(["Generated risk register"])
    sheet.append([])
    sheet.append(list(HEADINGS))
    for row in register_rows(count, owners or ["Rhys Davies", "Helen Okafor"], seed):
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
