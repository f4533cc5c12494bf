"""The grantee lead's forms: accept the offer (full name, the agreement, the letter's SHA-256),
decline it (an optional reason)."""
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from incubator.core.forms import BaseForm, no_direction_overrides, strip
from incubator.grants.acceptance import NAME_MAX
from incubator.grants.models import REASON_MAX


class AcceptForm(BaseForm):
    full_name = StringField(
        "Type your full name", filters=[strip], render_kw={"maxlength": NAME_MAX, "autocomplete": "name"},
        validators=[DataRequired(message="Type your full name to accept."),
                    Length(max=NAME_MAX, message=f"Your full name is at most {NAME_MAX} characters.")],
        description="As you would sign it. It is recorded with the time and the letter you accepted.")
    agree = BooleanField(validators=[DataRequired(message="Tick the box to accept the award letter.")])
    # The SHA-256 of the letter the page linked to: accepting a letter that changed since is refused.
    letter_sha256 = HiddenField()

    def __init__(self, *args, grantee: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.agree.label.text = f"I have read the award letter and accept it on behalf of {grantee}"


class DeclineForm(BaseForm):
    reason = TextAreaField(
        "Reason (optional)", filters=[strip], render_kw={"rows": 4, "maxlength": REASON_MAX},
        validators=[no_direction_overrides,
                    Length(max=REASON_MAX, message=f"The reason is at most {REASON_MAX:,} characters.")],
        description="The program staff read it.")
