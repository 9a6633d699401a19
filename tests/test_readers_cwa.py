"""Axivity .cwa files: the writer twin's bytes read back exactly, chunk by chunk on the nominal
grid; damaged files refused with the file and byte offset; other readers (actfast,
cwa-reader-rs, when installed) read the twin's files the same way; ``alsmotion home`` end to
end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from device_file_helpers import chunks, noisy_accel, walk_between_rests

from alsmotion.cli import main
from alsmotion.errors import InvalidRecordingError
from alsmotion.home.sources import read_home_device_file
from alsmotion.readers.cwa import BLOCK_BYTES, HEADER_BYTES, open_cwa, unpack_datetime
from alsmotion.simulate.cwa import pack_datetime, quantized_g, write_cwa
from alsmotion.units import STANDARD_GRAVITY_MPS2

RATE_HZ = 100.0
#: Not on a whole second, so the blocks' fractional time stamps are exercised.
START = pd.Timestamp("2026-02-03T09:00:00.37Z")
#: Samples not recorded (the device was charging for 20 s).
GAP = slice(30_000, 32_000)


def _accel(n: int, seed: int = 0) -> np.ndarray:
    return noisy_accel(n, gap=GAP, seed=seed)


def _chunks(accel: np.ndarray, size: int = 25_000):
    return chunks(accel, size)


def _write(path, accel, **kwargs):
    return write_cwa(path, _chunks(accel), sampling_rate_hz=RATE_HZ, start_utc=START, **kwargs)


@pytest.fixture(scope="module")
def cwa_file(tmp_path_factory):
    accel = _accel(60_000)
    return _write(tmp_path_factory.mktemp("cwa") / "AX3.cwa", accel), accel


def test_packed_datetime_round_trip_and_bad_dates():
    when = int(pd.Timestamp("2031-12-31T23:59:58Z").timestamp())
    seconds, valid = unpack_datetime(
        np.array([pack_datetime(when), (3 << 26) | (2 << 22) | (31 << 17)])
    )
    assert seconds[0] == when and valid.tolist() == [True, False]  # 31 February 2003


@pytest.mark.parametrize("packed", [True, False])
def test_chunks_hold_the_written_samples_on_the_grid(tmp_path, packed):
    accel = _accel(60_000, seed=1)
    path = _write(tmp_path / "x.cwa", accel, packed=packed)
    recording = read_home_device_file(path, participant_id="P01")
    assert recording.sampling_rate_hz == RATE_HZ
    assert recording.n_samples == len(accel)
    assert abs((recording.start_utc - START.tz_localize(None)).total_seconds()) < 1e-4
    chunks = list(recording.chunks(chunk_s=170.0))
    assert [first for first, _ in chunks] == list(range(0, len(accel), 17_000))
    read = np.vstack([part for _, part in chunks])
    expected = quantized_g(accel, packed=packed) * STANDARD_GRAVITY_MPS2
    gap = np.isnan(read).any(axis=1)
    np.testing.assert_array_equal(gap, np.isnan(accel).any(axis=1))
    # block times are stored to 1/32768 s (0.3 % of a period) and the grid is interpolated
    # between samples: on white noise of 6 m/s^2 that moves a value by up to ~0.07 m/s^2
    np.testing.assert_allclose(read[~gap], expected[~gap], atol=0.1)
    assert np.median(np.abs(read[~gap] - expected[~gap])) < 0.02
    assert recording.source_sha256 == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


def test_raw_samples_and_times_are_exact(cwa_file):
    path, accel = cwa_file
    device = open_cwa(path)
    assert (device.axes, device.packed, device.range_g) == (3, True, 8)
    times = np.concatenate([t for t, _ in device.timed_samples(blocks_per_read=7)])
    values = np.concatenate([a for _, a in device.timed_samples(blocks_per_read=7)])
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_array_equal(values, quantized_g(accel[recorded]))
    expected_s = START.value / 1e9 - device.origin_s + np.flatnonzero(recorded) / RATE_HZ
    assert np.abs(times - expected_s).max() < 1 / 32768 + 1e-6


def _damaged(path, tmp_path, edit):
    data = bytearray(path.read_bytes())
    data = edit(data)
    out = tmp_path / "damaged.cwa"
    out.write_bytes(bytes(data))
    return out


def _flip(offset):
    def edit(data):
        data[offset] ^= 0x5A
        return data

    return edit


@pytest.mark.parametrize(
    ("edit", "offset", "words"),
    [
        (
            lambda d: d[: HEADER_BYTES + 10 * BLOCK_BYTES + 100],
            HEADER_BYTES + 10 * BLOCK_BYTES,
            "cut short",
        ),
        (_flip(HEADER_BYTES + 25 * BLOCK_BYTES + 200), HEADER_BYTES + 25 * BLOCK_BYTES, "checksum"),
        (_flip(HEADER_BYTES + 3 * BLOCK_BYTES), HEADER_BYTES + 3 * BLOCK_BYTES, "'AX'"),
        (_flip(0), 0, "'MD'"),
        (lambda d: d[:600], 0, "1024-byte header"),
        (lambda d: d[:HEADER_BYTES], HEADER_BYTES, "no sound data block"),
    ],
)
def test_damaged_files_are_refused_naming_file_and_byte(cwa_file, tmp_path, edit, offset, words):
    damaged = _damaged(cwa_file[0], tmp_path, edit)
    with pytest.raises(InvalidRecordingError, match=words) as caught:
        open_cwa(damaged)
    assert caught.value.offset == offset and caught.value.path == damaged
    assert f"{damaged}, byte {offset}: " in str(caught.value)


def test_a_block_with_a_valid_checksum_but_no_date_is_refused(cwa_file, tmp_path):
    block = HEADER_BYTES + 7 * BLOCK_BYTES

    def edit(data):
        data[block + 14 : block + 18] = (0).to_bytes(4, "little")  # month 0
        words = np.frombuffer(bytes(data[block : block + BLOCK_BYTES - 2]), "<u2")
        data[block + 510 : block + 512] = int(-int(words.sum()) & 0xFFFF).to_bytes(2, "little")
        return data

    with pytest.raises(InvalidRecordingError, match="no date") as caught:
        open_cwa(_damaged(cwa_file[0], tmp_path, edit))
    assert caught.value.offset == block + 14


def test_actfast_reads_the_twin_the_same(cwa_file):
    actfast = pytest.importorskip("actfast")
    path, accel = cwa_file
    series = actfast.read(str(path))["timeseries"]["high_frequency"]
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_allclose(series["acceleration"], quantized_g(accel[recorded]), atol=1e-6)
    expected_ns = START.value + np.flatnonzero(recorded) * round(1e9 / RATE_HZ)
    assert np.abs(series["datetime"] - expected_ns).max() < 1e5  # 0.1 ms


def test_cwa_reader_rs_reads_the_twin_the_same(cwa_file):
    reader = pytest.importorskip("cwa_reader_rs")
    path, accel = cwa_file
    frame = reader.read_cwa_file(str(path), include_light=False, include_temperature=False)
    recorded = ~np.isnan(accel).any(axis=1)
    np.testing.assert_allclose(
        frame[["acc_x", "acc_y", "acc_z"]].to_numpy(), quantized_g(accel[recorded]), atol=1e-6
    )
    # it places each block's samples one sample period earlier than the format's time stamp
    # and fraction say (actfast and alsmotion agree with each other): within 1.5 periods
    stamps = frame.index.tz_localize(None) if frame.index.tz is not None else frame.index
    elapsed_s = (stamps - START.tz_localize(None)).total_seconds().to_numpy()
    expected_s = np.flatnonzero(recorded) / RATE_HZ
    assert np.abs(elapsed_s - expected_s).max() < 1.5 / RATE_HZ


def test_alsmotion_home_reads_a_cwa_file(tmp_path, capsys):
    accel = walk_between_rests(RATE_HZ)
    path = write_cwa(
        tmp_path / "P09_week.CWA",
        _chunks(accel),
        sampling_rate_hz=RATE_HZ,
        start_utc=pd.Timestamp("2026-02-03T09:00:00Z"),
    )
    args = ["home", str(path), "--out", str(tmp_path / "out"), "--no-progress"]
    assert main(args) == 2
    assert "--participant" in capsys.readouterr().err
    code = main(
        [*args, "--participant", "P09", "--sensor-height-m", "0.95", "--min-worn-hours", "0.2"]
    )
    assert code == 0, capsys.readouterr().err
    daily = pd.read_csv(tmp_path / "out" / "daily.csv")
    assert daily["measurement_date"].tolist() == ["2026-02-03"]
    assert daily["source"].iloc[0] == "P09_week.CWA"
    bouts = pd.read_csv(tmp_path / "out" / "bouts.csv")
    assert len(bouts) == 1
    assert bouts["n_steps"].iloc[0] == pytest.approx(120, abs=3)


def test_alsmotion_home_names_the_damaged_file_and_byte(cwa_file, tmp_path, capsys):
    damaged = _damaged(cwa_file[0], tmp_path, _flip(HEADER_BYTES + 2 * BLOCK_BYTES + 40))
    code = main(["home", str(damaged), "--participant", "P01", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and f"byte {HEADER_BYTES + 2 * BLOCK_BYTES}" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_stream_to_grid_matches_interpolating_the_whole(seed):
    """Pieces of any size and chunks of any size give what one interpolation of everything
    gives: jittered times, a clock 1 % fast, and gaps (one across a chunk edge) left NaN."""
    from alsmotion.readers._timegrid import interpolate_on_grid, stream_to_grid

    rng = np.random.default_rng(seed)
    n = 5_000
    time_s = 100.0 + np.cumsum(rng.uniform(0.0099, 0.0103, n)) * 0.99
    keep = np.ones(n, bool)
    keep[[*range(1000, 1040), *range(2990, 3010)]] = False
    time_s, values = time_s[keep], rng.normal(size=(keep.sum(), 3))
    n_grid = int((time_s[-1] - time_s[0]) * RATE_HZ) + 1
    grid_s = time_s[0] + np.arange(n_grid) / RATE_HZ
    whole = interpolate_on_grid(time_s, values, grid_s, RATE_HZ)
    cuts = np.sort(rng.choice(np.arange(1, len(time_s)), 30, replace=False))
    pieces = zip(np.split(time_s, cuts), np.split(values, cuts), strict=True)
    chunks = list(
        stream_to_grid(
            pieces,
            start_s=time_s[0],
            n_samples=n_grid,
            sampling_rate_hz=RATE_HZ,
            chunk_samples=int(rng.integers(50, 900)),
            n_columns=3,
        )
    )
    streamed = np.vstack([part for _, part in chunks])
    np.testing.assert_array_equal(np.isnan(streamed), np.isnan(whole))
    np.testing.assert_allclose(streamed, whole, atol=1e-9)  # grid times summed differently
    assert 35 <= np.isnan(whole[:, 0]).sum() <= 65


def test_a_sample_clock_off_its_nominal_rate_is_followed():
    """Samples really taken at 100.5 Hz in blocks that say 100 Hz: read by their time stamps,
    the grid holds the signal at the grid's times (placing them by count would drift by 3 s in
    10 min)."""
    import tempfile
    from pathlib import Path

    actual_hz = 100.5
    n = round(600 * actual_hz)
    time_s = np.arange(n) / actual_hz

    def signal(t):  # smooth, in m/s^2
        return np.column_stack(
            [np.sin(2 * np.pi * 0.5 * t), np.cos(2 * np.pi * 0.3 * t), 9.8 + 0.0 * t]
        )

    with tempfile.TemporaryDirectory() as folder:
        path = write_cwa(
            Path(folder) / "fast.cwa",
            _chunks(signal(time_s)),
            sampling_rate_hz=RATE_HZ,
            start_utc=START,
            actual_rate_hz=actual_hz,
            packed=False,
        )
        recording = read_home_device_file(path, participant_id="P01")
        read = np.vstack([part for _, part in recording.chunks()])
    assert recording.n_samples == pytest.approx(600 * RATE_HZ, abs=2)
    grid_s = (recording.start_utc - START.tz_localize(None)).total_seconds() + np.arange(
        len(read)
    ) / RATE_HZ
    error = np.abs(read - signal(grid_s))[:, :2]
    assert error.max() < 0.025  # half a 1/256 g step of the file (0.019 m/s^2) dominates
    by_count = np.abs(read - signal(time_s[: len(read)]))[:, :2]
    assert by_count.max() > 1.0  # what taking the samples as 100 Hz would have given


def test_skip_damaged_blocks_reads_them_as_no_data_and_flags(cwa_file, tmp_path, capsys):
    path, accel = cwa_file
    bad_block = 40  # samples 4800-4919 (the file starts with full 120-sample blocks)

    def edit(data):
        data = _flip(HEADER_BYTES + bad_block * BLOCK_BYTES + 300)(data)
        return data[: len(data) - 100]  # and the last block cut short

    damaged = _damaged(path, tmp_path, edit)
    recording = read_home_device_file(damaged, participant_id="P01", skip_damaged=True)
    assert recording.flags == ("damaged_blocks_skipped:2",)
    read = np.vstack([part for _, part in recording.chunks()])
    missing = np.isnan(read).any(axis=1)
    lost = slice(bad_block * 120, (bad_block + 1) * 120)
    assert missing[lost].all() and not missing[lost.start - 1] and not missing[lost.stop]
    expected = quantized_g(accel[: len(read)]) * STANDARD_GRAVITY_MPS2
    ok = ~missing & ~np.isnan(expected).any(axis=1)
    np.testing.assert_allclose(read[ok], expected[ok], atol=0.1)
    code = main(
        [
            *("home", str(damaged), "--participant", "P01", "--skip-damaged-blocks"),
            *("--min-worn-hours", "0.1", "--out", str(tmp_path / "out"), "--no-progress"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    daily = pd.read_csv(tmp_path / "out" / "daily.csv", keep_default_na=False)
    assert "damaged_blocks_skipped:2" in daily["flags"].iloc[0]
