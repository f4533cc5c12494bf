"""The offer form (offers area): kind, amount in dollars, terms, expiry, and up to 12 tranche
rows (amount, condition, date, milestone). The form checks each field's shape; the rules that
need the database (the sum, the pool, the grantee, the milestone's organisation) are the
service's (offers.offer_grant), whose message the page shows."""
from wtforms import FieldList, FormField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from incubator.core.errors import ValidationFailed
from incubator.core.forms import BaseForm, LocalDateField, is_plain_id, no_direction_overrides, strip
from incubator.core.money import parse_dollars
from incubator.grants.models import MAX_TRANCHES, REASON_MAX, TERMS_MAX
from incubator.grants.states import DueCondition, GrantKind

AMOUNT_MAX_LENGTH = 20


def one_kind_of_line_break(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _cents(field) -> int | None:
    text = (field.data or "").strip()
    if not text:
        return None
    if len(text) > AMOUNT_MAX_LENGTH:
        raise ValidationError("That amount is too large.")
    try:
        return parse_dollars(text)
    except ValidationFailed as error:
        raise ValidationError(str(error)) from None


class TrancheRow(BaseForm):
    """One row of the schedule; a row without an amount is left out."""

    class Meta:
        csrf = False

    amount = StringField("Amount ($)", filters=[strip], render_kw={"inputmode": "decimal", "maxlength": 20})
    condition = SelectField("Due", choices=[(c.value, c.label) for c in DueCondition],
                            default=DueCondition.on_acceptance.value)
    due_on = LocalDateField("Date", validators=[Optional()])
    milestone = SelectField("Milestone", validate_choice=False)

    @property
    def is_blank(self) -> bool:
        return not (self.amount.data or "").strip()

    def validate_amount(self, field):
        self.cents = _cents(field)
        if self.cents is not None and self.cents <= 0:
            raise ValidationError("A tranche is more than $0.")

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        # After the fields' own checks (Optional() stops a blank date's chain): a dated row needs its date.
        if (not self.is_blank and self.condition.data == DueCondition.on_date.value and self.due_on.data is None
                and not self.due_on.errors):
            self.due_on.errors = [*self.due_on.errors, "Give the date this tranche becomes due."]
            ok = False
        return ok

    def validate_milestone(self, field):
        value = (field.data or "").strip()
        if self.is_blank or self.condition.data != DueCondition.on_milestone.value:
            return
        if not value:
            raise ValidationError("Choose the milestone whose approval makes this tranche due.")
        if not is_plain_id(value):
            raise ValidationError("Choose a milestone from the list.")


class OfferForm(BaseForm):
    kind = SelectField("Kind of grant", validate_choice=True)
    amount = StringField("Amount ($)", filters=[strip], validators=[DataRequired(message="Give the grant's amount.")],
                         render_kw={"inputmode": "decimal", "maxlength": 20},
                         description="In US dollars, like 100000 or 2500.50.")
    terms = TextAreaField(
        "Terms", filters=[one_kind_of_line_break, strip], render_kw={"rows": 12, "maxlength": TERMS_MAX},
        validators=[DataRequired(message="Write the terms of the grant."), no_direction_overrides,
                    Length(max=TERMS_MAX, message=f"The terms are at most {TERMS_MAX:,} characters.")],
        description=f"Markdown: **bold**, *italic*, lists, links. Up to {TERMS_MAX:,} characters. "
                    "They are printed in the award letter the grantee accepts.")
    expires_on = LocalDateField("Offer expires on", validators=[InputRequired(message="Give the expiry date.")],
                                description="The last day the grantee can accept (your organization's timezone).")
    # One more than allowed is read, so 13 rows are refused by name rather than cut to 12.
    tranches = FieldList(FormField(TrancheRow), min_entries=1, max_entries=MAX_TRANCHES + 1)

    def __init__(self, *args, kinds: list[GrantKind], milestones: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in kinds]
        choices = [("", "Choose a milestone")] + [(str(m.id), m.title) for m in milestones]
        for row in self.tranches:
            row.form.milestone.choices = choices
        self._milestone_choices = choices

    def append_row(self):
        row = self.tranches.append_entry()
        row.form.milestone.choices = self._milestone_choices
        return row

    def add_blank_rows(self, up_to: int) -> None:
        while len(self.tranches) < min(up_to, MAX_TRANCHES):
            self.append_row()

    def validate_amount(self, field):
        self.cents = _cents(field)
        if self.cents is not None and self.cents <= 0:
            raise ValidationError("A grant is more than $0.")

    @property
    def filled_rows(self) -> list[TrancheRow]:
        return [row.form for row in self.tranches if not row.form.is_blank]

    def validate_tranches(self, field):
        filled = [row for row in field if not row.form.is_blank]
        if not filled:
            raise ValidationError("Give at least one tranche.")
        if len(filled) > MAX_TRANCHES:
            raise ValidationError(f"A grant has at most {MAX_TRANCHES} tranches; this one has {len(filled)}.")

    def all_errors(self) -> list[tuple[str, str, str]]:
        """(field id, label, message) for every error, the rows' named by their number."""
        out = []
        for name in ("kind", "amount", "terms", "expires_on"):
            for message in self[name].errors:
                out.append((self[name].id, self[name].label.text, message))
        for message in self.tranches.errors if isinstance(self.tranches.errors, list) else []:
            if isinstance(message, str):
                out.append((self.tranches.id, "Tranches", message))
        for number, row in enumerate(self.tranches, 1):
            for sub in (row.form.amount, row.form.condition, row.form.due_on, row.form.milestone):
                for message in sub.errors:
                    out.append((sub.id, f"Tranche {number}, {sub.label.text.lower()}", message))
        return out


class WithdrawForm(BaseForm):
    reason = TextAreaField(
        "Reason", filters=[one_kind_of_line_break, strip], render_kw={"rows": 3, "maxlength": REASON_MAX},
        validators=[DataRequired(message="Give the reason for withdrawing the offer."), no_direction_overrides,
                    Length(max=REASON_MAX, message=f"The reason is at most {REASON_MAX:,} characters.")])
