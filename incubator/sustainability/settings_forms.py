"""The sustainability settings form (portfolio area): the glide path (percent of operating
expenses covered by public revenue in years 1-4), the city's public-school enrollment (for the
market share) and the day each year's report is due after its fiscal year ends."""
import calendar

from wtforms import BooleanField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from incubator.core.forms import BaseForm, WholeNumberField

GLIDE_MIN, GLIDE_MAX = 1, 200
CITY_MAX = 10_000_000  # more public-school students than any city has: a typo
MONTHS = [(str(n), calendar.month_name[n]) for n in range(1, 13)]
GLIDE_FIELDS = ("glide_year_1", "glide_year_2", "glide_year_3", "glide_year_4")


def _glide(year: int) -> WholeNumberField:
    return WholeNumberField(
        f"Year {year} (%)", signed=False, message=f"Enter year {year}'s target as a whole percent, like 80.",
        validators=[InputRequired(message=f"Give year {year}'s target."),
                    NumberRange(GLIDE_MIN, GLIDE_MAX, message=f"Enter a percent from {GLIDE_MIN} to {GLIDE_MAX}.")],
        render_kw={"inputmode": "numeric", "maxlength": 3})


class SettingsForm(BaseForm):
    glide_year_1 = _glide(1)
    glide_year_2 = _glide(2)
    glide_year_3 = _glide(3)
    glide_year_4 = _glide(4)
    allow_falling = BooleanField("Keep a glide path that falls from one year to the next")
    city_enrollment = WholeNumberField(
        "City public-school enrollment", signed=False,
        message="Enter the number of students as a whole number, like 44900.",
        description="All public-school students in the city (New Orleans: 44,900), for the portfolio's market "
                    "share. Leave it empty if you do not know it.",
        validators=[Optional(), NumberRange(1, CITY_MAX, message=f"Enter a number from 1 to {CITY_MAX:,}.")],
        render_kw={"inputmode": "numeric", "maxlength": 9})
    report_due_month = SelectField("Month", choices=MONTHS, validators=[InputRequired(message="Choose a month.")])
    report_due_day = WholeNumberField(
        "Day", signed=False, message="Enter the day as a whole number, like 31.",
        validators=[InputRequired(message="Give the day."), NumberRange(1, 31, message="Enter a day from 1 to 31.")],
        render_kw={"inputmode": "numeric", "maxlength": 2})

    def glide_path(self) -> tuple[int, ...]:
        return tuple(self[name].data for name in GLIDE_FIELDS)

    def validate_report_due_day(self, field):
        month = self.report_due_month.data
        if field.data is None or month not in dict(MONTHS):
            return
        # 29 February is allowed: in other years the report is due on the 28th (dates.due_on).
        last = calendar.monthrange(2024, int(month))[1]
        if field.data > last:
            raise ValidationError(f"{calendar.month_name[int(month)]} has {last} days.")

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        path = self.glide_path()
        falls = [year for year in (2, 3, 4) if path[year - 1] < path[year - 2]]
        if falls and not self.allow_falling.data:
            year = falls[0]
            self[f"glide_year_{year}"].errors.append(
                f"Year {year} ({path[year - 1]}%) is below year {year - 1} ({path[year - 2]}%). A glide path "
                "usually rises to 100%; tick the box below to keep it anyway.")
            return False
        return True
