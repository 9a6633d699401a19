"""Strength tests: a guided muscle x side x trial sequence with rest timers, a live force curve with
onset and peak marked, the result on release, earlier trials beside it, and the decision."""

from __future__ import annotations

import time

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from alsmotion.errors import AlsmotionError
from alsmotion.gui import analysis, exporting
from alsmotion.gui.context import VisitContext
from alsmotion.gui.flow import ACCEPTED, CANNOT_PERFORM, StrengthFlow, strength_sequence
from alsmotion.gui.link import FORCE
from alsmotion.gui.trace import TrialTrace
from alsmotion.gui.widgets import BigNumberPanel, LivePlot, heading, message_label

WINDOW_S = 8.0
#: Force above this (N) counts as an effort; back below it for ``RELEASE_HOLD_S`` ends the trial.
EFFORT_THRESHOLD_N = 20.0
RELEASE_HOLD_S = 0.5
#: Quiet force kept before the effort for the baseline of the onset detection (s).
BASELINE_S = 1.5

REJECT_REASONS = (
    "submaximal effort",
    "compensation or trick movement",
    "dynamometer slipped or moved",
    "pain",
    "started before command",
)
CANNOT_PERFORM_REASONS = (
    "too weak to move against gravity",
    "pain",
    "contracture or injury",
    "participant declined",
)
RESULT_FIELDS = (
    ("peak_force_n", "Peak force", "N", 0),
    ("time_to_peak_s", "Time to peak", "s", 2),
    ("rfd_0_100ms_n_per_s", "RFD 0-100 ms", "N/s", 0),
)
STATUS_MARKS = {ACCEPTED: "✓", "rejected": "✗", CANNOT_PERFORM: "–"}


class StrengthScreen(QtWidgets.QWidget):
    """Walks the operator through the protocol's strength trials."""

    def __init__(self, ctx: VisitContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.trace: TrialTrace | None = None
        self.shown_trace: TrialTrace | None = None
        self.result: analysis.ForceAnalysis | None = None

        self.sequence_list = QtWidgets.QListWidget()
        self.sequence_list.setFixedWidth(280)
        self.sequence_list.setStyleSheet("font-size: 15px;")
        self.sequence_list.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
        self.step_label = QtWidgets.QLabel("")
        self.step_label.setStyleSheet("font-size: 26px; font-weight: bold;")
        self.rest_label = QtWidgets.QLabel("")
        self.rest_label.setStyleSheet("font-size: 22px; color: #0b5394;")
        self.start_stop = QtWidgets.QPushButton("Start trial (Space)")
        self.start_stop.setStyleSheet("font-size: 22px; padding: 10px 30px;")
        self.start_stop.clicked.connect(self.toggle)
        QtGui.QShortcut(QtGui.QKeySequence("Space"), self).activated.connect(self.toggle)

        self.plot = LivePlot(
            channel_names=("force",), y_label="force", y_unit="N", window_s=WINDOW_S
        )
        self.plot.source = self._plot_source
        self.results = BigNumberPanel(RESULT_FIELDS)
        self.reasons = message_label()

        self.accept_button = QtWidgets.QPushButton("Accept (A)")
        self.accept_button.clicked.connect(self.accept)
        self.reject_reason = QtWidgets.QComboBox()
        self.reject_reason.setEditable(True)
        self.reject_reason.addItems(REJECT_REASONS)
        self.reject_button = QtWidgets.QPushButton("Reject and repeat (R)")
        self.reject_button.clicked.connect(self.reject)
        self.cannot_reason = QtWidgets.QComboBox()
        self.cannot_reason.setEditable(True)
        self.cannot_reason.addItems(CANNOT_PERFORM_REASONS)
        self.cannot_button = QtWidgets.QPushButton("Cannot perform (C)")
        self.cannot_button.clicked.connect(self.cannot_perform)
        for combo in (self.reject_reason, self.cannot_reason):
            combo.setSizeAdjustPolicy(
                QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(14)
        for key, button in (
            ("A", self.accept_button),
            ("R", self.reject_button),
            ("C", self.cannot_button),
        ):
            button.setStyleSheet("font-size: 18px; padding: 6px 16px;")
            # single keys; typing a reason into the boxes still works (text fields take the key)
            QtGui.QShortcut(QtGui.QKeySequence(key), self).activated.connect(button.click)

        self.this_visit = QtWidgets.QListWidget()
        self.this_visit.setStyleSheet("font-size: 16px;")
        self.earlier_visits = QtWidgets.QListWidget()
        self.earlier_visits.setStyleSheet("font-size: 16px;")
        for widget in (self.this_visit, self.earlier_visits):
            widget.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)
            widget.setMaximumWidth(300)

        decision = QtWidgets.QGridLayout()
        decision.addWidget(self.accept_button, 0, 0)
        decision.addWidget(self.reject_reason, 0, 1)
        decision.addWidget(self.reject_button, 0, 2)
        decision.addWidget(self.cannot_reason, 1, 1)
        decision.addWidget(self.cannot_button, 1, 2)
        decision.setColumnStretch(1, 1)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.rest_label, 1)
        top.addWidget(self.start_stop)
        centre = QtWidgets.QVBoxLayout()
        centre.addWidget(self.step_label)
        centre.addLayout(top)
        centre.addWidget(self.plot, 3)
        centre.addWidget(self.results, 1)
        centre.addWidget(self.reasons)
        centre.addLayout(decision)
        side = QtWidgets.QVBoxLayout()
        for caption, widget in (
            ("This muscle and side, this visit:", self.this_visit),
            ("Same muscle and side, earlier visits (best peak):", self.earlier_visits),
        ):
            label = QtWidgets.QLabel(caption)
            label.setWordWrap(True)
            label.setMaximumWidth(300)
            side.addWidget(label)
            side.addWidget(widget)
        body = QtWidgets.QHBoxLayout()
        body.addWidget(self.sequence_list)
        body.addLayout(centre, 1)
        body.addLayout(side)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addWidget(heading("Strength"))
        layout.addLayout(body)
        self._earlier: dict[tuple[str, str], list[tuple[str, float]]] = {}
        self._set_decision_enabled(False)

    # screen protocol ---------------------------------------------------------------------------
    def entered(self) -> None:
        protocol = self.ctx.protocol
        if self.ctx.strength is None and protocol is not None:
            plan = protocol.strength
            self.ctx.strength = StrengthFlow(
                strength_sequence(plan.muscles, plan.sides, plan.trials_per_side),
                rest_s=plan.rest_between_trials_s,
            )
            metadata = self.ctx.metadata
            if metadata is not None:
                self._earlier = exporting.earlier_strength(
                    self.ctx.export_dir, metadata.participant_id
                )
        self._show_step()
        self.start_stop.setFocus()

    def tick(self) -> None:
        flow, link = self.ctx.strength, self.ctx.link
        if flow is None or link is None:
            return
        rest_s = flow.rest_remaining_s(time.monotonic())
        self.rest_label.setText(f"Rest {rest_s:.0f} s" if rest_s > 0 else "Ready")
        if self.trace is not None:
            self.trace.add(*link.recent(FORCE, 2 * WINDOW_S))
            rate_hz = link.nominal_rate_hz(FORCE)
            if analysis.force_released(
                self.trace.values[:, 0],
                threshold_n=EFFORT_THRESHOLD_N,
                hold_samples=int(RELEASE_HOLD_S * rate_hz),
            ):
                self.stop()
        self.plot.refresh()

    # trial ---------------------------------------------------------------------------------
    def toggle(self) -> None:
        if self.trace is not None:
            self.stop()
        elif self.result is None:
            self.start()

    def start(self) -> None:
        flow = self.ctx.strength
        step = flow.current if flow is not None else None
        if flow is None or step is None:
            return
        try:
            link = self.ctx.require_link()
            link.log_event("trial_started", **self._trial_fields())
        except AlsmotionError as exc:
            self.reasons.setText(str(exc))
            return
        self.trace = TrialTrace(n_channels=1, start_s=link.clock_s())
        self.shown_trace = None
        self.plot.window_s = WINDOW_S
        self.plot.clear_overlays()
        self.results.clear()
        self.reasons.setText("Push… the trial ends on release.")
        self.start_stop.setText("Stop trial (Space)")

    def stop(self) -> None:
        trace, self.trace = self.trace, None
        if trace is None:
            return
        link = self.ctx.require_link()
        link.log_event("trial_stopped", **self._trial_fields())
        self.shown_trace = trace
        self.plot.window_s = max(WINDOW_S, float(trace.time_s[-1]) if len(trace) else 0.0)
        self.start_stop.setText("Start trial (Space)")
        self.start_stop.setEnabled(False)
        if len(trace) == 0:
            self.reasons.setText("No force samples arrived: check the dynamometer, then reject.")
            self.result = analysis.ForceAnalysis(
                dict.fromkeys(analysis.FORCE_MEASURES), False, ("no samples",), None, None
            )
            self._set_decision_enabled(True)
            return
        rate_hz = link.nominal_rate_hz(FORCE)
        first = analysis.effort_start_index(
            trace.values[:, 0],
            threshold_n=EFFORT_THRESHOLD_N,
            baseline_samples=int(BASELINE_S * rate_hz),
        )
        force_n = trace.values[first:, 0].copy()
        start_s = float(trace.time_s[first])
        gap_s = analysis.largest_gap_s(trace.clock_s[first:], sampling_rate_hz=rate_hz)
        self.reasons.setText("Analysing…")
        self.ctx.worker.submit(
            lambda: analysis.analyse_force(
                force_n, sampling_rate_hz=rate_hz, start_s=start_s, largest_gap_s=gap_s
            ),
            self._show_result,
            self._failed,
        )

    def _show_result(self, result: analysis.ForceAnalysis) -> None:
        self.result = result
        self.results.show_values(dict(result.measures))
        self.reasons.setText(
            ("Check: " + ", ".join(result.reasons)) if result.reasons or not result.valid else ""
        )
        lines, labels = [], []
        if result.onset_time_s is not None:
            lines.append(result.onset_time_s)
            labels.append("onset")
        self.plot.set_lines(lines, labels)
        peak_n = result.measures.get("peak_force_n")
        if result.peak_time_s is not None and peak_n is not None:
            self.plot.set_markers(np.array([result.peak_time_s]), np.array([peak_n]))
        self._set_decision_enabled(True)
        self.accept_button.setFocus()

    def _failed(self, exc: BaseException) -> None:
        self.result = analysis.ForceAnalysis(
            dict.fromkeys(analysis.FORCE_MEASURES), False, ("analysis failed",), None, None
        )
        self.reasons.setText(str(exc) if isinstance(exc, AlsmotionError) else repr(exc))
        self._set_decision_enabled(True)

    # decisions -------------------------------------------------------------------------------
    def accept(self) -> None:
        flow, result = self.ctx.strength, self.result
        if flow is None or result is None or flow.current is None:
            return
        self.ctx.require_link().log_event("trial_accepted", **self._trial_fields())
        flow.accept(result.measures, now_s=time.monotonic())
        self._next()

    def reject(self) -> None:
        flow, result = self.ctx.strength, self.result
        reason = self.reject_reason.currentText().strip()
        if flow is None or result is None or flow.current is None or not reason:
            return
        self.ctx.require_link().log_event("trial_rejected", reason=reason, **self._trial_fields())
        flow.reject(reason, result.measures, now_s=time.monotonic())
        self._next()

    def cannot_perform(self) -> None:
        flow = self.ctx.strength
        reason = self.cannot_reason.currentText().strip()
        if flow is None or flow.current is None or self.trace is not None or not reason:
            return
        fields = self._trial_fields()
        fields.pop("trial")
        self.ctx.require_link().log_event("cannot_perform", reason=reason, **fields)
        flow.cannot_perform(reason, now_s=time.monotonic())
        self._next()

    def _next(self) -> None:
        self.result = None
        self.shown_trace = None
        self.plot.clear_overlays()
        self.results.clear()
        self.reasons.setText("")
        self._set_decision_enabled(False)
        self._show_step()
        self.start_stop.setFocus()

    def _set_decision_enabled(self, enabled: bool) -> None:
        self.accept_button.setEnabled(enabled)
        self.reject_button.setEnabled(enabled)
        self.start_stop.setEnabled(not enabled and self.ctx.strength is not None)

    def _trial_fields(self) -> dict:
        flow = self.ctx.strength
        step = flow.current if flow is not None else None
        protocol = self.ctx.protocol
        if flow is None or step is None or protocol is None:
            raise AlsmotionError("no strength trial is due")
        trial = len(flow.previous_trials(step.muscle, step.side)) + 1
        return {
            "test": "HHD",
            "muscle": step.muscle,
            "side": step.side,
            "trial": trial,
            "method": protocol.strength.test_type,
        }

    def _show_step(self) -> None:
        flow = self.ctx.strength
        if flow is None:
            return
        self.sequence_list.clear()
        decided = {
            (d.step.muscle, d.step.side, d.step.trial): d.status
            for d in flow.decisions
            if d.status != "rejected"
        }
        for index, step in enumerate(flow.sequence):
            status = decided.get((step.muscle, step.side, step.trial))
            mark = STATUS_MARKS.get(status or "", "▶" if step == flow.current else " ")
            self.sequence_list.addItem(f"{mark} {step.label}")
            if step == flow.current:
                self.sequence_list.setCurrentRow(index)
        step = flow.current
        if step is None:
            self.step_label.setText("Strength sequence complete")
            self.start_stop.setEnabled(False)
            self.cannot_button.setEnabled(False)
            return
        attempt = f" (attempt {flow.attempt})" if flow.attempt > 1 else ""
        self.step_label.setText(step.label + attempt)
        self.cannot_button.setEnabled(True)
        self.this_visit.clear()
        for decision in flow.previous_trials(step.muscle, step.side):
            peak = decision.measures.get("peak_force_n")
            peak_text = f"{peak:.0f} N" if peak is not None else "–"
            self.this_visit.addItem(
                f"{STATUS_MARKS[decision.status]} trial {decision.step.trial}: {peak_text}"
                + (f" ({decision.reason})" if decision.reason else "")
            )
        self.earlier_visits.clear()
        for visit, peak_n in self._earlier.get((step.muscle, step.side), []):
            self.earlier_visits.addItem(f"{visit}: {peak_n:.0f} N")

    def _plot_source(self) -> tuple[np.ndarray, np.ndarray]:
        trace = self.trace if self.trace is not None else self.shown_trace
        if trace is not None:
            return trace.time_s, trace.values
        link = self.ctx.link
        if link is None:
            return np.empty(0), np.empty((0, 1))
        clock_s, values = link.recent(FORCE, WINDOW_S)
        return clock_s - link.clock_s(), values
