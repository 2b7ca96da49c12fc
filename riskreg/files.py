"""What a file is, from its bytes, and whether a ZIP-based file is safe to hand to a parser.

One place for both uploads riskreg reads: evidence (``rules.uploads`` keeps the allow-list) and registers
to import (``importing.readers``). A file's name is whatever the sender chose; its first bytes are what a
program opening it will act on. A ZIP (an Office document) is checked from its directory first, for free:
how many parts, how much they declare they expand to and by what ratio; the parts that a parser would hold
in memory whole can then be measured by streaming them within a budget.
"""

import io
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

MB = 1024 * 1024
CHUNK = 64 * 1024
ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # older Office files (.xls, .doc)

# Signatures of files people upload by mistake, with what they are, in words.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "pdf", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "png", "a PNG image"),
    (b"\xff\xd8\xff", "jpeg", "a JPEG image"),
    (b"GIF87a", "gif", "a GIF image"),
    (b"GIF89a", "gif", "a GIF image"),
    (b"II*\x00", "tiff", "a TIFF image"),
    (b"MM\x00*", "tiff", "a TIFF image"),
    (b"\x1f\x8b", "gzip", "a compressed (gzip) file"),
    (b"7z\xbc\xaf\x27\x1c", "7z", "a 7-Zip archive"),
    (b"Rar!", "rar", "a RAR archive"),
    (OLE, "ole", "an older Office file"),
)
# Corrupt, truncated, damaged (zlib), encrypted (RuntimeError) or impossible (ValueError) archives.
ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    KeyError,
    OSError,
    EOFError,
    RuntimeError,
    ValueError,
)


@dataclass(frozen=True)
class Signature:
    kind: str  # pdf, png, jpeg, zip, ole, webp, … or "" when no signature matched
    description: str


def identify(data: bytes) -> Signature:
    """The kind of file its first bytes declare; kind "" for none (text, or an unknown binary)."""
    for signature, kind, description in SIGNATURES:
        if data.startswith(signature):
            return Signature(kind, description)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Signature("webp", "a WebP image")
    if data.startswith(ZIP_SIGNATURES):
        return Signature("zip", "a ZIP archive")
    return Signature("", "")


def is_utf8_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def size_text(size: int) -> str:
    """20 MB, 1.5 MB, 340 KB, 12 bytes."""
    if size >= MB:
        return f"{size / MB:.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


# ZIP guards ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ZipLimits:
    max_members: int = 5000
    max_expanded: int = 200 * MB  # everything inside, as the directory declares it
    max_ratio: int = 200  # a part over 1 MB that expands more than this is a zip bomb, not a document


class ZipRefused(ValueError):
    """``reason`` is "damaged" or "bomb"; callers word the message for their page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def open_zip(data: bytes, limits: ZipLimits) -> zipfile.ZipFile:
    """The archive, after its directory passed the limits (nothing is decompressed here)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except ARCHIVE_ERRORS as error:
        raise ZipRefused("damaged") from error
    if len(members) > limits.max_members or sum(m.file_size for m in members) > limits.max_expanded:
        archive.close()
        raise ZipRefused("bomb")
    for member in members:
        if member.file_size > MB and member.file_size > max(member.compress_size, 1) * limits.max_ratio:
            archive.close()
            raise ZipRefused("bomb")
    return archive


def expands_within(archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], budget: int) -> bool:
    """Expand every member, stopping as soon as the total passes ``budget``.

    zipfile never returns more than a member's declared size, so the declared total bounds the work and is
    checked first, for free; the bytes are still counted as they come out. Reading each member to its end
    also checks its CRC, so a damaged archive raises BadZipFile (or zlib.error).
    """
    if sum(member.file_size for member in members) > budget:
        return False
    expanded = 0
    for member in members:
        for chunk in stream(archive, member):
            expanded += len(chunk)
            if expanded > budget:
                return False
    return True


def stream(archive: zipfile.ZipFile, member: zipfile.ZipInfo | str) -> Iterable[bytes]:
    with archive.open(member) as part:
        while chunk := part.read(CHUNK):
            yield chunk


def matches(archive: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes], overlap: int = 256) -> Iterable:
    """Every match of ``pattern`` (at most ``overlap`` bytes long) in a part, streamed in constant memory."""
    if name not in archive.NameToInfo:
        return
    tail = b""
    for chunk in stream(archive, name):
        buffer = tail + chunk
        cut = max(0, len(buffer) - overlap)
        yield from (match for match in pattern.finditer(buffer) if match.start() < cut)
        tail = buffer[cut:]
    yield from pattern.finditer(tail)


def count_matches(archive: zipfile.ZipFile, name: str, pattern: re.Pattern[bytes], most: int) -> int:
    """How many times ``pattern`` occurs in a part; counting stops just past ``most``. 0 without the part."""
    count = 0
    for _match in matches(archive, name, pattern, 32):
        count += 1
        if count > most:
            break
    return count
