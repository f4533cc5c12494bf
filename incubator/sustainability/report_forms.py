"""Forms of annual reports (reports area): the year's figures (money typed in dollars, stored in
cents; enrollment in students; growth in years, stored in hundredths; college-ready in percent,
stored in tenths of a percent), finance's return comment and a correction's reason.

Every figure may be left empty in a draft; submitting needs models.REQUIRED_FIELDS (checked by
the service, shown per field by the view)."""
import re
from decimal import Decimal

from wtforms import Field, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation
from wtforms.widgets import TextInput

from incubator.core.forms import BaseForm, CsrfForm, WholeNumberField, no_direction_overrides, strip
from incubator.core.money import format_cents
from incubator.sustainability.models import (COMMENT_MAX, MAX_CENTS, MAX_ENROLLMENT, MONEY_FIELDS, REASON_MAX,
                                               REQUIRED_FIELDS)

# 1,500,000.00 or 1500000 or $2,500.5 (ASCII digits only: "١٢" and "²" are not amounts).
_NUMBER = re.compile(r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+", re.ASCII)
MAX_TEXT = 40


def one_kind_of_line_break(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def parse_decimal(text: str | None, *, unit: str, example: str) -> Decimal | None:
    """A typed non-negative number, or None for an empty field. :raises ValueError: a message."""
    cleaned = (text or "").strip()
    if not cleaned:
        return None
    if len(cleaned) > MAX_TEXT:
        raise ValueError(f"Enter {unit}, like {example}.")
    if cleaned.startswith("-"):
        raise ValueError("Enter zero or more: this figure cannot be negative.")
    cleaned = cleaned.removeprefix("$").strip().removesuffix("%").strip()
    if not _NUMBER.fullmatch(cleaned):
        raise ValueError(f"Enter {unit}, like {example}.")
    return Decimal(cleaned.replace(",", ""))


class ScaledField(Field):
    """A decimal typed by a person, stored as an integer: `scale` units of the stored value per
    unit typed (100 for dollars -> cents), at most `maximum` stored units."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, scale: int, maximum: int, unit: str, example: str,
                 fraction_message: str, too_large: str, is_money: bool = False, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("inputmode", "decimal")
        kwargs["render_kw"].setdefault("maxlength", MAX_TEXT)
        super().__init__(label, validators, **kwargs)
        self.scale, self.maximum, self.unit, self.example = scale, maximum, unit, example
        self.fraction_message, self.too_large = fraction_message, too_large
        self.raw, self.problem, self.is_money = "", None, is_money

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "") or ""
        self.problem, self.data = None, None
        try:
            amount = parse_decimal(self.raw, unit=self.unit, example=self.example)
        except ValueError as error:
            self.problem = str(error)
            return
        if amount is None:
            return
        scaled = amount * self.scale
        if scaled != scaled.to_integral_value():
            self.problem = self.fraction_message
        elif scaled > self.maximum:
            self.problem = self.too_large
        else:
            self.data = int(scaled)

    def pre_validate(self, form):
        if self.problem:
            raise StopValidation(self.problem)

    def _value(self):
        if self.raw:
            return self.raw[:MAX_TEXT * 2]
        if self.data is None:
            return ""
        return self.shown(self.data)

    def shown(self, stored: int) -> str:
        if self.is_money:
            return format_cents(stored).removeprefix("$")
        return str(Decimal(stored) / self.scale)


def dollars(label: str, description: str = "") -> ScaledField:
    return ScaledField(label, scale=100, maximum=MAX_CENTS, unit="an amount in dollars", example="1,500,000.00",
                       fraction_message="Amounts are in whole cents (at most two decimals).",
                       too_large=f"That is more than {format_cents(MAX_CENTS)}: check the figure.", is_money=True,
                       description=description)


class ReportForm(BaseForm):
    fiscal_year = WholeNumberField("Fiscal year (the calendar year it ends in)", signed=False,
                                   message="Enter a year like 2026.", render_kw={"inputmode": "numeric"},
                                   description="2026 is the fiscal year July 2025 to June 2026.")
    budgeted_enrollment = WholeNumberField("Budgeted enrollment", signed=False, message="Enter a number of students.",
                                           render_kw={"inputmode": "numeric"},
                                           description="The number of students the budget was built on.")
    actual_enrollment = WholeNumberField("Actual enrollment (October count)", signed=False,
                                         message="Enter a number of students.", render_kw={"inputmode": "numeric"})
    public_state_local = dollars("Public revenue: state and local", "Per-pupil funding from the state and city.")
    public_federal = dollars("Public revenue: federal", "Title I, IDEA and other federal funding.")
    philanthropic = dollars("Philanthropic revenue", "Grants and gifts (including the coalition's).")
    other_revenue = dollars("Other revenue")
    operating_expenses = dollars("Operating expenses")
    total_expenses = dollars("Total expenses")
    unrestricted_cash = dollars("Unrestricted cash", "At the end of the fiscal year.")
    current_assets = dollars("Current assets")
    current_liabilities = dollars("Current liabilities")
    math_growth = ScaledField("Average growth in math (years)", scale=100, maximum=2_000, unit="a number of years",
                              example="1.35", fraction_message="Give the growth to two decimals at most, like 1.35.",
                              too_large="Enter at most 20 years of growth.",
                              description="Optional. 1.0 is a year's growth in a year; the target is 1.5.")
    ela_growth = ScaledField("Average growth in ELA (years)", scale=100, maximum=2_000, unit="a number of years",
                             example="1.35", fraction_message="Give the growth to two decimals at most, like 1.35.",
                             too_large="Enter at most 20 years of growth.", description="Optional. The target is 1.5.")
    college_ready = ScaledField("Students meeting college-readiness benchmarks (%)", scale=10, maximum=1_000,
                                unit="a percentage", example="62.5",
                                fraction_message="Give the percentage to one decimal at most, like 62.5.",
                                too_large="Enter a percentage from 0 to 100.",
                                description="Optional. The target is 80%.")
    version = HiddenField()

    # form field -> AnnualReport column
    COLUMNS = {"fiscal_year": "fiscal_year", "budgeted_enrollment": "budgeted_enrollment",
               "actual_enrollment": "actual_enrollment",
               **{name.removesuffix("_cents"): name for name in MONEY_FIELDS},
               "math_growth": "math_growth_hundredths", "ela_growth": "ela_growth_hundredths",
               "college_ready": "college_ready_permille"}
    FIELD_OF = {column: field for field, column in COLUMNS.items()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for column in REQUIRED_FIELDS:  # marked (the form has novalidate: a draft may lack them)
            self[self.FIELD_OF[column]].flags.required = True

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        year = self.fiscal_year.data
        if year is not None and not 1990 <= year <= 2200 and not self.fiscal_year.errors:
            self.fiscal_year.errors = [*self.fiscal_year.errors, "Enter a year between 1990 and 2200."]
            ok = False
        for f in (self.budgeted_enrollment, self.actual_enrollment):
            if f.data is not None and f.data > MAX_ENROLLMENT and not f.errors:
                f.errors = [*f.errors, f"Enter at most {MAX_ENROLLMENT:,} students."]
                ok = False
        return ok

    def values(self) -> dict:
        """The figures typed, by AnnualReport column (None where left empty)."""
        return {column: self[field].data for field, column in self.COLUMNS.items()}

    def fill(self, figures: dict) -> None:
        for column, value in figures.items():
            if column in self.FIELD_OF:
                self[self.FIELD_OF[column]].data = value

    def show_missing(self, columns: list[str]) -> None:
        for column in columns:
            f = self[self.FIELD_OF[column]]
            f.errors = [*(f.errors or []), "Required to submit."]


class VersionForm(CsrfForm):
    """A button (submit, verify): CSRF and the version of the report the page showed."""
    version = HiddenField()


class ReturnForm(BaseForm):
    comment = TextAreaField(
        "What needs to change?", filters=[one_kind_of_line_break, strip],
        render_kw={"rows": 4, "maxlength": COMMENT_MAX},
        validators=[DataRequired(message="Say what needs to change: the school sees your comment."),
                    no_direction_overrides,
                    Length(max=COMMENT_MAX, message=f"The comment is at most {COMMENT_MAX:,} characters.")],
        description="The school's reporters see this at the top of the report and by email.")
    version = HiddenField()


class CorrectionForm(BaseForm):
    reason = TextAreaField(
        "Why do the figures need correcting?", filters=[one_kind_of_line_break, strip],
        render_kw={"rows": 3, "maxlength": REASON_MAX},
        validators=[DataRequired(message="Say why the figures need correcting."), no_direction_overrides,
                    Length(max=REASON_MAX, message=f"The reason is at most {REASON_MAX:,} characters.")],
        description="Kept with the new revision. The verified figures still count until the correction is verified.")
