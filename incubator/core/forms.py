"""Form base: every form refuses control characters (NUL breaks PostgreSQL text).

Single-line fields also refuse line breaks (they end up in mail headers and
table cells) and the Unicode bidirectional overrides that make text display in
a different order than it was typed (a classic way to disguise a name).
"""
import re
from datetime import date

from flask import request
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAK_OR_BIDI = re.compile(r"[\r\n\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def no_control_characters(form, field):
    if isinstance(field.data, str) and _CONTROL.search(field.data):
        raise ValidationError("This contains characters that are not allowed (control characters).")


def single_line(form, field):
    if isinstance(field.data, str) and _LINE_BREAK_OR_BIDI.search(field.data):
        raise ValidationError("This must be one line of plain text, without line breaks or direction overrides.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def no_direction_overrides(form, field):
    """For multi-line text (a rationale, a note): line breaks are fine; text shown in another
    order than typed is not."""
    if isinstance(field.data, str) and _BIDI.search(field.data):
        raise ValidationError("This contains direction overrides, which are not allowed.")


def has_control_characters(value: str) -> bool:
    return bool(_CONTROL.search(value) or _LINE_BREAK_OR_BIDI.search(value))


def is_plain_id(text: str | None, max_digits: int = 9) -> bool:
    """ASCII digits only, short enough for an integer column: "²" and "١" pass str.isdigit()
    but int() refuses or reinterprets them."""
    return bool(text) and len(text) <= max_digits and text.isascii() and text.isdigit()


def query_arg(name: str, max_length: int = 200) -> str:
    """A search or filter value from the query string, stripped; '' when it is hostile.

    Filters are read-only, so a value that cannot match anything (control
    characters, which PostgreSQL refuses in text) is simply dropped.
    """
    value = (request.args.get(name) or "").strip()[:max_length]
    return "" if has_control_characters(value) else value


class BaseForm(FlaskForm):
    def validate(self, extra_validators=None):
        extra = dict(extra_validators or {})
        for name, field in self._fields.items():
            if isinstance(field, (StringField, TextAreaField)):
                extra.setdefault(name, []).append(no_control_characters)
            if isinstance(field, StringField) and not isinstance(field, TextAreaField):
                extra.setdefault(name, []).append(single_line)
        return super().validate(extra_validators=extra)



class CsrfForm(BaseForm):
    """Only the CSRF token: for buttons (remove, move, reset) posted on their own."""


class LocalDateField(DateField):
    """A day a person types (a local date, e.g. in the organisation's timezone), with a message
    they can act on for text that is no date, and years outside 1900-2999."""

    def __init__(self, *args, message: str = "Enter a date like 2027-01-04.", **kwargs):
        super().__init__(*args, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist and len(valuelist[0] or "") > 40:
            self.data = None
            raise ValueError(self.message)
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.message) from None

    def pre_validate(self, form):
        if isinstance(self.data, date) and not 1900 <= self.data.year <= 2999:
            raise ValidationError("Enter a date between the years 1900 and 2999.")


class WholeNumberField(IntegerField):
    """An integer of ASCII digits (int() would also take "١٢" or " 12 "), signed only where
    `signed`, with a plain message for "abc", "1.5" or a number too long to mean anything."""

    def __init__(self, *args, message: str = "Enter a whole number.", signed: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.message, self.signed = message, signed

    def process_formdata(self, valuelist):
        self.is_malformed = False
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        text = valuelist[0].strip()
        sign, digits = (text[0], text[1:]) if self.signed and text[0] in "+-" else ("", text)
        if not is_plain_id(digits, max_digits=9):
            self.data, self.is_malformed = None, True
            return
        self.data = int(sign + digits)

    def pre_validate(self, form):
        if getattr(self, "is_malformed", False):
            raise StopValidation(self.message)
