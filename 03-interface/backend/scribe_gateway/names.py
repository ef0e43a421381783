"""Names people type (a speaker's display name, a voice-bank person, a meeting title): one line
of visible text, checked the same way on every route.

A name ends up in subtitles, RTTM columns, file names and HTML; a line break in it could forge
a subtitle cue (the exporters defend themselves too, for data stored before this check).
"""

from __future__ import annotations

import unicodedata
from typing import Final

from scribe_core.errors import BadInputError

INVALID_NAME: Final = "invalid_name"
"""Error code of a refused name (a :class:`~scribe_core.errors.BadInputError`, HTTP 400)."""


def is_invisible(char: str) -> bool:
    """Whether ``char`` is in a Unicode "Other" category (Cc controls such as CR, LF, tab,
    NUL, ESC; Cf format characters such as bidi overrides and zero-width joiners; Cs
    surrogates; Co private use; Cn unassigned) or is a LINE or PARAGRAPH SEPARATOR (Zl, Zp)."""
    return unicodedata.category(char)[0] == "C" or char in "\u2028\u2029"


def clean_name(
    value: str, *, what: str = "name", max_length: int = 100, code: str = INVALID_NAME
) -> str:
    """The name to store: ends trimmed, inner runs of whitespace made one space.

    Args:
        value: What the user sent.
        what: What it is, for the message (``name``, ``title``, ``text``).
        max_length: Most characters once cleaned.
        code: Error code of a refusal (``invalid_text`` for a segment's text).

    Returns:
        The cleaned name (1 to ``max_length`` characters).

    Raises:
        BadInputError: Code ``code``: a character :func:`is_invisible` finds anywhere
            (checked before whitespace is collapsed, so a line break is refused, not joined),
            or an empty or too long name.
    """
    if any(is_invisible(char) for char in value):
        raise BadInputError(
            f"the {what} must be one line of visible text, without control or formatting "
            "characters",
            code=code,
        )
    cleaned = " ".join(value.split())
    if not cleaned or len(cleaned) > max_length:
        raise BadInputError(f"the {what} must be 1 to {max_length} characters", code=code)
    return cleaned
