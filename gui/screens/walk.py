"""Walk tests: choose the test, start/stop with the button or the space bar, see the steps live and
the trial's gait speed, cadence, stride count and stride CV in large numbers on stop."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6 import QtGui, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import analysis
from alsmotion.gui.context import VisitContext, WalkTrial
from alsmotion.gui.link import IMU
from alsmotion.gui.trace import TrialTrace
from alsmotion.gui.widgets import BigNumberPanel, LivePlot, heading, message_label

#: Seconds of trace on screen.
WINDOW_S = 10.0
#: How often the steps are re-detected on the growing trial while walking (seconds).
LIVE_STEPS_PERIOD_S = 2.0

RESULT_FIELDS = (
    ("gait_speed_mps", "Gait speed (IMU)", "m/s", 2),
    ("clinical_speed_mps", "Timed speed (distance / time)", "m/s", 2),
    ("cadence_spm", "Cadence", "steps/min", 0),
    ("n_strides", "Strides", "", 0),
    ("stride_time_cv_pct", "Stride time CV", "%", 1),
    ("duration_s", "Time", "s", 1),
)


class WalkScreen(QtWidgets.QWidget):
    """One timed walk at a time, recorded into the visit's session."""

    def __init__(self, ctx: VisitContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.trace: TrialTrace | None = None
        self.shown_trace: TrialTrace | None = None
        self.pending: tuple[TrialTrace, str, int, float, float | None] | None = None
        self.last_live_steps_s = 0.0

        self.test = QtWidgets.QComboBox()
        self.test.setStyleSheet("font-size: 18px;")
        self.distance_m = QtWidgets.QDoubleSpinBox()
        self.distance_m.setRange(0.0, 2000.0)
        self.distance_m.setDecimals(1)
        self.distance_m.setSuffix(" m")
        self.distance_m.setStyleSheet("font-size: 18px;")
        self.test.currentTextChanged.connect(self._test_changed)
        self.start_stop = QtWidgets.QPushButton("Start (Space)")
        self.start_stop.setStyleSheet("font-size: 22px; padding: 10px 30px;")
        self.start_stop.clicked.connect(self.toggle)
        space = QtGui.QShortcut(QtGui.QKeySequence("Space"), self)
        space.activated.connect(self.toggle)
        self.state = QtWidgets.QLabel("Ready")
        self.state.setStyleSheet("font-size: 20px;")

        self.plot = LivePlot(
            channel_names=("accel x", "accel y", "accel z"),
            y_label="acceleration",
            y_unit="m/s²",
            window_s=WINDOW_S,
        )
        self.plot.source = self._plot_source
        self.results = BigNumberPanel(RESULT_FIELDS)
        self.flags = message_label()
        self.history = QtWidgets.QListWidget()
        self.history.setMaximumHeight(110)
        self.history.setStyleSheet("font-size: 15px;")

        controls = QtWidgets.QHBoxLayout()
        for label, widget in (("&Test", self.test), ("&Distance walked", self.distance_m)):
            caption = QtWidgets.QLabel(label)
            caption.setBuddy(widget)
            caption.setStyleSheet("font-size: 16px;")
            controls.addWidget(caption)
            controls.addWidget(widget)
        controls.addWidget(self.start_stop)
        controls.addWidget(self.state, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading("Walk tests"))
        layout.addLayout(controls)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.results, 2)
        layout.addWidget(self.flags)
        layout.addWidget(self.history)

    # screen protocol ---------------------------------------------------------------------------
    def entered(self) -> None:
        tests = self.ctx.protocol.walk_tests if self.ctx.protocol else ()
        if [self.test.itemText(i) for i in range(self.test.count())] != list(tests):
            self.test.clear()
            self.test.addItems(list(tests))
        self.start_stop.setFocus()

    def tick(self) -> None:
        link = self.ctx.link
        if link is None:
            return
        if self.trace is not None:
            self.trace.add(*link.recent(IMU, 2 * WINDOW_S))
            elapsed_s = link.clock_s() - self.trace.start_s
            duration_s = analysis.walk_duration_s(self.test.currentText())
            if duration_s is not None:
                self.state.setText(
                    f"{self.test.currentText()}: {duration_s - elapsed_s:.0f} s left"
                )
                if elapsed_s >= duration_s:
                    self.stop()
                    return
            now_s = time.monotonic()
            if now_s - self.last_live_steps_s > LIVE_STEPS_PERIOD_S and not self.ctx.worker.busy:
                self.last_live_steps_s = now_s
                self._analyse(final=False)
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
        try:
            link = self.ctx.require_link()
            code = self.test.currentText()
            trial = self._next_trial(code)
            link.log_event("trial_started", test=code, trial=trial)
        except AlsmotionError as exc:
            self.flags.setText(str(exc))
            return
        self.trace = TrialTrace(n_channels=link.n_channels(IMU), start_s=link.clock_s())
        self.shown_trace = None
        self.plot.window_s = WINDOW_S
        self.last_live_steps_s = time.monotonic()
        self.plot.clear_overlays()
        self.results.clear()
        self.flags.setText("")
        self.test.setEnabled(False)
        self.start_stop.setText("Stop (Space)")
        self.state.setText(f"Recording {code} trial {trial}…")

    def stop(self) -> None:
        trace, self.trace = self.trace, None
        if trace is None:
            return
        link = self.ctx.require_link()
        code = self.test.currentText()
        trial = self._next_trial(code)
        duration_s = link.clock_s() - trace.start_s
        distance_m = analysis.walk_distance_m(code, self.distance_m.value())
        fields: dict[str, Any] = {"test": code, "trial": trial, "duration_s": round(duration_s, 3)}
        if distance_m is not None:
            fields["distance_m"] = distance_m
        link.log_event("trial_stopped", **fields)
        self.test.setEnabled(True)
        self.start_stop.setText("Start (Space)")
        self.state.setText(f"{code} trial {trial} stopped after {duration_s:.1f} s: analysing…")
        self.pending = (trace, code, trial, duration_s, distance_m)
        self.shown_trace = trace
        self.plot.window_s = max(WINDOW_S, duration_s)  # the whole finished trial
        self._analyse(final=True, trace=trace)

    def _next_trial(self, code: str) -> int:
        return 1 + sum(1 for t in self.ctx.walk_trials if t.test == code)

    def _analyse(self, *, final: bool, trace: TrialTrace | None = None) -> None:
        trace = trace if trace is not None else self.trace
        if trace is None or len(trace) == 0:
            if final:
                self._show_walk(analysis.WalkAnalysis.empty("no IMU samples arrived"))
            return
        rate_hz = self.ctx.require_link().nominal_rate_hz(IMU)
        accel = trace.values[:, :3].copy()
        gyro = trace.values[:, 3:6].copy() if trace.values.shape[1] >= 6 else None
        gap_s = analysis.largest_gap_s(trace.clock_s, sampling_rate_hz=rate_hz)
        start_s = float(trace.time_s[0])
        metadata = self.ctx.metadata
        height_m = analysis.participant_height_m(metadata.extra if metadata else None)

        def work() -> analysis.WalkAnalysis:
            return analysis.analyse_walk(
                accel,
                gyro_rads=gyro,
                sampling_rate_hz=rate_hz,
                height_m=height_m,
                largest_gap_s=gap_s,
                start_s=start_s,
            )

        on_done = self._show_walk if final else self._show_live_steps
        self.ctx.worker.submit(work, on_done, self._failed)

    def _show_live_steps(self, result: analysis.WalkAnalysis) -> None:
        if self.trace is not None:
            self._mark_steps(result, self.trace)

    def _show_walk(self, result: analysis.WalkAnalysis) -> None:
        if self.pending is None:
            return
        trace, code, trial, duration_s, distance_m = self.pending
        self.pending = None
        walk = WalkTrial(
            test=code,
            trial=trial,
            duration_s=duration_s,
            distance_m=distance_m,
            measures=dict(result.measures),
            flags=result.flags,
        )
        self.ctx.walk_trials.append(walk)
        values = {**result.measures, "duration_s": duration_s}
        values["clinical_speed_mps"] = walk.clinical_speed_mps
        self.results.show_values(values)
        self.flags.setText("Flags: " + ", ".join(result.flags) if result.flags else "")
        self.state.setText(f"{code} trial {trial}: done")
        self._mark_steps(result, trace)
        speed = values.get("gait_speed_mps")
        self.history.addItem(
            f"{code} #{trial}: {duration_s:.1f} s, "
            + (f"{speed:.2f} m/s" if speed is not None else "no gait speed")
            + (f" — {', '.join(result.flags)}" if result.flags else "")
        )

    def _mark_steps(self, result: analysis.WalkAnalysis, trace: TrialTrace) -> None:
        ic_s = np.asarray(result.initial_contacts_s, dtype=float)
        if len(ic_s) == 0 or len(trace) == 0:
            self.plot.markers.clear()
            return
        time_s = trace.time_s
        channel = analysis.vertical_channel(trace.values[: min(len(trace), 200), :3])
        y = np.interp(ic_s, time_s, trace.values[:, channel])
        self.plot.set_markers(ic_s, y)

    def _failed(self, exc: BaseException) -> None:
        self.state.setText("Analysis failed")
        self.flags.setText(str(exc) if isinstance(exc, AlsmotionError) else repr(exc))

    def _plot_source(self) -> tuple[np.ndarray, np.ndarray]:
        """The running trial, else the last trial, else the live signal (time relative to now)."""
        trace = self.trace if self.trace is not None else self.shown_trace
        if trace is not None:
            return trace.time_s, trace.values[:, :3]
        link = self.ctx.link
        if link is None:
            return np.empty(0), np.empty((0, 3))
        clock_s, values = link.recent(IMU, WINDOW_S)
        return clock_s - link.clock_s(), values[:, :3]

    def _test_changed(self, code: str) -> None:
        fixed = analysis.walk_distance_m(code, None)
        self.distance_m.setEnabled(fixed is None)
        if fixed is not None:
            self.distance_m.setValue(fixed)
