"""The generic CSV reading: the upload, the header, the rows, the parsers (no database)."""
import io
from decimal import Decimal

import pytest

from incubator.core import csv_import
from incubator.core.csv_import import Column, FileRefused, decode, dollars, email_list, fixed, integer, parse, text

COLUMNS = (Column("name", text(20)), Column("year", integer(1, 4)),
           Column("amount", dollars(1_000_000_00), required=False))


def errors(parsed):
    return [(e.row, e.column) for e in parsed.errors]


def test_a_byte_order_mark_is_dropped_and_rows_are_numbered_as_a_spreadsheet_does():
    text_ = decode("\ufeffname,year,amount\nBayou,1,\"1,500.50\"\nLake,2,\n".encode())
    parsed = parse(text_, COLUMNS)
    assert parsed.errors == []
    assert [(r.number, r["name"], r["year"], r["amount"]) for r in parsed.rows] == [
        (2, "Bayou", 1, 1_500_50), (3, "Lake", 2, None)]


def test_headers_are_read_as_people_type_them_and_optional_columns_may_be_left_out():
    parsed = parse("Name , YEAR\nBayou,1\n", COLUMNS)
    assert parsed.errors == [] and parsed.rows[0].values == {"name": "Bayou", "year": 1, "amount": None}


def test_a_missing_header_column_is_an_error_on_row_1():
    parsed = parse("name,amount\nBayou,10\n", COLUMNS)
    assert errors(parsed) == [(1, "year")]
    assert "missing" in parsed.errors[0].message
    assert parsed.rows == []


def test_an_unknown_or_repeated_column_is_an_error():
    parsed = parse("name,year,colour,name\nBayou,1,red,x\n", COLUMNS)
    assert errors(parsed) == [(1, "colour"), (1, "name")]
    assert "The columns are: name, year, amount" in parsed.errors[0].message
    assert "twice" in parsed.errors[1].message


def test_a_row_with_more_cells_than_columns_is_an_error():
    parsed = parse("name,year\nBayou,1,surprise\nLake,2,,\n", COLUMNS)
    assert errors(parsed) == [(2, "")]  # empty trailing cells (spreadsheets add them) are fine
    assert "3 cells" in parsed.errors[0].message
    assert [r["name"] for r in parsed.rows] == ["Lake"]


def test_blank_lines_are_skipped_but_counted_in_the_numbering():
    parsed = parse("\nname,year\n\nBayou,1\n,\n\nLake,x\n", COLUMNS)
    assert [r.number for r in parsed.rows] == [4]
    assert errors(parsed) == [(7, "year")]
    assert parsed.total == 2


def test_required_cells_and_bad_values_name_the_row_and_column():
    parsed = parse("name,year,amount\n,5,-3\n" + "x" * 21 + ",1,1.005\n", COLUMNS)
    assert errors(parsed) == [(2, "name"), (2, "year"), (2, "amount"), (3, "name"), (3, "amount")]
    messages = [e.message for e in parsed.errors]
    assert messages[0] == "This is required."
    assert "from 1 to 4" in messages[1]
    assert "zero or more" in messages[2]
    assert "At most 20 characters" in messages[3]
    assert "whole cents" in messages[4]


def test_too_many_rows_refuses_the_file():
    body = "name,year\n" + "".join(f"S{i},1\n" for i in range(6))
    parsed = parse(body, COLUMNS, max_rows=5)
    assert errors(parsed) == [(7, "")]
    assert "more than 5 rows" in parsed.errors[0].message
    assert parse(body, COLUMNS, max_rows=6).errors == []


def test_an_empty_file_or_only_blank_rows_has_no_header():
    assert errors(parse("\n,,\n", COLUMNS)) == [(1, "")]


def test_a_broken_quote_is_an_error_not_a_crash():
    parsed = parse('name,year\n"Bayou,1\n', COLUMNS)
    assert parsed.rows == [] and parsed.errors and parsed.errors[0].row == 2


def test_control_characters_in_a_cell_are_refused():
    parsed = parse("name,year\n\"Bay\u202eou\",1\n", COLUMNS)
    assert errors(parsed) == [(2, "name")]


@pytest.mark.parametrize("raw, words", [
    (b"name,year\n\xff\xfeBayou,1\n", "not UTF-8"),
    ("name,year\nBayou,1\n".encode("utf-16"), "not UTF-8"),
    (b"name,year\nBa\x00you,1\n", "NUL"),
    (b"", "empty"),
    (b"\xef\xbb\xbf \n", "empty"),
])
def test_a_file_that_is_not_utf8_text_is_refused_with_a_clear_message(raw, words):
    with pytest.raises(FileRefused, match=words):
        decode(raw)


def test_an_upload_over_the_size_limit_is_refused_without_reading_it_all():
    stream = io.BytesIO(b"x" * 2_000)
    with pytest.raises(FileRefused, match="larger than"):
        csv_import.read_upload(stream, max_bytes=1_000)
    assert stream.tell() == 1_001
    assert csv_import.read_upload(io.BytesIO("name\nÉcole\n".encode()), max_bytes=1_000) == "name\nÉcole\n"


def test_the_parsers():
    assert fixed(2, Decimal(0), Decimal(10), what="years")("1.5") == 150
    assert fixed(1, Decimal(0), Decimal(100), what="a percentage", suffix="%")("62.5%") == 625
    for bad in ("1.555", "11", "NaN", "one", "١"):
        with pytest.raises(ValueError):
            fixed(2, Decimal(0), Decimal(10), what="years")(bad)
    assert integer(0, 100_000)("1,200") == 1200
    for bad in ("²", "1.5", "-1", "99999999999999999999"):
        with pytest.raises(ValueError):
            integer(0, 100_000)(bad)
    assert email_list()("A@x.org; b@y.org;;a@x.org") == ["a@x.org", "b@y.org"]
    with pytest.raises(ValueError, match="not an email"):
        email_list()("a@x.org, b@y.org")
    with pytest.raises(ValueError, match="At most"):
        dollars(100_00)("100.01")


def test_the_template_is_a_header_and_an_example_row():
    columns = (Column("name", text(5), example="Bayou"), Column("year", integer(1, 4), example="1"))
    assert csv_import.template_rows(columns) == [["name", "year"], ["Bayou", "1"]]


def test_errors_are_kept_to_a_readable_number():
    import json

    many = [csv_import.CellError(i, "name", "This is required.") for i in range(2, 500)]
    kept = json.loads(csv_import.errors_json(many))
    assert len(kept) == csv_import.MAX_ERRORS + 1
    assert kept[-1]["row"] is None and "298 more" in kept[-1]["message"]
