"""Walk tests: choose the test, start/stop with the button or the space bar, then the trial's
measures as the export will hold them, the steps marked on the stored signal, and a decision.

A running walk keeps its timer and auto-stop whichever screen is shown (the main window polls it
on every tick). Its measures come from the session as stored, through the export's own functions
(:mod:`alsmotion.gui.analysis`). The distance of a 2MWT or 6MWT is measured after the walk and
entered before the trial can be accepted; it is logged with the decision and reaches the export.
A fixed-distance walk can carry the site's stopwatch time (a site reference run): entered before
accepting, it is logged as the trial's ``reference_value`` event, which ``alsmotion validate
--sessions`` compares with the IMU speed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import analysis
from alsmotion.gui.context import UNDECIDED, VisitContext, WalkTrial
from alsmotion.gui.flow import ACCEPTED, REJECTED
from alsmotion.gui.link import IMU
from alsmotion.gui.trace import TrialTrace
from alsmotion.gui.widgets import BigNumberPanel, LivePlot, guard_space, heading, message_label
from alsmotion.session.events import STOPPED_EARLY_REASON

#: Seconds of trace on screen while walking.
WINDOW_S = 10.0
#: A timed walk stopped this long (s) before its duration was stopped early: the operator says why.
EARLY_MARGIN_S = 1.0
#: The session holds a stopped trial as rejected with this reason until the operator decides.
UNDECIDED_REASON = "no decision yet"

RESULT_FIELDS = (
    ("walk_speed_mps", "Timed speed (distance / time)", "m/s", 2),
    ("distance_m", "Distance walked", "m", 1),
    ("walk_time_s", "Time", "s", 1),
    ("gait_speed_mps", "Gait speed (IMU)", "m/s", 2),
    ("cadence_spm", "Cadence", "steps/min", 0),
    ("n_steps", "Steps", "", 0),
    ("stride_time_cv_pct", "Stride time CV", "%", 1),
)
REJECT_REASONS = (
    "participant stopped or sat down",
    "walking aid changed",
    "wrong course or distance",
    "instructions not followed",
    "sensor came loose",
)
EARLY_STOP_REASONS = (
    "participant needed to rest",
    "fatigue or shortness of breath",
    "fall risk: stopped for safety",
    "pain",
)


def _reason_box(reasons: tuple[str, ...], placeholder: str) -> QtWidgets.QComboBox:
    box = QtWidgets.QComboBox()
    box.setEditable(True)
    box.addItems(list(reasons))
    box.setMinimumContentsLength(18)
    line = box.lineEdit()
    if line is not None:
        line.setPlaceholderText(placeholder)
    box.setCurrentIndex(-1)
    return box


class WalkScreen(QtWidgets.QWidget):
    """One timed walk at a time, recorded into the visit's session."""

    def __init__(self, ctx: VisitContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.trace: TrialTrace | None = None
        self.key: analysis.TrialKey | None = None
        #: the trial waiting for a decision, and whether it was stopped before its time
        self.deciding: WalkTrial | None = None
        self.stopped_early = False
        self.analysing = False

        self.test = QtWidgets.QComboBox()
        self.test.setStyleSheet("font-size: 18px;")
        self.start_stop = QtWidgets.QPushButton("Start (Space)")
        self.start_stop.setStyleSheet("font-size: 22px; padding: 6px 30px;")
        self.start_stop.clicked.connect(self.toggle)
        QtGui.QShortcut(QtGui.QKeySequence("Space"), self).activated.connect(self.toggle)
        self.state = QtWidgets.QLabel("Ready")
        self.state.setStyleSheet("font-size: 24px; font-weight: bold;")
        self.state.setMinimumWidth(380)

        self.plot = LivePlot(
            channel_names=("accel x", "accel y", "accel z"),
            y_label="acceleration",
            y_unit="m/s²",
            window_s=WINDOW_S,
        )
        self.plot.source = self._plot_source
        self.plot.setMinimumHeight(140)
        self.results = BigNumberPanel(RESULT_FIELDS, columns=4, size_px=28)
        self.flags = message_label()
        self.flags.setMinimumHeight(44)

        # decision on the trial that ended
        self.distance_m = QtWidgets.QDoubleSpinBox()
        self.distance_m.setRange(0.0, 2000.0)
        self.distance_m.setDecimals(1)
        self.distance_m.setSuffix(" m")
        self.distance_m.setSpecialValueText("enter distance")
        self.distance_m.setStyleSheet("font-size: 18px;")
        self.distance_caption = QtWidgets.QLabel("&Distance walked:")
        self.distance_caption.setBuddy(self.distance_m)
        self.stopwatch_s = QtWidgets.QDoubleSpinBox()
        self.stopwatch_s.setRange(0.0, 600.0)
        self.stopwatch_s.setDecimals(2)
        self.stopwatch_s.setSuffix(" s")
        self.stopwatch_s.setSpecialValueText("none")
        self.stopwatch_caption = QtWidgets.QLabel("&Stopwatch (site reference):")
        self.stopwatch_caption.setBuddy(self.stopwatch_s)
        self.early_reason = _reason_box(EARLY_STOP_REASONS, "why did the walk stop early?")
        self.early_caption = QtWidgets.QLabel("Stopped early because:")
        self.reject_reason = _reason_box(REJECT_REASONS, "reason to reject")
        self.note = QtWidgets.QLineEdit()
        self.note.setPlaceholderText("note (optional): aid used, course, observations")
        self.accept_button = QtWidgets.QPushButton("Accept")
        self.accept_button.clicked.connect(self.accept)
        self.reject_button = QtWidgets.QPushButton("Reject")
        self.reject_button.clicked.connect(self.reject)
        self.decision_hint = message_label()
        self.decision_box = QtWidgets.QGroupBox("Decision on this trial")
        grid = QtWidgets.QGridLayout(self.decision_box)
        grid.addWidget(self.distance_caption, 0, 0)
        grid.addWidget(self.distance_m, 0, 1)
        grid.addWidget(self.early_caption, 0, 2)
        grid.addWidget(self.early_reason, 0, 3)
        grid.addWidget(self.accept_button, 0, 4)
        grid.addWidget(QtWidgets.QLabel("Note:"), 1, 0)
        grid.addWidget(self.note, 1, 1, 1, 2)
        grid.addWidget(self.reject_reason, 1, 3)
        grid.addWidget(self.reject_button, 1, 4)
        grid.addWidget(self.stopwatch_caption, 2, 0)
        grid.addWidget(self.stopwatch_s, 2, 1)
        grid.addWidget(self.decision_hint, 2, 0, 1, 5)
        grid.setColumnStretch(3, 1)
        guard_space(self.toggle, self.distance_m, self.test)

        self.history = QtWidgets.QListWidget()
        self.history.setMaximumHeight(52)
        self.history.setStyleSheet("font-size: 15px;")
        self.history.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)

        controls = QtWidgets.QHBoxLayout()  # the title on the controls' row: height for the plot
        controls.addWidget(heading("Walk tests"))
        controls.addSpacing(16)
        caption = QtWidgets.QLabel("&Test")
        caption.setBuddy(self.test)
        controls.addWidget(caption)
        controls.addWidget(self.test)
        controls.addWidget(self.start_stop)
        controls.addWidget(self.state, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.results)
        layout.addWidget(self.flags)
        layout.addWidget(self.decision_box)
        layout.addWidget(self.history)
        self._show_decision(None)

    # screen protocol ---------------------------------------------------------------------------
    def entered(self) -> None:
        tests = self.ctx.protocol.walk_tests if self.ctx.protocol else ()
        if [self.test.itemText(i) for i in range(self.test.count())] != list(tests):
            self.test.clear()
            self.test.addItems(list(tests))
        self.start_stop.setFocus()

    def reset(self) -> None:
        """Empty for the next visit."""
        self.trace, self.key, self.deciding = None, None, None
        self.history.clear()
        self.results.clear()
        self.flags.setText("")
        self.state.setText("Ready")
        self.plot.clear_overlays()
        self.plot.live()
        self._show_decision(None)

    def poll(self) -> None:
        """Collect the running trial's samples and stop a timed walk on time; called on every
        tick whichever screen is shown."""
        link = self.ctx.link
        if link is None or self.trace is None or self.key is None:
            return
        self.trace.add(*link.recent(IMU, 2 * WINDOW_S))
        elapsed_s = link.clock_s() - self.trace.start_s
        duration_s = analysis.walk_duration_s(self.key.test)
        if duration_s is None:
            self.state.setText(f"{self.key.test} trial {self.key.trial}: {elapsed_s:.0f} s")
            return
        self.state.setText(f"{self.key.test}: {max(0.0, duration_s - elapsed_s):.0f} s left")
        if elapsed_s >= duration_s:
            self.stop()

    def tick(self) -> None:
        self.plot.refresh()

    # recording ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.trace is not None

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.start()

    def start(self) -> None:
        if self.analysing:
            return
        if self.deciding is not None:
            self.decision_hint.setText(
                "Accept or reject the last trial before starting the next one."
            )
            return
        if self.ctx.running_trial is not None:
            self.flags.setText(f"{self.ctx.running_trial} is running: stop it first.")
            return
        code = self.test.currentText()
        key = analysis.TrialKey(code, self._next_trial(code))
        try:
            link = self.ctx.require_link()
            link.log_event("trial_started", **key.event_fields())
        except AlsmotionError as exc:
            self.flags.setText(str(exc))
            return
        self.key = key
        self.ctx.running_trial = f"{code} trial {key.trial}"
        self.trace = TrialTrace(n_channels=link.n_channels(IMU), start_s=link.clock_s())
        self.plot.clear_overlays()
        self.plot.live()
        self.results.clear()
        self.flags.setText("")
        self.test.setEnabled(False)
        self.start_stop.setText("Stop (Space)")
        self.state.setText(f"{code} trial {key.trial}: recording")

    def stop(self) -> None:
        trace, key = self.trace, self.key
        if trace is None or key is None:
            return
        self.trace = None
        link = self.ctx.require_link()
        duration_s = link.clock_s() - trace.start_s
        fields: dict[str, Any] = {**key.event_fields(), "duration_s": round(duration_s, 3)}
        fixed_m = analysis.fixed_distance_m(key.test)
        if fixed_m is not None:
            fields["distance_m"] = fixed_m
        link.log_event("trial_stopped", **fields)
        # stored as not accepted until the operator accepts it
        link.log_event("trial_rejected", reason=UNDECIDED_REASON, **key.event_fields())
        self.ctx.running_trial = None
        self.analysing = True
        planned_s = analysis.walk_duration_s(key.test)
        self.stopped_early = planned_s is not None and duration_s < planned_s - EARLY_MARGIN_S
        self.test.setEnabled(True)
        self.start_stop.setText("Start (Space)")
        self.start_stop.setEnabled(False)
        self.state.setText(f"{key.test} trial {key.trial}: analysing {duration_s:.0f} s…")
        session_path = link.session_path
        self.ctx.worker.submit(
            lambda: analysis.analyse_stored_walk(
                session_path, key, streaming=lambda: link.streaming(IMU)
            ),
            lambda result: self._show_walk(key, duration_s, result),
            lambda exc: self._failed(key, duration_s, exc),
        )

    def _next_trial(self, code: str) -> int:
        return 1 + sum(1 for t in self.ctx.walk_trials if t.test == code)

    def _show_walk(
        self, key: analysis.TrialKey, duration_s: float, result: analysis.WalkAnalysis
    ) -> None:
        self.analysing = False
        measures = dict(result.measures)
        walk = WalkTrial(
            test=key.test,
            trial=key.trial,
            duration_s=float(measures.get("walk_time_s") or duration_s),
            distance_m=measures.get("distance_m"),
            measures=measures,
            flags=result.flags + (("stopped early",) if self.stopped_early else ()),
        )
        self.ctx.walk_trials.append(walk)
        self.results.show_values(measures)
        self._show_flags(result)
        self.state.setText(f"{key.test} trial {key.trial}: decide")
        if len(result.trace.time_s):
            self.plot.show_trial(result.trace.time_s, result.trace.values)
        self.plot.set_markers(result.initial_contacts_s, result.contact_values)
        self._show_decision(walk)

    def _show_flags(self, result: analysis.WalkAnalysis) -> None:
        lines = list(result.flags)
        if result.trace.n_missing:
            lines.append(f"{result.trace.n_missing} IMU samples missing (shown as breaks)")
        self.flags.setText("Check: " + "; ".join(lines) if lines else "")

    def _failed(self, key: analysis.TrialKey, duration_s: float, exc: BaseException) -> None:
        """The trial still gets a decision; the export will report the same failure."""
        text = str(exc) if isinstance(exc, AlsmotionError) else repr(exc)
        self._show_walk(key, duration_s, analysis.WalkAnalysis.empty(f"analysis failed: {text}"))

    # decision ------------------------------------------------------------------------------------
    def _show_decision(self, walk: WalkTrial | None) -> None:
        self.deciding = walk
        self.decision_box.setEnabled(walk is not None)
        self.start_stop.setEnabled(walk is None)
        needs_distance = walk is not None and analysis.fixed_distance_m(walk.test) is None
        early = walk is not None and self.stopped_early
        shown: tuple[tuple[QtWidgets.QWidget, bool], ...] = (
            (self.distance_caption, needs_distance),
            (self.distance_m, needs_distance),
            (self.early_caption, early),
            (self.early_reason, early),
            (self.stopwatch_caption, walk is not None and not needs_distance),
            (self.stopwatch_s, walk is not None and not needs_distance),
        )
        for widget, visible in shown:
            widget.setEnabled(visible)  # disabled, not hidden: the layout stays put
        self.distance_m.setValue(0.0)
        self.stopwatch_s.setValue(0.0)
        self.early_reason.setCurrentIndex(-1)
        self.reject_reason.setCurrentIndex(-1)
        self.note.clear()
        if walk is None:
            self.decision_hint.setText("")
            return
        hint = f"Accept records {walk.test} trial {walk.trial} for the export"
        if needs_distance:
            hint = "Measure the distance walked and enter it. " + hint + " with that distance"
            self.distance_m.setFocus()
            self.distance_m.selectAll()
        else:
            self.accept_button.setFocus()
        self.decision_hint.setText(hint + "; Reject leaves it out (a reason is required).")

    def accept(self) -> None:
        walk = self.deciding
        if walk is None:
            return
        fields: dict[str, Any] = analysis.TrialKey(walk.test, walk.trial).event_fields()
        if analysis.fixed_distance_m(walk.test) is None:
            if self.distance_m.value() <= 0:
                self.decision_hint.setText("Enter the distance walked (m) before accepting.")
                self.distance_m.setFocus()
                return
            fields["distance_m"] = round(self.distance_m.value(), 2)
        early_reason = self.early_reason.currentText().strip()
        if self.stopped_early and not early_reason:
            self.decision_hint.setText("Say why the walk stopped early before accepting.")
            return
        link = self.ctx.require_link()
        if self.stopped_early:
            fields[STOPPED_EARLY_REASON] = early_reason
        link.log_event("trial_accepted", **fields)
        if analysis.fixed_distance_m(walk.test) is not None and self.stopwatch_s.value() > 0:
            link.log_event(
                "reference_value",
                quantity="walk_time_s",
                value=round(self.stopwatch_s.value(), 2),
                reference_method="stopwatch",
                **analysis.TrialKey(walk.test, walk.trial).event_fields(),
            )
        self._log_note(walk)
        if "distance_m" in fields:
            walk.distance_m = float(fields["distance_m"])
            walk.measures["distance_m"] = walk.distance_m
            walk.measures["walk_speed_mps"] = analysis.clinical_speed_mps(
                walk.test, walk.duration_s, walk.distance_m
            )
        if self.stopped_early:
            walk.reason = f"stopped early: {early_reason}"
        self._decided(walk, ACCEPTED)

    def reject(self) -> None:
        walk = self.deciding
        reason = self.reject_reason.currentText().strip()
        if walk is None:
            return
        if not reason:
            self.decision_hint.setText("Choose or type a reason to reject the trial.")
            self.reject_reason.setFocus()
            return
        link = self.ctx.require_link()
        link.log_event(
            "trial_rejected",
            reason=reason,
            **analysis.TrialKey(walk.test, walk.trial).event_fields(),
        )
        self._log_note(walk)
        walk.reason = reason
        self._decided(walk, REJECTED)

    def _log_note(self, walk: WalkTrial) -> None:
        note = self.note.text().strip()
        if note:
            self.ctx.require_link().log_event(
                "note", text=f"{walk.test} trial {walk.trial}: {note}", test=walk.test
            )

    def _decided(self, walk: WalkTrial, status: str) -> None:
        walk.status = status
        self.results.show_values(walk.measures)
        speed = walk.measures.get("walk_speed_mps")
        mark = "✓" if status == ACCEPTED else "✗"
        self.history.insertItem(
            0,
            f"{mark} {walk.test} trial {walk.trial}: {walk.duration_s:.1f} s, "
            + (f"{speed:.2f} m/s" if speed is not None else "no timed speed")
            + (f" — {walk.reason}" if walk.reason else ""),
        )
        self.state.setText(f"{walk.test} trial {walk.trial}: {status}")
        self._show_decision(None)
        self.start_stop.setFocus()

    @property
    def undecided(self) -> list[WalkTrial]:
        return [t for t in self.ctx.walk_trials if t.status == UNDECIDED]

    def _plot_source(self) -> tuple[np.ndarray, np.ndarray]:
        """The running trial (s from its start), else the live signal (s on the recording)."""
        if self.trace is not None:
            return self.trace.time_s, self.trace.values[:, :3]
        link = self.ctx.link
        if link is None:
            return np.empty(0), np.empty((0, 3))
        clock_s, values = link.recent(IMU, WINDOW_S)
        return clock_s, values[:, :3]
