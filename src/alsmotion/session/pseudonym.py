"""Participant pseudonym validation: a session stores a study code, never a person's identity.

A pseudonym must match the study's pattern (default ``^[A-Z]{2,5}-?\\d{2,4}$``, e.g. ``ALS-001``).
Before the pattern is applied, text that looks like protected health information (an e-mail
address, a date such as a birth date, a phone or national ID number, a person's name) is refused
with a message saying what to use instead, whatever pattern a study configures.
"""

from __future__ import annotations

import re

from alsmotion.errors import InvalidInputError

#: Default pseudonym pattern: 2-5 capital letters, an optional hyphen, 2-4 digits.
DEFAULT_PSEUDONYM_PATTERN = r"^[A-Z]{2,5}-?\d{2,4}$"

_ADVICE = (
    "use the study pseudonym (e.g. 'ALS-001'); never store names, birth dates, e-mail addresses, "
    "phone or ID numbers in a session"
)

_PHI_CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an e-mail address", re.compile(r"@")),
    (
        "a date (e.g. a birth date)",
        re.compile(
            r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
            r"|(?<!\d)(19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"
            r"|(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s*\d"
        ),
    ),
    ("a phone or ID number", re.compile(r"(\d[\s()+-]*){7,}")),
    ("a person's name", re.compile(r"^[A-Za-z'-]+([ ,]+[A-Za-z'.-]+)+$|^[A-Z][a-z]{2,}$")),
)


def validate_pseudonym(participant_id: str, *, pattern: str = DEFAULT_PSEUDONYM_PATTERN) -> str:
    """Return ``participant_id`` if it is a valid pseudonym, else raise :class:`InvalidInputError`.

    Parameters
    ----------
    participant_id : the pseudonym to check.
    pattern : regular expression the whole pseudonym must match (study-specific).
    """
    if not isinstance(participant_id, str) or not participant_id.strip():
        raise InvalidInputError(f"participant_id is empty: {_ADVICE}")
    text = participant_id.strip()
    for looks_like, check in _PHI_CHECKS:
        if check.search(text):
            raise InvalidInputError(f"participant_id {text!r} looks like {looks_like}: {_ADVICE}")
    if not re.fullmatch(pattern, text):
        raise InvalidInputError(
            f"participant_id {text!r} does not match the study's pseudonym pattern {pattern}: "
            f"{_ADVICE}"
        )
    return text
