"""The home part of ``alsmotion demo``: each participant wears the lumbar IMU at home after the
baseline and the day-180 visits. The recordings are written into the demo's raw folder as native
home sessions (protocol :data:`HOME_PROTOCOL`), then read back and analysed by the code
``alsmotion process`` runs on them (:mod:`alsmotion.batch.home`, default home settings), so that
``alsmotion process DIR/raw --out X`` gives the demo's ``home_gait`` rows, daily and bouts again.

To keep the demo short each home period is one simulated morning at 25 Hz (a rate home devices
record at; the gait pipeline resamples to its own 50 Hz): from midnight after the visit to 14:00
(sleep, then getting up, sitting, standing and walking; 14 h recorded, so the day is valid at
the 12 h minimum when the sensor-off spell of the day, if it falls in the morning, is short),
with no charging gap, about 60 MB on disk. Walking speeds scale with the participant's simulated
clinic speed at that visit relative to baseline, so the change from baseline follows the trial's
decline.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from alsmotion.home.study import HomeTables
    from alsmotion.processing.result import SessionResult

HOME_RATE_HZ = 25.0
HOME_HOURS = 14.0
HOME_VISITS = ("baseline", "day180")
HOME_SEED = 15
HOME_SENSOR_HEIGHT_M = 0.92
HOME_PROTOCOL = "home-v1"


def _speed_scale(truth: pd.DataFrame, participant: str, visit: str) -> float:
    """Clinic speed at ``visit`` over baseline; the last known one when the visit has none
    (a participant who could not walk the test)."""
    own = truth[truth["participant_id"] == participant].sort_values("visit_day")
    speeds = own.set_index("visit")["speed_mps"]
    known = own[own["visit_day"] <= own.loc[own["visit"] == visit, "visit_day"].max()]
    latest = known["speed_mps"].dropna()
    return float(latest.iloc[-1] / speeds["baseline"]) if len(latest) else 1.0


def write_home_sessions(
    raw: Path, results: Sequence[SessionResult], truth: pd.DataFrame
) -> pd.DataFrame:
    """Write every participant's home morning after each of :data:`HOME_VISITS` into ``raw`` as
    a closed native session (manifest, audit log, ``simulated`` in its metadata); return the
    simulated truth (``participant_id, visit, measurement_date, walking_min, worn_h``)."""
    from alsmotion.session import SessionMetadata
    from alsmotion.simulate.home import SimulatedHomeWeek

    rows = []
    for index, result in enumerate(sorted(results, key=lambda r: r.session_id)):
        if result.visit not in HOME_VISITS:
            continue
        visit_start = pd.Timestamp(result.session_start_utc).tz_convert("UTC")
        midnight = visit_start.normalize() + pd.Timedelta(days=1)
        week = SimulatedHomeWeek(
            sampling_rate_hz=HOME_RATE_HZ,
            n_days=1,
            start=midnight.strftime("%Y-%m-%d"),
            sensor_height_m=HOME_SENSOR_HEIGHT_M,
            long_off_day=None,
            charge_days=(),
            speed_scale=_speed_scale(truth, result.participant_id, result.visit),
            recorded_h=HOME_HOURS,
            seed=HOME_SEED + index,
        )
        metadata = SessionMetadata(
            participant_id=result.participant_id,
            visit=result.visit,
            protocol=HOME_PROTOCOL,
            operator="OP1",
            site="SIM",
            start_utc=midnight.to_pydatetime(),
            host="simulator",
            extra={"sensor_height_m": week.sensor_height_m, "simulated": True},
        )
        week.write_session(raw, metadata)
        day = week.truth_.daily.iloc[0]
        rows.append(
            {
                "participant_id": result.participant_id,
                "visit": result.visit,
                "measurement_date": day["measurement_date"],
                "walking_min": float(day["walking_min"]),
                "worn_h": float(day["worn_h"]),
            }
        )
    return pd.DataFrame(rows)


def analyze_home_sessions(raw: Path) -> HomeTables:
    """The home sessions under ``raw`` analysed as ``alsmotion process raw`` analyses them
    (the same discovery, task function and combination, with its default home settings), one
    after the other with a progress bar each."""
    from alsmotion.batch.home import HomeSettings, analyze_home_source, home_tables
    from alsmotion.batch.sources import HOME_KINDS, discover_sessions
    from alsmotion.errors import InvalidInputError

    settings = HomeSettings()
    sources = [source for source in discover_sessions(raw) if source.kind in HOME_KINDS]
    tables = home_tables(
        [analyze_home_source(source, settings, progress=True) for source in sources], settings
    )
    if tables is None:
        raise InvalidInputError(f"{raw} holds no home session")
    return tables


def write_home_outputs(
    tables: HomeTables, out: Path, results: Sequence[SessionResult]
) -> list[Path]:
    """``out/home/daily.csv`` and ``bouts.csv`` as ``alsmotion process`` writes them, and a
    plot per participant in ``out/home/plots`` with the visits of ``results`` marked."""
    from alsmotion.batch.home import HOME_DIR, write_home_tables
    from alsmotion.home.plot import plot_home_days

    written = list(write_home_tables(tables, out).values())
    visits = pd.DataFrame(
        {
            "participant_id": [r.participant_id for r in results],
            "visit": [r.visit for r in results],
            "visit_date": [r.session_start_utc.strftime("%Y-%m-%d") for r in results],
        }
    )
    for participant, days in tables.daily.groupby("participant_id", sort=True):
        own = visits[visits["participant_id"] == participant]
        path = out / HOME_DIR / "plots" / f"{participant}.png"
        written.append(plot_home_days(days, path, visits=own, min_worn_hours=tables.min_worn_hours))
    return written
