"""Forms of the release views (finance area): cancelling a tranche (a reason) and recording an
outside payment (its reference). The buttons (request, approve, retry, close) post a bare
CsrfForm with the version of the tranche the page showed."""
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from incubator.core.forms import BaseForm, CsrfForm, no_direction_overrides, strip
from incubator.grants.models import REASON_MAX
from incubator.grants.release import REFERENCE_MAX


def one_kind_of_line_break(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class VersionForm(CsrfForm):
    """A button: CSRF and the version the page showed (stale pages are refused)."""
    version = HiddenField()


class CancelForm(BaseForm):
    reason = TextAreaField(
        "Why is this tranche canceled?", filters=[one_kind_of_line_break, strip],
        render_kw={"rows": 3, "maxlength": REASON_MAX},
        validators=[DataRequired(message="Say why the tranche is canceled."), no_direction_overrides,
                    Length(max=REASON_MAX, message=f"The reason is at most {REASON_MAX:,} characters.")],
        description="Recorded on the grant's history. Cancelling cannot be undone.")
    version = HiddenField()


class PaymentForm(BaseForm):
    reference = StringField(
        "Payment reference", filters=[strip], render_kw={"maxlength": REFERENCE_MAX, "autocomplete": "off"},
        validators=[DataRequired(message="Enter the payment's reference (a check number, a bank transfer id)."),
                    Length(max=REFERENCE_MAX, message=f"The reference is at most {REFERENCE_MAX} characters.")],
        description="The check number or bank transfer id of the payment you made outside the portal.")
    version = HiddenField()
