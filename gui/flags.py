"""Quality flags in the words a clinician reads (:func:`alsmotion.export.names.flag_sentence`, shared
with the reports), leaving out flags that cannot apply to the test (a 10 m walk never has 20
strides).
"""

from __future__ import annotations

from collections.abc import Sequence

from alsmotion.export.names import flag_sentence
from alsmotion.gait import TIMED_WALK_TESTS

#: The walk tests short enough that a stride-count flag says nothing (variability needs a 2MWT).
_SHORT_WALKS = tuple(code for code, test in TIMED_WALK_TESTS.items() if test.distance_m is not None)


def flag_words(flags: Sequence[str], *, test: str | None = None) -> tuple[str, ...]:
    """Sentences for ``flags``, without the stride-count flag on the short walks."""
    shown = []
    for flag in flags:
        if flag.startswith("fewer_than_") and test in _SHORT_WALKS:
            continue
        shown.append(flag_sentence(flag))
    return tuple(dict.fromkeys(shown))
