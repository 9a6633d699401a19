"""Home monitoring between visits: wear time, walking bouts and daily walking measures."""

from alsmotion.home.aggregate import (
    AGGREGATE_CODES,
    AGGREGATE_UNITS,
    BOUT_INPUT_COLUMNS,
    aggregate_walking_bouts,
)

__all__ = ["AGGREGATE_CODES", "AGGREGATE_UNITS", "BOUT_INPUT_COLUMNS", "aggregate_walking_bouts"]
