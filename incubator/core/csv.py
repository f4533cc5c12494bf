"""Spreadsheet-safe CSV, streamed in chunks.

Spreadsheets run a cell that begins with = + - @ (or a tab or carriage return) as a
formula, so such cells get a leading single quote (OWASP's CSV-injection advice).
"""
import csv
import io
from collections.abc import Iterable, Iterator

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 64_000


def harmless(value) -> str:
    """The text of a cell, made inert for spreadsheets."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


def stream_rows(rows: Iterable[list]) -> Iterator[str]:
    """The CSV text of `rows` (the first is the header) in chunks, with a BOM so spreadsheets read UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    for row in rows:
        writer.writerow([harmless(cell) for cell in row])
        if buffer.tell() > CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
