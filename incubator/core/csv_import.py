"""Reading an uploaded CSV file, all or nothing, for any domain.

A domain declares what its file holds (`Column`s, each with a parser that turns a cell into a
value or refuses it with a message a person can act on) and registers an `Importer` (its columns,
a check against the database, a save). This module only reads: the upload (size, UTF-8 with or
without a byte-order mark), the header (every required column, no unknown or repeated one), then
every row, and gives back either the parsed rows or the list of errors (row, column, message).
Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row is row 2.

The job that runs an import (`ImportRun`) saves the rows only if there is no error at all.
"""
import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.core.imports import MAX_FILE_BYTES, ImportRun
from incubator.core.money import parse_dollars

MAX_ROWS = 5_000
MAX_ERRORS = 200          # kept on the run; past that the list says how many more there are
MAX_CELL_CHARS = 10_000   # csv's own limit is 128 KB: a larger cell is refused, not an error page
_EMAIL = re.compile(r"^[^@\s;,]+@[^@\s;,]+\.[^@\s;,]+$")


class FileRefused(DomainError):
    """The upload as a whole cannot be imported (too large, empty, not UTF-8 text)."""


@dataclass(frozen=True)
class CellError:
    row: int | None        # None: the file as a whole
    column: str            # "" when the error is about the whole row
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Column:
    name: str
    parse: Callable[[str], Any]   # the stripped, non-empty cell -> value; raises ValueError(message)
    required: bool = True          # a value in every row (and the column in the header)
    help: str = ""                 # shown on the import page
    example: str = ""              # the template's example row


@dataclass(frozen=True)
class Row:
    number: int                    # as a spreadsheet numbers it (the header is row 1)
    values: dict[str, Any]

    def __getitem__(self, name: str):
        return self.values.get(name)


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)
    total: int = 0                 # the data rows read (not blank), good or not


@dataclass(frozen=True)
class Importer:
    """What one kind of file holds and how it is saved.

    `check(rows, run, progress)` validates the parsed rows against the database and returns
    the errors (it calls `progress(rows_checked)` now and then); `save(rows, run)` adds
    everything to the session and flushes (never commits) and returns a summary (a dict that
    JSON can hold) of what it created.
    """
    kind: str                      # e.g. "sustainability.schools", as ImportRun.kind holds it
    label: str                     # "schools"
    columns: tuple[Column, ...]
    check: Callable
    save: Callable
    max_rows: int = MAX_ROWS


_IMPORTERS: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    _IMPORTERS[importer.kind] = importer
    return importer


def importer_for(kind: str) -> Importer | None:
    return _IMPORTERS.get(kind)


# ---- the upload --------------------------------------------------------------------------------


def read_upload(stream, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The text of an uploaded file: read at most `max_bytes` (one more says it is too large),
    decoded as UTF-8 without its byte-order mark.

    :raises FileRefused: empty, too large, not UTF-8, or holding NUL characters (not text)
    """
    raw = stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise FileRefused(f"That file is larger than {max_bytes // 2**20} MB. Split it into smaller files.")
    return decode(raw)


def decode(raw: bytes) -> str:
    """:raises FileRefused: see `read_upload`"""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise FileRefused(f"That file is not UTF-8 text (an unreadable character on line {line}). In your "
                          "spreadsheet, save it as “CSV UTF-8”, then upload it again.") from None
    if "\x00" in text:
        raise FileRefused("That file holds NUL characters, so it is not a CSV text file. Save it from your "
                          "spreadsheet as “CSV UTF-8”, then upload it again.")
    if not text.strip():
        raise FileRefused("That file is empty. The first row names the columns; each row after it is one record.")
    return text


# ---- the rows ----------------------------------------------------------------------------------


def normal_header(name: str) -> str:
    """'Opening year ' -> 'opening_year': spreadsheets capitalise and space headers."""
    return re.sub(r"[\s-]+", "_", name.strip().lower())


def _records(text: str) -> Iterable[tuple[int, list[str] | None, str | None]]:
    """(row number, cells, None), or (row number, None, why it cannot be read)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield number, None, f"This row cannot be read as CSV ({error}). Check its quotes."
            return  # the reader cannot be trusted past a broken quote
        yield number, cells, None


def parse(text: str, columns: Sequence[Column], *, max_rows: int = MAX_ROWS) -> Parsed:
    """Every row of `text` parsed by `columns`, or the errors. Blank rows are skipped (and still
    counted in the numbering); a missing cell at the end of a row is an empty one."""
    parsed = Parsed()
    records = iter(_records(text))
    header = None
    for number, cells, broken in records:
        if broken:
            parsed.errors.append(CellError(number, "", broken))
            return parsed
        if any(cell.strip() for cell in cells):
            header = [normal_header(cell) for cell in cells]
            header_row = number
            break
    if header is None:
        parsed.errors.append(CellError(1, "", "The file has no header row: the first row names the columns."))
        return parsed
    parsed.errors.extend(_header_errors(header, header_row, columns))
    if parsed.errors:
        return parsed
    for number, cells, broken in records:
        if broken:
            parsed.errors.append(CellError(number, "", broken))
            break
        if not any(cell.strip() for cell in cells):
            continue
        if parsed.total >= max_rows:
            parsed.errors.append(CellError(number, "", f"The file has more than {max_rows:,} rows. Split it into "
                                                        f"files of at most {max_rows:,} rows."))
            break
        parsed.total += 1
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header):]):
            parsed.errors.append(CellError(number, "", f"This row has {len(cells)} cells, but the header names "
                                                       f"{len(header)} columns."))
            continue
        values, errors = _parse_row(number, dict(zip(header, cells)), columns)
        parsed.errors.extend(errors)
        if not errors:
            parsed.rows.append(Row(number, values))
    return parsed


def _header_errors(header: list[str], row: int, columns: Sequence[Column]) -> list[CellError]:
    known = {c.name for c in columns}
    names = ", ".join(c.name for c in columns)
    errors, seen = [], set()
    for name in header:
        if not name:
            errors.append(CellError(row, "", f"A column has no name. The columns are: {names}."))
        elif name in seen:
            errors.append(CellError(row, name, "This column is named twice."))
        elif name not in known:
            errors.append(CellError(row, name[:60], f"Unknown column. The columns are: {names}."))
        seen.add(name)
    for column in columns:
        if column.required and column.name not in seen:
            errors.append(CellError(row, column.name, "This column is missing: add it to the header row."))
    return errors


def _parse_row(number: int, cells: dict[str, str], columns: Sequence[Column]) -> tuple[dict, list[CellError]]:
    values, errors = {}, []
    for column in columns:
        cell = (cells.get(column.name) or "").strip()
        if not cell:
            values[column.name] = None
            if column.required:
                errors.append(CellError(number, column.name, "This is required."))
            continue
        if len(cell) > MAX_CELL_CHARS or has_control_characters(cell):
            errors.append(CellError(number, column.name, "This cell holds line breaks, control characters or "
                                                         "too much text."))
            continue
        try:
            values[column.name] = column.parse(cell)
        except (ValueError, ValidationFailed) as error:
            errors.append(CellError(number, column.name, str(error)))
    return values, errors


# ---- parsers for the common cells --------------------------------------------------------------


def text(max_length: int) -> Callable[[str], str]:
    def parse_text(cell: str) -> str:
        if len(cell) > max_length:
            raise ValueError(f"At most {max_length:,} characters (this has {len(cell):,}).")
        return cell
    return parse_text


def integer(lo: int, hi: int, *, what: str = "a whole number") -> Callable[[str], int]:
    def parse_integer(cell: str) -> int:
        digits = cell.replace(",", "")
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 12:
            raise ValueError(f"Enter {what} from {lo:,} to {hi:,}, like {lo}.")
        value = int(digits)
        if not lo <= value <= hi:
            raise ValueError(f"Enter {what} from {lo:,} to {hi:,}.")
        return value
    return parse_integer


def dollars(max_cents: int) -> Callable[[str], int]:
    """Dollars in the file, cents returned ("1,500,000.50" -> 150000050)."""
    def parse_money(cell: str) -> int:
        cents = parse_dollars(cell)  # raises ValidationFailed with its message
        if cents > max_cents:
            raise ValueError(f"At most ${max_cents // 100:,}: check the amount.")
        return cents
    return parse_money


def fixed(places: int, lo: Decimal, hi: Decimal, *, what: str, suffix: str = "") -> Callable[[str], int]:
    """A decimal with at most `places` decimals, as an integer of 10**-places ("1.5" -> 150 with
    places=2); `suffix` (e.g. "%") may follow the number."""
    def parse_fixed(cell: str) -> int:
        number = cell[:-len(suffix)].strip() if suffix and cell.endswith(suffix) else cell
        try:
            value = Decimal(number) if number.isascii() and len(number) <= 20 else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise ValueError(f"Enter {what}, a number like {lo + (hi - lo) / 4:g}.")
        if not lo <= value <= hi:
            raise ValueError(f"Enter {what} from {lo:g} to {hi:g}.")
        scaled = value * 10 ** places
        if scaled != scaled.to_integral_value():
            raise ValueError(f"At most {places} decimal place{'s' if places != 1 else ''}.")
        return int(scaled)
    return parse_fixed


def email_list(separator: str = ";", max_items: int = 20) -> Callable[[str], list[str]]:
    """'a@x.org; B@y.org' -> ['a@x.org', 'b@y.org'] (lower case, each once)."""
    def parse_emails(cell: str) -> list[str]:
        found = []
        for part in cell.split(separator):
            email = part.strip().lower()
            if not email:
                continue
            if len(email) > 320 or not _EMAIL.match(email):
                raise ValueError(f"“{email[:80]}” is not an email address. Separate addresses with “{separator}”.")
            if email not in found:
                found.append(email)
        if len(found) > max_items:
            raise ValueError(f"At most {max_items} addresses.")
        return found
    return parse_emails


# ---- the template and the stored outcome -------------------------------------------------------


def template_rows(columns: Sequence[Column]) -> list[list[str]]:
    """A header row and one example row, for a template to download."""
    return [[c.name for c in columns], [c.example for c in columns]]


def errors_json(errors: Sequence[CellError]) -> str:
    kept = [e.as_dict() for e in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        kept.append(CellError(None, "", f"… and {len(errors) - MAX_ERRORS:,} more errors. Fix these first, "
                                        "then upload the file again.").as_dict())
    return json.dumps(kept)


def errors_of(run: ImportRun) -> list[dict]:
    """The errors of a failed run (a list of row / column / message)."""
    stored = _loaded(run)
    return stored if isinstance(stored, list) else []


def summary_of(run: ImportRun) -> dict:
    """What a finished run created (the importer's summary)."""
    stored = _loaded(run)
    return stored if isinstance(stored, dict) else {}


def _loaded(run: ImportRun):
    try:
        return json.loads(run.errors or "[]")
    except ValueError:
        return []
