"""Forms of the cohorts area: a new cohort, its settings, a team leaving, due dates, the template.
The services check everything again; the forms give the messages beside the fields."""
from wtforms import BooleanField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from incubator.core.forms import BaseForm, LocalDateField, WholeNumberField, is_plain_id, strip
from incubator.incubation.cohorts import REASON_MAX
from incubator.incubation.dates import MAX_SHIFT_DAYS
from incubator.incubation.models import TEXT_MAX, TITLE_MAX
from incubator.incubation.states import MilestoneKind
from incubator.incubation.template_admin import MAX_OFFSET_DAYS, MAX_SESSIONS

DATE_HELP = "A date like 2027-01-04, in the organization's timezone."


class IdCheckboxes(SelectMultipleField):
    """Checkboxes of ids among the choices shown; anything else is refused with a plain message."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, refused: str = "Choose among the options shown.", **kwargs):
        super().__init__(*args, coerce=int, **kwargs)
        self.refused = refused

    def process_formdata(self, valuelist):
        self.data = []
        bad = False
        for value in valuelist:
            if is_plain_id(value):
                self.data.append(int(value))
            else:
                bad = True
        if bad:
            raise ValueError(self.refused)

    def pre_validate(self, form):
        allowed = {value for value, _label in self.choices or []}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(self.refused)


def _name_field():
    return StringField("Name", filters=[strip], validators=[
        InputRequired(message="Name the cohort, e.g. Spring 2027 cohort."),
        Length(max=TITLE_MAX, message=f"A cohort's name is at most {TITLE_MAX} characters.")],
        description="Teams, coaches and staff see it, e.g. Spring 2027 cohort.")


def _length_field():
    return WholeNumberField("Length in months", default=6, message="Enter the length as a whole number of months.",
                            validators=[InputRequired(message="Enter the length in months."),
                                        NumberRange(min=1, max=36, message="A cohort lasts from 1 to 36 months.")],
                            description="Six months by default.")


class NewCohortForm(BaseForm):
    name = _name_field()
    starts_on = LocalDateField("Start date", validators=[InputRequired(message="Enter the start date.")],
                               description=DATE_HELP + " Each milestone is due a number of days after it.")
    length_months = _length_field()
    application_ids = IdCheckboxes("Teams", refused="Choose among the selected teams shown.")
    coach_ids = IdCheckboxes("Coaches", refused="Choose among the coaches shown: coaches and program staff "
                                                "of the organization.",
                             description="People with the coach or program-staff role in the organization.")

    def validate_application_ids(self, field):
        if not field.data:
            raise ValidationError("Choose at least one selected team for the cohort.")


class CohortSettingsForm(BaseForm):
    name = _name_field()
    length_months = _length_field()


class CoachesForm(BaseForm):
    coach_ids = IdCheckboxes("Coaches", refused="Choose among the coaches shown: coaches and program staff "
                                                "of the organization.",
                             description="Clearing a box removes that person from the cohort: they no longer see it.")


class AddTeamForm(BaseForm):
    application_id = SelectField("Selected team", coerce=str, validate_choice=False,
                                 validators=[InputRequired(message="Choose a selected team.")])

    def validate_application_id(self, field):
        allowed = {value for value, _label in self.application_id.choices or []}
        if field.data not in allowed:
            raise ValidationError("Choose among the selected teams shown.")


class LeaveForm(BaseForm):
    reason = TextAreaField("Why does the team leave?", filters=[strip], validators=[
        InputRequired(message="Say why the team leaves the cohort: staff will read it later."),
        Length(max=REASON_MAX, message=f"The reason is at most {REASON_MAX:,} characters.")],
        description="Kept with the team's record and in the audit trail. The team is not emailed.",
        render_kw={"rows": 4})
    version = HiddenField()


class ShiftForm(BaseForm):
    days = WholeNumberField("Shift by (days)", message="Enter a whole number of days, like 7 or -3.", validators=[
        InputRequired(message="Enter the number of days."),
        NumberRange(min=-MAX_SHIFT_DAYS, max=MAX_SHIFT_DAYS,
                    message=f"Shift by at most {MAX_SHIFT_DAYS} days either way.")],
        description="Positive moves the dates later, negative earlier. Approved milestones stay as they are.")
    stamp = HiddenField()

    def validate_days(self, field):
        if field.data == 0:
            raise ValidationError("A shift of 0 days changes nothing: enter a number of days.")


class DueDateForm(BaseForm):
    due_on = LocalDateField("New due date", validators=[InputRequired(message="Enter the new due date.")])
    was = HiddenField()


class TemplateItemForm(BaseForm):
    title = StringField("Title", filters=[strip], validators=[
        InputRequired(message="Give the milestone a title, e.g. Prototype pilot."),
        Length(max=TITLE_MAX, message=f"A title is at most {TITLE_MAX} characters.")])
    guidance = TextAreaField("Guidance for the team", filters=[strip], validators=[
        Length(max=TEXT_MAX, message=f"At most {TEXT_MAX:,} characters.")], render_kw={"rows": 4})
    evidence_needed = TextAreaField("Evidence it needs", filters=[strip], validators=[
        Length(max=TEXT_MAX, message=f"At most {TEXT_MAX:,} characters.")], render_kw={"rows": 3},
        description="What the team hands in: documents, links, a summary.")
    due_offset_days = WholeNumberField("Due (days after the cohort starts)", default=0,
                                       message="Enter a whole number of days.", validators=[
        InputRequired(message="Enter the number of days after the start."),
        NumberRange(min=0, max=MAX_OFFSET_DAYS, message=f"From 0 to {MAX_OFFSET_DAYS:,} days.")],
        description="180 days is about six months.")
    required_for_launch = BooleanField("Required for the launch recommendation", default=True)
    kind = SelectField("What it checks before the team can submit",
                       choices=[(k.value, k.label) for k in MilestoneKind], default=MilestoneKind.standard.value,
                       validate_choice=True)
    required_sessions = WholeNumberField("Coaching sessions needed", message="Enter a whole number of sessions.",
                                         description="Only for a coaching milestone.")

    def validate_required_sessions(self, field):
        if self.kind.data != MilestoneKind.coaching.value:
            field.data = None  # only a coaching milestone counts sessions
        elif field.data is None:
            raise ValidationError("A coaching milestone needs the number of logged sessions.")
        elif not 1 <= field.data <= MAX_SESSIONS:
            raise ValidationError(f"From 1 to {MAX_SESSIONS} sessions.")
