"""Argument types for counts and hours, checked when the command line is read."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_number_at_least(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected at least {minimum}, got {value}")
        return value

    return parse


def hours_of_a_day(text: str) -> float:
    """An argparse type: hours in (0, 24]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected hours, got {text!r}") from None
    if not 0 < value <= 24:
        raise argparse.ArgumentTypeError(f"expected hours in (0, 24], got {value:g}")
    return value
