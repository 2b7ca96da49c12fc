"""The visible signature's font, embedded (PDF/A forbids unembedded fonts) and scaled to 1000 units per em.

pyHanko 0.38 writes a CID font's glyph widths in the font's own units, which PDF reads as thousandths of an em:
a TrueType font drawn in 2048 units (Liberation Sans, DejaVu Sans) comes out with its letters spread twice as
far apart. Scaling the font to 1000 units per em first (fontTools) gives the right widths.
"""

import logging
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.api import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator

# The first of these that exists is used; without any, pyHanko's built-in (unembedded) Courier.
FONTS = (
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
)
UNITS_PER_EM = 1000

# fontTools reports each table it leaves out of a subset (e.g. "FFTM NOT subset") as a warning: noise in logs.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


def font_path() -> str | None:
    return next((path for path in FONTS if Path(path).exists()), None)


@lru_cache(maxsize=4)
def _scaled(path: str) -> bytes:
    font = TTFont(path)
    if font["head"].unitsPerEm != UNITS_PER_EM:
        scale_upem(font, UNITS_PER_EM)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class ScaledFontFactory(FontEngineFactory):
    path: str
    font_size: int = 9

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer, font_handle=BytesIO(_scaled(self.path)), font_size=self.font_size, obj_stream=obj_stream
        )
