"""Process the recorded sessions and write the study exports, then read back one participant's
measures across visits for the summary screen. Runs in the GUI's worker thread (no Qt here)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from alsmotion.errors import SessionError
from alsmotion.export.names import readable_measure
from alsmotion.gui.flags import flag_words
from alsmotion.gui.visit_plan import recorded_sessions

VISIT_MEASURES_FILE = "visit_measures.csv"


#: Decimals shown per unit: what the measurement can resolve, not what the float holds.
DECIMALS = {"N": 0, "N/s": 0, "N s": 0, "steps/min": 0, "%": 1, "s": 2, "m/s": 2, "m": 2}


def _number_text(value: object, unit: str) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    decimals = DECIMALS.get(unit, 2)
    return f"{round(number, decimals) + 0.0:+.{decimals}f} {unit}".replace("+", "", 1)


def _missing_text(flags: str) -> str:
    """Why a value is missing, shortest form: the "cannot perform" reason when there is one."""
    for flag in flags.split(";"):
        if flag.startswith("cannot_perform"):
            reason = flag.partition(":")[2]
            return f"cannot perform: {reason}" if reason else "cannot perform"
    return "–"


@dataclass(frozen=True)
class History:
    """One participant's rows of ``visit_measures``: every measure at every visit."""

    frame: pd.DataFrame

    @staticmethod
    def label(row: pd.Series) -> str:
        """Short readable name: ``10MWT gait speed (IMU)``, ``knee extension left: peak force``.

        Measures are named ``<test>_<measure>`` (``10MWT_gait_speed_mps``,
        ``HHD_make_peak_force_n``); the test stays for walks, the muscle and side replace it for
        strength."""
        muscle, side = row["muscle"], row["side"]
        return readable_measure(
            str(row["measure"]),
            muscle if isinstance(muscle, str) else "",
            side if isinstance(side, str) else "",
        )

    def latest_visit(self) -> str | None:
        if self.frame.empty:
            return None
        return str(self.frame.sort_values("visit_day", kind="stable")["visit"].iloc[-1])

    def latest_rows(self) -> list[tuple[str, str, str, str, str]]:
        """(measure, value, baseline, change from baseline, flags) of the latest visit, as text."""
        visit = self.latest_visit()
        rows = []
        for _, row in self.frame[self.frame["visit"] == visit].iterrows():
            unit = str(row["unit"])
            flags = str(row["flags"]) if pd.notna(row["flags"]) else ""
            value = _number_text(row["value"], unit) or _missing_text(flags)
            change = _number_text(row["change_from_baseline"], unit)
            if change and not change.startswith("-"):
                change = "+" + change
            baseline = _number_text(row["baseline_value"], unit)
            words = "; ".join(flag_words([f for f in flags.split(";") if f]))
            rows.append((self.label(row), value, baseline, change, words))
        return rows

    def series(self) -> dict[str, tuple[list[str], list[float]]]:
        """Per measure: visit labels and values in visit order (missing values as NaN)."""
        ordered = self.frame.sort_values("visit_day", kind="stable")
        out: dict[str, tuple[list[str], list[float]]] = {}
        for _, row in ordered.iterrows():
            labels, values = out.setdefault(self.label(row), ([], []))
            labels.append(str(row["visit"]))
            values.append(float(row["value"]) if pd.notna(row["value"]) else math.nan)
        return out


@dataclass(frozen=True)
class ExportOutcome:
    paths: dict[str, Path]
    history: History


def export_participant(data_dir: Path, export_dir: Path, participant_id: str) -> ExportOutcome:
    """Process every session in ``data_dir``, write the exports to ``export_dir`` and return the
    files written with ``participant_id``'s measures across visits.

    Every session is processed (the exports are study-wide tables); a session that cannot be read
    stops the export with its folder named.
    """
    from alsmotion.export import write_exports
    from alsmotion.processing import ProcessingSettings, process_session
    from alsmotion.visits import StudySchedule

    settings = ProcessingSettings()
    results = [process_session(path, settings) for path, _ in recorded_sessions(data_dir)]
    if not results:
        raise SessionError("no recorded session to export", path=data_dir)
    paths = {
        name: Path(path)
        for name, path in write_exports(
            results, export_dir, schedule=StudySchedule.default()
        ).items()
    }
    table_path = next((p for p in paths.values() if p.name == VISIT_MEASURES_FILE), None)
    if table_path is None:
        raise SessionError(f"the export wrote no {VISIT_MEASURES_FILE}", path=export_dir)
    table = pd.read_csv(table_path, keep_default_na=True)
    mine = table[table["participant_id"] == participant_id].reset_index(drop=True)
    return ExportOutcome(paths, History(mine))


def earlier_strength(
    export_dir: Path, participant_id: str
) -> dict[tuple[str, str], list[tuple[str, float]]]:
    """Peak force (N) per muscle and side at the participant's exported visits, in visit order.

    Read from the last ``visit_measures.csv`` written to ``export_dir`` (empty when there is none),
    so the strength screen can show earlier visits beside today's trials without reprocessing.
    """
    path = Path(export_dir) / VISIT_MEASURES_FILE
    if not path.is_file():
        return {}
    table = pd.read_csv(path)
    rows = table[
        (table["participant_id"] == participant_id)
        & table["measure"].astype(str).str.endswith("peak_force_n")
        & table["value"].notna()
    ].sort_values("visit_day", kind="stable")
    out: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for _, row in rows.iterrows():
        out.setdefault((str(row["muscle"]), str(row["side"])), []).append(
            (str(row["visit"]), float(row["value"]))
        )
    return out
