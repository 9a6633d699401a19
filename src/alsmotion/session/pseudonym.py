"""Participant pseudonym validation: a session stores a study code, never a person's identity.

Checks, whatever pattern a study configures: text that looks like protected health information
(an e-mail address, a date such as a birth date, a phone or national ID number, a person's name)
is refused first, saying what to use instead; then

1. the path-safe alphabet (:data:`SAFE_ID`): ASCII letters, digits and ``-``, at most 32
   characters, starting with a letter or digit. A pseudonym names the session folder, so ``/``,
   ``..``, ``_`` (the folder name's separator), NUL, spaces and non-ASCII digits never get that far;
2. the study's pattern (a setting: ``alsmotion record --pseudonym-pattern``), matched in ASCII
   mode. The default accepts the common schemes (``ALS-001``, ``P001``, ``S01``, ``sub-01``,
   ``ALS-01-003``, ``TOFA-0012``) and refuses surname-like prefixes of five or more letters
   (``SMITH-01``, ``JONES01``) and initials with a year (``JS-1950``).

Operator codes get the same alphabet (``.`` and ``_`` allowed too) and PHI screen
(:func:`validate_operator`).
"""

from __future__ import annotations

import re

from alsmotion.errors import InvalidInputError

#: Default pseudonym pattern: 1-4 capital letters or ``sub``, an optional hyphen, 2-4 digits that
#: are not a year 19xx/20xx, optionally ``-`` and 2-4 more digits (a site-participant scheme).
DEFAULT_PSEUDONYM_PATTERN = (
    r"^(?:[A-Z]{1,4}|sub)-?(?!(?:19|20)[0-9]{2}(?![0-9]))[0-9]{2,4}(?:-[0-9]{2,4})?$"
)

#: Path-safe alphabet every pseudonym must use before any pattern is applied.
SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,31}")
#: Alphabet of operator codes (initials, staff codes, login names).
SAFE_OPERATOR = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
#: Longest study pattern accepted (a pattern is a setting, not a program).
MAX_PATTERN_CHARS = 200

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


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a study's pseudonym pattern (ASCII mode: ``\\d`` is 0-9 only) or raise
    :class:`InvalidInputError` saying why it is not a usable regular expression."""
    if not isinstance(pattern, str) or not pattern or len(pattern) > MAX_PATTERN_CHARS:
        raise InvalidInputError(
            f"pseudonym pattern must be a regular expression of 1-{MAX_PATTERN_CHARS} characters, "
            f"got {pattern!r:.80}"
        )
    try:
        return re.compile(pattern, re.ASCII)
    except (re.error, OverflowError, RecursionError) as exc:  # a{99999999999}: OverflowError
        raise InvalidInputError(
            f"pseudonym pattern {pattern!r} is not a valid regular expression ({exc})"
        ) from None


def _screen(text: str, *, what: str) -> None:
    for looks_like, check in _PHI_CHECKS:
        if check.search(text):
            raise InvalidInputError(f"{what} {text!r} looks like {looks_like}: {_ADVICE}")


def validate_pseudonym(participant_id: str, *, pattern: str = DEFAULT_PSEUDONYM_PATTERN) -> str:
    """Return ``participant_id`` if it is a valid pseudonym, else raise :class:`InvalidInputError`.

    Parameters
    ----------
    participant_id : the pseudonym to check (surrounding spaces are dropped).
    pattern : regular expression the whole pseudonym must match (study-specific).
    """
    compiled = compile_pattern(pattern)
    if not isinstance(participant_id, str) or not participant_id.strip():
        raise InvalidInputError(f"participant_id is empty: {_ADVICE}")
    text = participant_id.strip()
    if len(text) <= 64:  # longer text is refused by the alphabet without being screened
        _screen(text, what="participant_id")
    if not SAFE_ID.fullmatch(text):
        raise InvalidInputError(
            f"participant_id {text!r:.60} must be 1-32 ASCII letters, digits or '-', starting "
            f"with a letter or digit (it names the session folder): {_ADVICE}"
        )
    if not compiled.fullmatch(text):
        raise InvalidInputError(
            f"participant_id {text!r} does not match the study's pseudonym pattern {pattern}: "
            f"{_ADVICE} (a study with another scheme sets --pseudonym-pattern)"
        )
    return text


def validate_operator(operator: str) -> str:
    """Return ``operator`` (a code, initials or login name) if it is path-safe ASCII and does not
    look like protected health information (an e-mail address, a name, a date, a number)."""
    if not isinstance(operator, str) or not operator.strip():
        raise InvalidInputError("operator is empty: give the operator's code or initials")
    text = operator.strip()
    if len(text) <= 64:
        _screen(text, what="operator")
    if not SAFE_OPERATOR.fullmatch(text):
        raise InvalidInputError(
            f"operator {text!r:.60} must be 1-64 ASCII letters, digits, '.', '_' or '-' "
            "(a staff code or initials, e.g. 'OP1')"
        )
    return text
