"""The home part of ``alsmotion demo``: each participant wears the lumbar IMU at home after the
baseline and the day-180 visits; the simulated recordings go through the home pipeline and join
the exports as ``home_gait`` rows.

To keep the demo short each home period is one simulated morning at 50 Hz (the rate the gait
pipeline analyses at; a home device would record at 50-100 Hz): from midnight after
the visit to 14:00 (sleep, then getting up, sitting, standing and walking; 14 h recorded, so the
day is valid at the 12 h minimum when the sensor-off spell of the day, if it falls in the
morning, is short), with no charging gap. Walking speeds scale
with the participant's simulated clinic speed at that visit relative to baseline, so the change
from baseline follows the trial's decline.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from alsmotion.home.sources import HomeRecording
    from alsmotion.home.study import HomeTables
    from alsmotion.processing.result import SessionResult
    from alsmotion.simulate.home import SimulatedHomeWeek

HOME_RATE_HZ = 50.0
HOME_HOURS = 14.0
HOME_VISITS = ("baseline", "day180")
HOME_SEED = 15
HOME_SENSOR_HEIGHT_M = 0.92


def _speed_scale(truth: pd.DataFrame, participant: str, visit: str) -> float:
    """Clinic speed at ``visit`` over baseline; the last known one when the visit has none
    (a participant who could not walk the test)."""
    own = truth[truth["participant_id"] == participant].sort_values("visit_day")
    speeds = own.set_index("visit")["speed_mps"]
    known = own[own["visit_day"] <= own.loc[own["visit"] == visit, "visit_day"].max()]
    latest = known["speed_mps"].dropna()
    return float(latest.iloc[-1] / speeds["baseline"]) if len(latest) else 1.0


def _recording(week: SimulatedHomeWeek, participant: str, visit: str) -> HomeRecording:
    from alsmotion.home.sources import HomeRecording

    n_samples = round(HOME_HOURS * 3600 * week.sampling_rate_hz)

    def read(chunk_samples: int) -> Iterator[tuple[int, np.ndarray]]:
        for first, accel in week.chunks(chunk_samples / week.sampling_rate_hz):
            if first >= n_samples:
                return
            yield first, accel[: n_samples - first]

    return HomeRecording(
        path=Path(f"simulated-home-{participant}-{visit}"),
        participant_id=participant,
        start_utc=pd.Timestamp(week.start).tz_localize("UTC"),
        sampling_rate_hz=week.sampling_rate_hz,
        n_samples=n_samples,
        sensor_height_m=week.sensor_height_m,
        height_m=None,
        visit=visit,
        source_sha256="",
        flags=("simulated",),
        read_chunks=read,
    )


def simulate_home_periods(
    results: Sequence[SessionResult], truth: pd.DataFrame
) -> tuple[HomeTables, pd.DataFrame]:
    """The home tables of every participant's home mornings after :data:`HOME_VISITS`, and the
    simulated truth (``participant_id, visit, measurement_date, walking_min, worn_h``)."""
    from alsmotion.home.study import analyze_recordings
    from alsmotion.simulate.home import WORN_KINDS, SimulatedHomeWeek

    recordings, truth_rows = [], []
    for index, result in enumerate(sorted(results, key=lambda r: r.session_id)):
        if result.visit not in HOME_VISITS:
            continue
        day = (pd.Timestamp(result.session_start_utc).tz_convert("UTC").normalize()).tz_localize(
            None
        ) + pd.Timedelta(days=1)
        week = SimulatedHomeWeek(
            sampling_rate_hz=HOME_RATE_HZ,
            n_days=1,
            start=day.strftime("%Y-%m-%d"),
            sensor_height_m=HOME_SENSOR_HEIGHT_M,
            long_off_day=None,
            charge_days=(),
            speed_scale=_speed_scale(truth, result.participant_id, result.visit),
            seed=HOME_SEED + index,
        )
        recordings.append(_recording(week, result.participant_id, result.visit))
        end_s = HOME_HOURS * 3600
        walks = week.truth_.walks
        before = walks[walks["end_s"] <= end_s]
        off_s = sum(
            max(0.0, min(segment.end_s, end_s) - segment.start_s)
            for segment in week.segments_
            if not WORN_KINDS[segment.kind] and segment.start_s < end_s
        )
        truth_rows.append(
            {
                "participant_id": result.participant_id,
                "visit": result.visit,
                "measurement_date": day.strftime("%Y-%m-%d"),
                "walking_min": float((before["end_s"] - before["start_s"]).sum() / 60),
                "worn_h": (end_s - off_s) / 3600,
            }
        )
    return analyze_recordings(recordings, progress=True), pd.DataFrame(truth_rows)


def write_home_outputs(
    tables: HomeTables, out: Path, results: Sequence[SessionResult]
) -> list[Path]:
    """``out/daily.csv``, ``out/bouts.csv`` and a plot per participant with the visits of
    ``results`` marked, as ``alsmotion home`` writes them."""
    from alsmotion.export.tables import write_csv
    from alsmotion.home.plot import plot_home_days

    written = [
        write_csv(tables.daily, out / "daily.csv"),
        write_csv(tables.bouts, out / "bouts.csv"),
    ]
    visits = pd.DataFrame(
        {
            "participant_id": [r.participant_id for r in results],
            "visit": [r.visit for r in results],
            "visit_date": [r.session_start_utc.strftime("%Y-%m-%d") for r in results],
        }
    )
    for participant, days in tables.daily.groupby("participant_id", sort=True):
        own = visits[visits["participant_id"] == participant]
        path = out / "plots" / f"{participant}.png"
        written.append(plot_home_days(days, path, visits=own, min_worn_hours=tables.min_worn_hours))
    return written
