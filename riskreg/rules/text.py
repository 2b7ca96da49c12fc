"""Text as people send it: control characters removed, and text made only of invisible characters taken as empty.

A control character in a title (U+0001 was accepted by the API) breaks the XLSX export for everyone, NUL is
refused by PostgreSQL, and a "title" of zero-width spaces looks like no title at all. Forms and the import
clean what they receive with ``clean``; the API refuses the same characters in its schema (``API_*`` patterns).
"""

import re
import unicodedata

# C0 controls except tab, line feed and carriage return; DEL; the C1 controls. Surrogates cannot be stored.
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
_CONTROL_RE = re.compile(f"[{CONTROL}\ud800-\udfff]")
# Characters that show nothing, beside Unicode's whitespace: zero-width and joiner characters, the soft hyphen,
# fillers and blanks some fonts draw as nothing. Kept inside text (joiners shape some scripts and emoji), but a
# value made only of them (and whitespace) is empty.
INVISIBLE = "\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u206a-\u206f\u2800\u3164\ufeff\uffa0"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}\\s]")

# JSON Schema patterns (ECMA-262 regular expressions) for the API: no control characters at all; and for
# required text, at least one character that shows.
_API_CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
_API_INVISIBLE = (
    "\\u00ad\\u034f\\u115f\\u1160\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2064\\u206a-\\u206f\\u2800\\u3164"
    "\\ufeff\\uffa0"
)
API_NO_CONTROL = f"^[^{_API_CONTROL}]*$"
API_VISIBLE = f"^[^{_API_CONTROL}]*[^{_API_CONTROL}{_API_INVISIBLE}\\s][^{_API_CONTROL}]*$"


def strip_control(value: str) -> str:
    return _CONTROL_RE.sub("", value)


def clean(value: str) -> str:
    """Control characters removed; a value with nothing visible becomes empty (so "required" refuses it)."""
    value = strip_control(value)
    return "" if is_invisible(value) else value


def is_invisible(value: str) -> bool:
    """Nothing that shows: whitespace, the characters above, other format characters and lone combining marks."""
    return all(unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp", "Mn", "Cc") for c in _INVISIBLE_RE.sub("", value))


def has_control(value: str) -> bool:
    return bool(_CONTROL_RE.search(value))
