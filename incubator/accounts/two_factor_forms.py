"""Forms of two-factor sign-in (2FA area)."""
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from incubator.core.forms import BaseForm, strip

CODE_HELP = "The 6 digits your authenticator app shows now."


def code_field(label="Code from your authenticator app", description=CODE_HELP):
    return StringField(label, filters=[strip], description=description, validators=[
        InputRequired(message="Type the code."), Length(max=20, message="A code is 6 digits (a recovery code 12 letters and digits).")])


class CodeForm(BaseForm):
    """A 6-digit code, or (where `allow_recovery`) one of the recovery codes."""
    code = code_field(description=CODE_HELP + " Lost your phone? Type one of your recovery codes instead.")


class SetupForm(BaseForm):
    code = code_field()


class DisableForm(BaseForm):
    code = code_field(description=CODE_HELP + " Or one of your recovery codes.")


class RegenerateForm(BaseForm):
    code = code_field()
