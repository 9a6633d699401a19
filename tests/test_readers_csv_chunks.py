"""CSV readers chunk by chunk: the same grid as the whole-file readers whatever the chunk sizes,
gaps and times going backwards across chunk boundaries found as within a chunk, and errors
naming the same line as when the file is read in one chunk."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alsmotion.errors import AlsmotionError, InvalidRecordingError
from alsmotion.home.sources import home_recording_from
from alsmotion.readers import read_csv_recording, read_geneactiv_csv
from alsmotion.readers.csv_table import open_csv_recording
from alsmotion.readers.geneactiv import open_geneactiv_csv
from alsmotion.units import STANDARD_GRAVITY_MPS2

ONE_CHUNK = 10**9


def _joined(source, chunk_samples):
    pieces = list(source.chunks(chunk_samples))
    firsts = [first for first, _ in pieces]
    assert firsts == list(range(0, source.n_samples, chunk_samples))
    return np.concatenate([values for _, values in pieces])


@pytest.mark.parametrize(("chunk_rows", "chunk_samples"), [(61, 37), (500, 1000), (2000, 333)])
def test_geneactiv_demo_chunked_is_the_whole_file_read(shared_data, chunk_rows, chunk_samples):
    path = shared_data / "gaitpy-demo" / "demo_data.csv"
    whole = read_geneactiv_csv(path)
    source = open_geneactiv_csv(path, chunk_rows=chunk_rows)
    assert (source.sampling_rate_hz, source.n_samples) == (50.0, 8400 + 25)
    assert source.start_utc == whole.start_utc and source.device == whole.device
    np.testing.assert_array_equal(_joined(source, chunk_samples), whole.accel_mps2)


@pytest.mark.parametrize("chunk_rows", [40, 500, ONE_CHUNK])
def test_generic_csv_without_times_chunked_is_the_whole_file_read(shared_data, chunk_rows):
    path = shared_data / "mobilised-lab-HA001" / "Test5_Trial1.csv"
    options = dict(
        accel_columns=("acc_x", "acc_y", "acc_z"),
        accel_unit="g",
        gyro_columns=("gyr_x", "gyr_y", "gyr_z"),
        sampling_rate_hz=100,
    )
    whole = read_csv_recording(path, **options)
    source = open_csv_recording(path, chunk_rows=chunk_rows, **options)
    joined = _joined(source, 250)
    np.testing.assert_array_equal(joined[:, :3], whole.accel_mps2)
    np.testing.assert_array_equal(joined[:, 3:], whole.gyro_rads)
    assert len(joined) == 1246


def _week_rows(n_rows: int, removed: list[range], jitter_at: int) -> tuple[np.ndarray, np.ndarray]:
    """Row times of a 100 Hz recording without the ``removed`` grid indices, one row jittered."""
    index = np.arange(n_rows)
    keep = np.ones(n_rows, bool)
    for gap in removed:
        keep[gap.start : gap.stop] = False
    time_s = index / 100.0
    time_s[jitter_at] += 0.003
    return index[keep], time_s[keep]


def test_gaps_on_chunk_boundaries_are_found_as_within_a_chunk(tmp_path):
    chunk_rows = 50
    # one gap ends a chunk, one starts where a chunk starts, one spans a boundary, one is inside
    removed = [range(95, 100), range(140, 150), range(230, 290), range(410, 413)]
    index, time_s = _week_rows(600, removed, jitter_at=333)
    ax = np.sin(time_s)
    path = tmp_path / "imu.csv"
    rows = ["time,x,y,z"] + [f"{t:.4f},{a:.6f},1,0" for t, a in zip(time_s, ax, strict=True)]
    path.write_text("\n".join(rows) + "\n")
    options = dict(accel_columns=("x", "y", "z"), accel_unit="g", time_column="time")
    whole = read_csv_recording(path, **options)
    source = open_csv_recording(path, chunk_rows=chunk_rows, **options)
    for chunk_samples in (7, 50, 100, 1000):
        np.testing.assert_array_equal(_joined(source, chunk_samples), whole.accel_mps2)
    missing = np.flatnonzero(np.isnan(whole.accel_mps2[:, 0]))
    assert missing.tolist() == [i for gap in removed for i in gap]
    on_grid = np.setdiff1d(index, [332, 333, 334])  # the jittered row bends its neighbours
    np.testing.assert_allclose(
        whole.accel_mps2[on_grid, 0], np.sin(on_grid / 100.0) * STANDARD_GRAVITY_MPS2, atol=1e-5
    )


def _geneactiv_file(shared_data, tmp_path, edit, name="g.csv"):
    text = (shared_data / "gaitpy-demo" / "demo_data.csv").read_bytes().decode("latin-1")
    lines = text.splitlines()[:700]
    edit(lines)
    path = tmp_path / name
    path.write_bytes("\r\n".join(lines).encode("latin-1") + b"\r\n")
    return path


def _first_data_line(shared_data) -> int:
    text = (shared_data / "gaitpy-demo" / "demo_data.csv").read_bytes().decode("latin-1")
    return next(i for i, line in enumerate(text.splitlines()) if line[:2] == "20") + 1


def test_geneactiv_gap_across_a_chunk_boundary_and_home_chunks(shared_data, tmp_path):
    boundary = _chunk_start_after(_first_data_line(shared_data) + 200, 64)

    def gap(lines):
        del lines[boundary - 11 : boundary + 9]  # 20 rows (0.4 s at 50 Hz) across the boundary

    path = _geneactiv_file(shared_data, tmp_path, gap)
    whole = read_geneactiv_csv(path)
    source = open_geneactiv_csv(path, chunk_rows=64)
    np.testing.assert_array_equal(_joined(source, 100), whole.accel_mps2)
    clean = read_geneactiv_csv(_geneactiv_file(shared_data, tmp_path, lambda lines: None, "c.csv"))
    assert np.isnan(whole.accel_mps2[:, 0]).sum() == np.isnan(clean.accel_mps2[:, 0]).sum() + 20
    home = home_recording_from(source, participant_id="P01")
    home_joined = np.concatenate([accel for _, accel in home.chunks(chunk_s=3.0)])
    np.testing.assert_array_equal(home_joined, whole.accel_mps2)
    assert home.start_utc == whole.start_utc and home.n_samples == whole.n_samples


def _refusal(read) -> tuple[str, int | None]:
    with pytest.raises(AlsmotionError) as err:
        read()
    return str(err.value), getattr(err.value, "line", None)


def _generic_rows(n=400):
    return ["t,ax,ay,az"] + [f"{k * 0.01:.2f},0.1,9.8,0.2" for k in range(n)]


def _edit_rows(rows, edits):
    rows = list(rows)
    for index, text in edits.items():
        rows[index] = text
    return rows


GENERIC_CASES = {
    # lines are 1-based: rows[k] is line k + 1; chunks of 10 rows start at lines 2, 12, 22, ...
    "time backwards at a chunk start": ({21: "0.15,0.1,9.8,0.2"}, 22),
    "time repeated across the boundary": ({21: "0.19,0.1,9.8,0.2"}, 22),
    "extra field in a later chunk": ({301: "3.00,0.1,9.8,0.2,7"}, 302),
    "bad time value in the second chunk": ({15: "oops,0.1,9.8,0.2"}, 16),
    "overflowing value": ({33: "0.33,1e400,9.8,0.2"}, 34),
    # a bad value before a field more or less: the whole-file check finds the fields first
    "fields before values": ({5: "0.05,x,9.8,0.2", 250: "2.50,0.1,9.8"}, 251),
    # a bad value before a time going back: values are checked before times
    "values before times": ({5: "0.50,0.1,9.8,0.2", 250: "2.50,0.1,nine,0.2"}, 251),
    "blank line ending a chunk": ({20: ""}, 21),
    "time jump of years across a boundary": ({31: "99999999.30,0.1,9.8,0.2"}, 31),
}


@pytest.mark.parametrize("case", sorted(GENERIC_CASES))
def test_generic_csv_refusals_name_the_same_line_chunked(tmp_path, case):
    edits, line = GENERIC_CASES[case]
    path = tmp_path / "t.csv"
    rows = _edit_rows(_generic_rows(), edits)
    if case == "time jump of years across a boundary":
        rows[32:] = [
            f"{99999999.30 + k * 0.01:.2f},0.1,9.8,0.2" for k in range(1, len(rows) - 32 + 1)
        ]
    path.write_text("\n".join(rows) + "\n")

    def read(chunk_rows):
        return lambda: open_csv_recording(
            path,
            accel_columns=("ax", "ay", "az"),
            accel_unit="g",
            time_column="t",
            chunk_rows=chunk_rows,
        )

    chunked = _refusal(read(10))
    assert chunked == _refusal(read(ONE_CHUNK))
    assert chunked[1] == line, chunked[0]
    assert f"t.csv, line {line}" in chunked[0]


def test_trailing_blank_lines_across_chunks_are_ignored(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("\n".join(_generic_rows(30)) + "\n\n\n  \n\n")
    options = dict(accel_columns=("ax", "ay", "az"), accel_unit="g", time_column="t")
    assert open_csv_recording(path, chunk_rows=4, **options).n_samples == 30


def _chunk_start_after(line: int, chunk_rows: int) -> int:
    """The first line of the first chunk of ``chunk_rows`` file lines starting after ``line``."""
    return chunk_rows * (line // chunk_rows + 1) + 1


@pytest.mark.parametrize("case", ["extra field", "backwards", "bad value", "blank inside"])
def test_geneactiv_refusals_name_the_same_line_chunked(shared_data, tmp_path, case):
    boundary = _chunk_start_after(_first_data_line(shared_data) + 40, 16)

    def edit(lines):
        at = boundary - 1  # 0-based index of the boundary line
        if case == "extra field":
            lines[at + 200] += ",0.5"
        elif case == "backwards":
            lines[at] = lines[at - 2]
        elif case == "bad value":
            lines[at + 5] = lines[at + 5].replace(",", ",oops", 1)
            lines[at + 300] += ",0.5"  # a field more, later: found first, as reading whole does
        else:
            lines[at - 1] = ""

    expected = {
        "extra field": boundary + 200,
        "backwards": boundary,
        "bad value": boundary + 300,
        "blank inside": boundary - 1,
    }[case]
    path = _geneactiv_file(shared_data, tmp_path, edit)
    chunked = _refusal(lambda: open_geneactiv_csv(path, chunk_rows=16))
    assert chunked == _refusal(lambda: read_geneactiv_csv(path))
    assert chunked[1] == expected, chunked[0]


def test_geneactiv_trailing_blank_lines_across_chunks_are_ignored(shared_data, tmp_path):
    path = _geneactiv_file(shared_data, tmp_path, lambda lines: lines.extend(["", "  ", ""] * 5))
    clean = read_geneactiv_csv(_geneactiv_file(shared_data, tmp_path, lambda lines: None, "c.csv"))
    source = open_geneactiv_csv(path, chunk_rows=4)
    np.testing.assert_array_equal(_joined(source, 64), clean.accel_mps2)
    with pytest.raises(InvalidRecordingError, match="fields"):
        open_geneactiv_csv(
            _geneactiv_file(shared_data, tmp_path, lambda lines: lines.extend(["", "", lines[-1]]))
        )


def test_geneactiv_times_parsed_by_second_are_the_format_parse():
    from alsmotion.readers.geneactiv import _TIMESTAMP_FORMAT, _local_times

    stamps = [
        "2024-01-01 00:00:00:010",
        "2024-02-29 23:59:59:999",
        "2023-02-29 00:00:00:000",  # no such day
        "2024-01-01 00:00:00:5",  # a shorter fraction: the format reads it as 500 ms
        "2024-01-01 0:00:00:010",
        "2024-13-01 00:00:00:010",
        "2024-01-01 00:00:60:010",
        "2024-01-01 00:00:00:01x",
        "2024-01-01 00:00:00:0100",
        "2024-01-01 00:00:00:\u00b210",  # a superscript two is a digit to str.isdigit
        " 2024-01-01 00:00:00:010",
        "2024-01-01 24:00:00:000",
        "",
    ]
    column = pd.Series(stamps * 3, index=np.arange(5, 5 + 3 * len(stamps)), dtype=str)
    expected = pd.to_datetime(column, format=_TIMESTAMP_FORMAT, errors="coerce")
    pd.testing.assert_series_equal(_local_times(column), expected)


def test_geneactiv_csv_writer_twin_reads_back_with_its_gap(tmp_path):
    from alsmotion.simulate.geneactiv_csv import write_geneactiv_csv

    rng = np.random.default_rng(4)
    accel_g = np.round(rng.normal(0.0, 0.5, (3000, 3)), 4)
    accel_g[1180:1260] = np.nan  # the device not recording: rows not written
    chunks = [(first, accel_g[first : first + 700] * STANDARD_GRAVITY_MPS2) for first in (0, 700)]
    chunks.append((1400, accel_g[1400:] * STANDARD_GRAVITY_MPS2))
    start = pd.Timestamp("2026-01-05T23:59:50Z")
    path = write_geneactiv_csv(tmp_path / "w.csv", chunks, sampling_rate_hz=50, start_utc=start)
    source = open_geneactiv_csv(path, chunk_rows=256)
    assert source.start_utc == start.to_pydatetime() and source.n_samples == 3000
    np.testing.assert_allclose(_joined(source, 512), accel_g * STANDARD_GRAVITY_MPS2, atol=1e-12)
