from email_validator import EmailNotValidError, validate_email
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from incubator.accounts import timezones
from incubator.accounts.models import Role
from incubator.core.forms import BaseForm, strip
from incubator.core.timeutil import is_valid_timezone

PASSWORD_RULES = [InputRequired(), Length(min=12, max=256, message="Use between 12 and 256 characters.")]


def mailable_address(form, field):
    """An address our mail can reach: ASCII before the @; an international domain becomes its
    ASCII (punycode) form, so one mailbox is one account and every SMTP server accepts it."""
    if not field.data or len(field.data) > 320:
        return
    try:
        result = validate_email(field.data, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise ValidationError(f"Enter an email address like name@example.org. ({error})") from None
    field.data = result.ascii_email


def canonical_email(text: str) -> str:
    """The address as it is stored (lower-case, ASCII domain), for counting limits per recipient;
    the trimmed, lower-cased text when it is not an address at all."""
    text = (text or "").strip()[:320]
    try:
        text = validate_email(text, check_deliverability=False, allow_smtputf8=False).ascii_email
    except EmailNotValidError:
        pass
    return text.lower()


def email_field(label="Email"):
    return EmailField(label, filters=[strip], validators=[
        InputRequired(), Length(max=320, message="An email address is at most 320 characters."), mailable_address])


class RegisterForm(BaseForm):
    name = StringField("Your name", filters=[strip], validators=[Length(max=120)])
    email = email_field()
    password = PasswordField("Password", validators=PASSWORD_RULES, description="At least 12 characters.")
    confirm = PasswordField("Repeat the password", validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")])


class SignInForm(BaseForm):
    email = email_field()
    password = PasswordField("Password", validators=[InputRequired(), Length(max=256, message="Passwords are at most 256 characters.")])


class ForgotPasswordForm(BaseForm):
    email = email_field()


class ResendConfirmationForm(BaseForm):
    pass


class ResetPasswordForm(BaseForm):
    password = PasswordField("New password", validators=PASSWORD_RULES, description="At least 12 characters.")
    confirm = PasswordField("Repeat the new password", validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")])


class ChangePasswordForm(BaseForm):
    current = PasswordField("Current password", validators=[InputRequired(), Length(max=256)])
    password = PasswordField("New password", validators=PASSWORD_RULES, description="At least 12 characters.")
    confirm = PasswordField("Repeat the new password", validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")])


class ProfileForm(BaseForm):
    name = StringField("Your name", filters=[strip], validators=[Length(max=120, message="A name is at most 120 characters.")],
                       description="Shown to your team, to program staff and in mail. Leave it empty to show your email address.")


class EmailChangeForm(BaseForm):
    email = email_field("New email address")
    password = PasswordField("Your password", validators=[InputRequired(), Length(max=256)],
                             description="To make sure it is you.")


class OrganisationForm(BaseForm):
    name = StringField("Name", filters=[strip], validators=[InputRequired(), Length(max=200)])
    slug = StringField("URL slug", filters=[strip], validators=[InputRequired(), Length(max=80)],
                       description="Lower-case letters, digits and hyphens, e.g. nsno.")
    timezone = SelectField("Timezone", default="America/Chicago", validators=[InputRequired()],
                           description="Deadlines and dates are shown in this timezone. "
                                       "US zones come first; type a city's name to jump to it.")
    contact_name = StringField("Program team contact name", filters=[strip], validators=[
        Length(max=120, message="A contact name is at most 120 characters.")],
        description="For example “NSNO Program Team”. Shown with the address below.")
    contact_email = EmailField("Program team contact email", filters=[strip], validators=[
        Optional(), Length(max=320, message="An email address is at most 320 characters."), mailable_address],
        description="Replies to mail sent for this organization go here, and applicants are told to "
                    "write to it. Leave it empty and replies go nowhere.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = dict(timezones.grouped_choices())
        current = kwargs.get("obj") and kwargs["obj"].timezone
        if current and not timezones.offered(current) and is_valid_timezone(current):
            # A zone chosen before the list was trimmed (an alias, say) stays selectable.
            choices = {"Current": [(current, current)], **choices}
        self.timezone.choices = choices

    def validate_timezone(self, field):
        if not is_valid_timezone(field.data or ""):
            raise ValidationError("Choose a timezone such as America/Chicago or America/New_York.")


ROLE_CHOICES = [SelectChoice(role.value, role.label) for role in Role]


class InvitationForm(BaseForm):
    email = email_field("Email of the person to invite")
    role = SelectField("Role", choices=ROLE_CHOICES, validators=[InputRequired()])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class RolesForm(BaseForm):
    roles = MultiCheckboxField("Roles", choices=ROLE_CHOICES)


class ConfirmForm(BaseForm):
    """An empty form: a POST with a CSRF token, for buttons."""
    confirm = BooleanField("I understand")


class ActivationForm(ConfirmForm):
    active = SelectField("Active", choices=[SelectChoice("0", "Deactivate"), SelectChoice("1", "Reactivate")], validators=[InputRequired()])
