"""The pre-screen's margin, chosen leave-one-participant-out on the shared reference recordings.

Each candidate span of :func:`alsmotion.home.screen.candidate_spans` is widened by a margin of
rest on both sides before the gait pipeline sees it. Every second of margin is analysed, and on a
home day most spans are short movements at rest (about 2 s of activity each), so the margin is
most of what the gait pipeline reads. With too little margin the pipeline loses context around a
walk (its moving vertical averages over 4 s).

Every shared recording (GaitPy demo, HA001, IPOL 1-10: 12 participants) is embedded in
``--rest-s`` of a still sensor on each side (its first and last finite sample held, with 4 mg of
noise), screened with each margin of ``--margins-s`` and analysed as the home pipeline does
(:func:`alsmotion.home.pipeline._strides_in_spans`, acceleration only). The strides found are
matched one to one to the reference strides by start time (within
:data:`alsmotion.validation.IC_TOLERANCE_S`). Per left-out participant, the margin chosen on the
others is the smallest one that keeps every reference stride inside a span and, pooled over their
recordings, matches at least as many reference strides with no more unmatched strides (inside
the annotated spans) as the widest margin; it is then scored on the left-out participant.

    python benchmarks/home_screen_margin.py [--data DIR] [--rest-s 30] [--margins-s 1 2 3 4 5]
"""

from __future__ import annotations

import argparse

import numpy as np

from alsmotion.home.pipeline import _strides_in_spans
from alsmotion.home.screen import candidate_spans
from alsmotion.validation import (
    IC_TOLERANCE_S,
    find_shared_data,
    iter_reference_recordings,
    match_events,
    within_spans,
)

NOISE_MPS2 = 0.004


def embedded(accel: np.ndarray, rest_samples: int, rng: np.random.Generator) -> np.ndarray:
    """``accel`` with ``rest_samples`` of a still sensor before and after."""
    finite = np.flatnonzero(~np.isnan(accel).any(axis=1))
    first, last = accel[finite[0]], accel[finite[-1]]
    noise = rng.normal(0.0, NOISE_MPS2, (2, rest_samples, 3))
    return np.vstack([first + noise[0], accel, last + noise[1]])


def score(recording, margin_s: float, rest_s: float) -> np.ndarray:
    """(all reference strides inside a span, matched strides, unmatched strides) of one margin."""
    rate = recording.sampling_rate_hz
    rest = round(rest_s * rate)
    accel = embedded(recording.accel_mps2, rest, np.random.default_rng(0))
    spans = candidate_spans(accel, sampling_rate_hz=rate, margin_s=margin_s)
    reference = recording.strides
    spans_s = spans / rate - rest / rate
    covered = all(
        ((spans_s[:, 0] <= start) & (spans_s[:, 1] >= end)).any()
        for start, end in zip(reference["ic_time_s"], reference["end_time_s"], strict=True)
    )
    found = _strides_in_spans(
        accel,
        spans,
        sampling_rate_hz=rate,
        sensor_height_m=recording.sensor_height_m,
        height_m=recording.height_m,
    )
    starts_s = np.zeros(0) if found is None else found[0]["ic_time_s"].to_numpy() - rest / rate
    starts_s = starts_s[within_spans(starts_s, recording.evaluation_spans_s)]
    match = match_events(reference["ic_time_s"].to_numpy(), starts_s, tolerance_s=IC_TOLERANCE_S)
    return np.array([covered, match.n_matched, match.n_detected - match.n_matched])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--rest-s", type=float, default=30.0)
    parser.add_argument("--margins-s", type=float, nargs="+", default=[1.0, 2.0, 3.0, 4.0, 5.0])
    args = parser.parse_args()
    margins = sorted(args.margins_s)
    participants, scores, n_reference = [], [], 0
    for recording in iter_reference_recordings(find_shared_data(args.data)):
        participants.append(recording.participant)
        n_reference += len(recording.strides)
        scores.append([score(recording, margin, args.rest_s) for margin in margins])
    table = np.array(scores)  # recording, margin, (covered, matched, unmatched)
    who = np.array(participants)
    print(
        f"margin s  covered  matched  unmatched   (all recordings, {n_reference} reference strides)"
    )
    for k, margin in enumerate(margins):
        covered, matched, unmatched = table[:, k].sum(axis=0)
        print(f"{margin:8g}  {covered:3d}/{len(table)}  {matched:7d}  {unmatched:9d}")
    chosen = []
    for left_out in sorted(set(participants)):
        train, test = table[who != left_out].sum(axis=0), table[who == left_out]
        n_train = int((who != left_out).sum())
        margin = next(
            margins[k]
            for k in range(len(margins))
            if train[k, 0] == n_train
            and train[k, 1] >= train[-1, 1]
            and train[k, 2] <= train[-1, 2]
        )
        k = margins.index(margin)
        chosen.append(margin)
        left = test[:, k].sum(axis=0)
        widest = test[:, -1].sum(axis=0)
        print(
            f"left out {left_out:12s}: {margin:g} s chosen on the others; left-out recordings "
            f"covered {left[0]}/{len(test)}, matched {left[1]} (widest margin {widest[1]}), "
            f"unmatched {left[2]} ({widest[2]})"
        )
    print(f"margins chosen: {sorted(set(chosen))}; largest {max(chosen):g} s")


if __name__ == "__main__":
    main()
