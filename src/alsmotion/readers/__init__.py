"""Readers that turn recording files into :class:`alsmotion.recording.Recording` in SI units.

Every reader raises :class:`alsmotion.errors.InvalidRecordingError` naming the file (and line, for
text files) when the file is not what it claims to be.
"""

from alsmotion.readers.csv_table import read_csv_recording
from alsmotion.readers.geneactiv import read_geneactiv_csv

__all__ = ["read_csv_recording", "read_geneactiv_csv"]
