"""ActiGraph .gt3x files: the published example decodes as documented, the writer twin's
archives read back exactly, chunk by chunk on the nominal grid; damaged archives refused with
the file and the byte offset in log.bin; actfast (when installed) reads the twin's files the
same; ``alsmotion home`` end to end."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pytest
from device_file_helpers import chunks, noisy_accel, walk_between_rests

from alsmotion.cli import main
from alsmotion.errors import InvalidRecordingError
from alsmotion.home.sources import read_home_device_file
from alsmotion.readers.gt3x import _decode, open_gt3x
from alsmotion.simulate.gt3x import encode_float, quantized_g, write_gt3x
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 100.0
START = pd.Timestamp("2026-02-03T09:00:00Z")
#: Seconds not logged (20 s from 300 s on).
GAP = slice(30_000, 32_000)


def _accel(n: int, seed: int = 0) -> np.ndarray:
    return noisy_accel(n, gap=GAP, seed=seed)


def _chunks(accel: np.ndarray, size: int = 36_000):
    return chunks(accel, size)


@pytest.fixture(scope="module")
def gt3x_file(tmp_path_factory):
    accel = _accel(60_000)
    path = write_gt3x(
        tmp_path_factory.mktemp("gt3x") / "MOS2.gt3x",
        _chunks(accel),
        sampling_rate_hz=RATE_HZ,
        start_utc=START,
    )
    return path, accel


def test_the_published_example_decodes_as_documented():
    # ActiGraph's format documentation: these bytes are (Y, X, Z) = (6, 8, -323), (7, 9, -321),
    # (7, 8, -321)
    payload = bytes.fromhex("006008EBD007009EBF007008EBF0")
    data = np.frombuffer(bytes(8) + payload, dtype=np.uint8)
    counts = _decode(data, np.array([0]), 3, 0)[0]
    np.testing.assert_array_equal(counts, [[8, 6, -323], [9, 7, -321], [8, 7, -321]])
    assert encode_float(256.0) == 0x09400000  # the documented ACCEL_SCALE code of 256 LSB/g


def test_chunks_hold_the_written_samples_on_the_grid(gt3x_file):
    path, accel = gt3x_file
    recording = read_home_device_file(path, participant_id="P01")
    assert recording.sampling_rate_hz == RATE_HZ and recording.n_samples == len(accel)
    assert recording.start_utc == START  # the clock declares TimeZone 00:00:00
    chunks = list(recording.chunks(chunk_s=130.0))
    assert [first for first, _ in chunks] == list(range(0, len(accel), 13_000))
    read = np.vstack([part for _, part in chunks])
    gap = np.isnan(read).any(axis=1)
    np.testing.assert_array_equal(gap, np.isnan(accel).any(axis=1))
    expected = quantized_g(accel) * STANDARD_GRAVITY_MPS2
    np.testing.assert_allclose(read[~gap], expected[~gap], atol=1e-3)


def test_raw_samples_are_exact_and_records_evenly_spread_over_their_second(gt3x_file):
    path, accel = gt3x_file
    device = open_gt3x(path)
    assert (device.serial, device.counts_per_g) == ("MOS2E12345678", 256.0)
    times = np.concatenate([t for t, _ in device.timed_samples()])
    values = np.concatenate([a for _, a in device.timed_samples()])
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_array_equal(values, quantized_g(accel[recorded]))
    assert device.origin_s == START.value // 10**9
    np.testing.assert_allclose(times, np.flatnonzero(recorded) / RATE_HZ, atol=1e-9)


def _rewrite(path, tmp_path, edit_log=None, keep=("info.txt", "log.bin")):
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    if edit_log is not None:
        parts["log.bin"] = bytes(edit_log(bytearray(parts["log.bin"])))
    out = tmp_path / "damaged.gt3x"
    with zipfile.ZipFile(out, "w") as archive:
        for name in keep:
            archive.writestr(name, parts[name])
    return out


#: The PARAMETERS record (8 + 32 + 1 bytes) comes first, then a BATTERY record (8 + 2 + 1), then
#: ACTIVITY records of 8 + 450 + 1 bytes.
FIRST_ACTIVITY = 41 + 11


def _flip(offset):
    def edit(log):
        log[offset] ^= 0x5A
        return log

    return edit


@pytest.mark.parametrize(
    ("edit", "offset", "words"),
    [
        (_flip(FIRST_ACTIVITY + 3 * 459 + 100), FIRST_ACTIVITY + 3 * 459, "checksum"),
        (_flip(FIRST_ACTIVITY + 2 * 459), FIRST_ACTIVITY + 2 * 459, "no record separator"),
        (lambda log: log[: FIRST_ACTIVITY + 5 * 459 + 200], FIRST_ACTIVITY + 5 * 459, "cut short"),
    ],
)
def test_damaged_log_is_refused_naming_file_and_byte(gt3x_file, tmp_path, edit, offset, words):
    damaged = _rewrite(gt3x_file[0], tmp_path, edit)
    with pytest.raises(InvalidRecordingError, match=words) as caught:
        open_gt3x(damaged)
    assert caught.value.offset == offset and caught.value.path == damaged
    assert f"log.bin byte {offset}" in str(caught.value)


def test_zero_bytes_between_records_are_skipped(gt3x_file, tmp_path):
    # the format documents that a few zero bytes can occur between valid records
    at = FIRST_ACTIVITY + 7 * 459
    padded = _rewrite(gt3x_file[0], tmp_path, lambda log: log[:at] + bytes(5) + log[at:])
    assert open_gt3x(padded).record_samples.sum() == open_gt3x(gt3x_file[0]).record_samples.sum()


def _junk(path):
    path.write_bytes(b"PK\x03\x04 not a zip archive")
    return path


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (
            lambda path, tmp: _junk(tmp / "x.gt3x"),
            "ZIP",
        ),
        (lambda path, tmp: _rewrite(path, tmp, keep=("info.txt",)), "activity.bin"),
    ],
)
def test_foreign_archives_are_refused(gt3x_file, tmp_path, make, words):
    with pytest.raises(InvalidRecordingError, match=words):
        open_gt3x(make(gt3x_file[0], tmp_path))


def test_actfast_reads_the_twin_the_same(gt3x_file):
    actfast = pytest.importorskip("actfast")
    path, accel = gt3x_file
    series = actfast.read(str(path))["timeseries"]["acceleration"]
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_allclose(series["acceleration"], quantized_g(accel[recorded]), atol=1e-6)
    expected_ns = START.value + np.flatnonzero(recorded) * round(1e9 / RATE_HZ)
    np.testing.assert_array_equal(series["datetime"], expected_ns)


def test_alsmotion_home_reads_a_gt3x_file(tmp_path, capsys):
    accel = walk_between_rests(RATE_HZ)
    accel = accel[: len(accel) // 6_000 * 6_000]  # whole seconds in whole chunks
    path = write_gt3x(
        tmp_path / "P09.gt3x", _chunks(accel, 6_000), sampling_rate_hz=RATE_HZ, start_utc=START
    )
    code = main(
        [
            "home",
            str(path),
            "--participant",
            "P09",
            "--sensor-height-m",
            "0.95",
            "--min-worn-hours",
            "0.2",
            "--out",
            str(tmp_path / "out"),
            "--no-progress",
        ]
    )
    assert code == 0, capsys.readouterr().err
    bouts = pd.read_csv(tmp_path / "out" / "bouts.csv")
    assert len(bouts) == 1 and bouts["n_steps"].iloc[0] == pytest.approx(120, abs=3)


def test_a_usb_connection_record_holds_no_sample(gt3x_file, tmp_path):
    """A one-byte ACTIVITY record (a USB connection event, the format says) holds no samples:
    with sleep mode off its second is no data, and the seconds around it are read as written."""
    from alsmotion.simulate.gt3x import _record

    path, _ = gt3x_file
    start_s = START.value // 10**9
    idle_at = FIRST_ACTIVITY + 4 * 459

    def edit(log):
        idle = _record(0x00, start_s + 4, b"\x00")
        return log[:idle_at] + idle + log[idle_at + 459 :]

    recording = read_home_device_file(_rewrite(path, tmp_path, edit), participant_id="P01")
    read = np.vstack([part for _, part in recording.chunks()])
    missing = np.isnan(read).any(axis=1)
    assert missing[400:500].all() and not missing[399] and not missing[500]


def _moving_still_moving(rate_hz: float) -> np.ndarray:
    """20 s moving, 40 s lying still (noise SD 1 mg), 20 s moving (m/s^2)."""
    moving = noisy_accel(round(20 * rate_hz), gap=slice(0, 0), seed=3)
    rng = np.random.default_rng(4)
    still = np.array([0.0, 0.0, STANDARD_GRAVITY_MPS2]) + rng.normal(
        0.0, 0.01, (round(40 * rate_hz), 3)
    )
    return np.vstack([moving, still, moving[::-1]])


def test_idle_sleep_seconds_read_as_the_last_sample_repeated(tmp_path):
    # ActiGraph: in idle sleep the last sampled value stands for every sample; log.bin holds
    # no record for those seconds
    accel = _moving_still_moving(RATE_HZ)
    path = write_gt3x(
        tmp_path / "idle.gt3x", _chunks(accel, 2_000), sampling_rate_hz=RATE_HZ, start_utc=START,
        idle_sleep=True,
    )  # fmt: skip
    device = open_gt3x(path)
    # the first still second moves away from the last moving sample; ten still seconds later
    # the device sleeps, and the first moving second wakes it
    assert device.idle_sleep and device.idle_sleep_s == 29 and len(device.record_s) == 80 - 29
    recording = read_home_device_file(path, participant_id="P01")
    assert recording.flags == ("idle_sleep_s:29",) and recording.n_samples == len(accel)
    read = np.vstack([part for _, part in recording.chunks()])
    assert not np.isnan(read).any()
    asleep = slice(31 * 100, 60 * 100)
    held = quantized_g(accel[asleep.start - 1]) * STANDARD_GRAVITY_MPS2
    np.testing.assert_allclose(read[asleep], np.broadcast_to(held, (29 * 100, 3)), atol=1e-9)
    assert np.abs(read[asleep] - accel[asleep]).max() < 0.04 * STANDARD_GRAVITY_MPS2
    awake = np.r_[0 : asleep.start, asleep.stop : len(accel)]
    np.testing.assert_allclose(
        read[awake], quantized_g(accel[awake]) * STANDARD_GRAVITY_MPS2, atol=1e-3
    )


def test_missing_seconds_are_idle_sleep_unless_sleep_mode_is_off(gt3x_file, tmp_path):
    path, accel = gt3x_file
    assert not open_gt3x(path).idle_sleep  # FEATURE_ENABLE without the sleep-mode bit
    # without a PARAMETERS record the device slept by default: the 20 s not logged are held
    undeclared = _rewrite(path, tmp_path, lambda log: log[41:])
    device = open_gt3x(undeclared)
    assert device.idle_sleep and device.idle_sleep_s == 20
    read = np.vstack(
        [part for _, part in read_home_device_file(undeclared, participant_id="P01").chunks()]
    )
    held = quantized_g(accel[GAP.start - 1]) * STANDARD_GRAVITY_MPS2
    np.testing.assert_allclose(read[GAP], np.broadcast_to(held, (2_000, 3)), atol=1e-9)


def _offset_day_rows(path, timezone: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    from alsmotion.home.study import analyze_recording

    recording = read_home_device_file(path, participant_id="P01")
    analysed = analyze_recording(recording, min_worn_hours=0.1, timezone=timezone)
    return analysed.result.daily, analysed.flags


def test_a_declared_clock_offset_puts_the_file_on_utc(tmp_path):
    # set up in winter at UTC+01:00 (devices keep their offset), worn in June from 21:30 UTC,
    # which is 23:30 in Amsterdam (UTC+02:00)
    start = pd.Timestamp("2026-06-01T21:30:00Z")
    rng = np.random.default_rng(7)
    accel = np.array([0.0, 0.0, STANDARD_GRAVITY_MPS2]) + rng.normal(0, 0.05, (2 * 3600 * 30, 3))
    path = write_gt3x(
        tmp_path / "P01.gt3x", _chunks(accel, 30 * 600), sampling_rate_hz=30, start_utc=start,
        utc_offset_s=3600,
    )  # fmt: skip
    assert open_gt3x(path).utc_offset_s == 3600
    assert read_home_device_file(path, participant_id="P01").start_utc == start
    daily, flags = _offset_day_rows(path, "Europe/Amsterdam")
    # the clock read as Amsterdam time (22:30 CEST) would have put 1.5 h on June 1
    assert daily["measurement_date"].tolist() == ["2026-06-01", "2026-06-02"]
    np.testing.assert_allclose(daily["recorded_h"], [0.5, 1.5], atol=0.02)
    assert not [flag for flag in flags if flag.startswith("device_utc_offset")]
    # New York never is UTC+01:00: the offset is still used, and flagged
    daily, flags = _offset_day_rows(path, "America/New_York")
    np.testing.assert_allclose(daily["recorded_h"], [2.0], atol=0.02)  # 17:30-19:30 EDT
    assert "device_utc_offset_differs:+01:00" in flags
