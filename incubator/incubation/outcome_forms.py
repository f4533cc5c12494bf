"""The outcome form: staff's recommendation for a team at the end of its cohort."""
from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from incubator.core.forms import BaseForm, is_plain_id, no_direction_overrides, strip
from incubator.incubation.outcomes import RATIONALE_MAX
from incubator.incubation.states import IncubationOutcome



def one_kind_of_line_break(value):
    # Browsers send \r\n but count one character per line break (the maxlength the page sets).
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class OutcomeForm(BaseForm):
    outcome = RadioField("Outcome", choices=[(o.value, o.label) for o in IncubationOutcome],
                         validators=[InputRequired(message="Choose one of the three outcomes.")])
    opening_year = SelectField("Planned opening year", validate_choice=False,
                               description="Needed when the team is recommended to launch.")
    rationale = TextAreaField(
        "Rationale", filters=[one_kind_of_line_break, strip], render_kw={"rows": 8, "maxlength": RATIONALE_MAX},
        validators=[DataRequired(message="Give the rationale for the outcome."), no_direction_overrides,
                    Length(max=RATIONALE_MAX, message=f"The rationale is at most {RATIONALE_MAX:,} characters.")],
        description=f"Up to {RATIONALE_MAX:,} characters. The team reads it in the email "
                    "(unless your organization's wording leaves out {rationale}).")
    confirm_remove_school = BooleanField("Yes, remove the school record")
    # The version the page showed: recording from a stale page is refused with what happened.
    version = HiddenField()

    def __init__(self, *args, years: range, **kwargs):
        super().__init__(*args, **kwargs)
        self.years = years
        self.opening_year.choices = [("", "Choose a year")] + [(str(y), str(y)) for y in years]

    def validate_opening_year(self, field):
        if self.outcome.data != IncubationOutcome.launch.value:
            return
        value = (field.data or "").strip()
        if not value:
            raise ValidationError("Choose the planned opening year: a team recommended to launch needs one.")
        if not is_plain_id(value, 4) or int(value) not in self.years:
            raise ValidationError(f"Choose a year from {self.years[0]} to {self.years[-1]}.")

    def validate_version(self, field):
        if not is_plain_id(field.data):
            raise ValidationError("The form is out of date. Reload the page.")

    @property
    def year(self) -> int | None:
        value = (self.opening_year.data or "").strip()
        return int(value) if is_plain_id(value, 4) else None
