"""Forms of conflicts: the reviewer profile, the declaration, staff adding a conflict."""
from wtforms import RadioField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from incubator.core.errors import ValidationFailed
from incubator.core.forms import BaseForm, CsrfForm, no_direction_overrides, strip  # noqa: F401 (CsrfForm: used through this module)
from incubator.reviews import profiles, tags
from incubator.reviews.conflict_services import NOTE_MAX



class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(BaseForm):
    expertise = MultiCheckboxField("What you know well", choices=list(tags.FIXED_TAGS), validate_choice=True,
                                   description="Applications about these are offered to you first.")
    neighbourhoods = TextAreaField(
        "Neighborhoods you know", filters=[strip], render_kw={"rows": 2},
        validators=[Length(max=2000, message="At most 2,000 characters."), no_direction_overrides],
        description="Separated by commas, e.g. Treme, Gentilly, Algiers.")
    ties = TextAreaField(
        "People and organizations you are tied to", filters=[strip], render_kw={"rows": 8},
        validators=[Length(max=profiles.MAX_TIES * (profiles.MAX_TIE_LENGTH + 1),
                           message="That is far too long: list at most 100 ties."), no_direction_overrides],
        description="One per line: a name (Ann Lee, Bayou Lab), an email address (ann@bayou.org) or a domain "
                    "(bayou.org, which covers its subdomains). You are never assigned a team that matches, "
                    "and lose access at once to one you were assigned.")

    def validate_ties(self, field):
        try:
            profiles.clean_ties(field.data or "")
        except ValidationFailed as error:
            raise ValidationError(str(error)) from None

    def validate_neighbourhoods(self, field):
        try:
            profiles.clean_neighbourhoods(field.data or "")
        except ValidationFailed as error:
            raise ValidationError(str(error)) from None


class DeclarationForm(BaseForm):
    choice = RadioField("Do you have a conflict of interest with this application?", choices=[
        ("none", "I have no conflict"), ("conflict", "I have a conflict")],
        validators=[InputRequired(message="Say whether you have a conflict.")])
    note = TextAreaField("What ties you to the team (only staff read this)", filters=[strip],
                         render_kw={"rows": 3}, validators=[
                             Length(max=NOTE_MAX, message=f"At most {NOTE_MAX:,} characters."),
                             no_direction_overrides])

    def validate_note(self, field):
        if self.choice.data == "conflict" and not field.data:
            raise ValidationError("Say in a few words what ties you to this team.")


class AddConflictForm(BaseForm):
    application_id = SelectField("Application", coerce=str, validate_choice=True,
                                 validators=[InputRequired(message="Choose an application.")])
    reviewer_id = SelectField("Reviewer", coerce=str, validate_choice=True,
                              validators=[InputRequired(message="Choose a reviewer.")])
    note = TextAreaField("Note", filters=[strip], render_kw={"rows": 2}, validators=[
        Length(max=NOTE_MAX, message=f"At most {NOTE_MAX:,} characters."), no_direction_overrides],
        description="Why they may not review it (reviewers never see this).")
