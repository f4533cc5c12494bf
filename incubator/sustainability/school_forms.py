"""Forms of the schools area: a school's record, inviting a reporter (buttons use core.forms.CsrfForm)."""
from wtforms import EmailField, IntegerField, SelectField, StringField
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from incubator.core.forms import BaseForm, strip
from incubator.incubation.models import TITLE_MAX
from incubator.sustainability.models import MAX_ENROLLMENT
from incubator.sustainability.schools import OPENING_YEAR_MAX, OPENING_YEAR_MIN

GRADES_MAX = 40


class SchoolForm(BaseForm):
    name = StringField("School name", filters=[strip], validators=[
        InputRequired(message="Give the school a name."),
        Length(max=TITLE_MAX, message=f"A school's name is at most {TITLE_MAX} characters.")])
    grades = StringField("Grades served", filters=[strip], description="For example K-5 or 6-8.", validators=[
        Optional(), Length(max=GRADES_MAX, message=f"Grades are at most {GRADES_MAX} characters.")])
    opening_year = IntegerField(
        "Opening year", description="The calendar year the school opens: its year 1 starts that fall.",
        validators=[InputRequired(message="Enter the year the school opens."),
                    NumberRange(min=OPENING_YEAR_MIN, max=OPENING_YEAR_MAX,
                                message=f"Enter a year between {OPENING_YEAR_MIN} and {OPENING_YEAR_MAX}.")])
    target_enrollment = IntegerField(
        "Target enrollment (optional)", description="Students the school plans to serve at full size.",
        validators=[Optional(), NumberRange(min=1, max=MAX_ENROLLMENT,
                                            message=f"Enter a number of students from 1 to {MAX_ENROLLMENT:,}.")])


class NewSchoolForm(SchoolForm):
    application_id = SelectField(
        "From a school-transition grant (optional)", validate_choice=True, default="",
        description="A selected application to a school-transition challenge: its team will report for the "
                    "school.")

    def set_applications(self, applications) -> None:
        self.application_id.choices = [("", "None: a school added directly")] + [
            (str(a.id), f"{a.school_name or a.team.name} ({a.challenge.title})") for a in applications]

    @property
    def chosen_application_id(self) -> int | None:
        return int(self.application_id.data) if self.application_id.data else None


class InviteReporterForm(BaseForm):
    email = EmailField("Email of the person who will report", filters=[strip], validators=[
        InputRequired(message="Enter an email address."),
        Length(max=320, message="An email address is at most 320 characters."),
        Email(message="Enter an email address like name@example.org.", check_deliverability=False)])

