"""Finance's manual payee form: who is paid, and how (outside the portal)."""
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from incubator.core.forms import BaseForm, no_direction_overrides, strip
from incubator.grants.models import REASON_MAX
from incubator.grants.payees import NAME_MAX


class ManualPayeeForm(BaseForm):
    name = StringField(
        "Payee name", filters=[strip], render_kw={"maxlength": NAME_MAX},
        validators=[DataRequired(message="Give the payee's name."),
                    Length(max=NAME_MAX, message=f"The payee name is at most {NAME_MAX} characters.")],
        description="Who is paid, as on the check or the bank account.")
    instructions = TextAreaField(
        "How they are paid", filters=[strip], render_kw={"rows": 4, "maxlength": REASON_MAX},
        validators=[no_direction_overrides,
                    Length(max=REASON_MAX, message=f"The instructions are at most {REASON_MAX:,} characters.")],
        description="For example: wire to the school's operating account (details on file with finance). "
                    "Do not type full account numbers here.")
