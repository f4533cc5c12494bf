"""Forms of the challenges domain. Dollars in, cents out; local times in, UTC out (in views)."""
from decimal import Decimal

from wtforms import (BooleanField, DateTimeLocalField, DecimalField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from incubator.challenges.models import MODEL_ELEMENT_KEYS, MODEL_ELEMENTS, QuestionKind, Track
from incubator.core.errors import ValidationFailed
from incubator.core.forms import BaseForm, strip
from incubator.core.money import parse_dollars

LOCAL_FORMAT = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class MoneyField(StringField):
    """Dollars typed by a person; `.cents` holds the parsed integer after validation."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        if not (self.data or "").strip():
            raise ValidationError("Enter an amount in dollars, like 100000.")
        if len(self.data) > 40:
            raise ValidationError("That amount is too long.")
        try:
            self.cents = parse_dollars(self.data)
        except ValidationFailed as error:
            raise ValidationError(str(error)) from None


class FiniteDecimalField(DecimalField):
    """A decimal that refuses NaN and infinities as it is read (they break comparisons and rendering)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a number.")


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        if any(value not in dict(self.choices) for value in self.data or []):
            raise ValidationError("Choose among the options shown.")


class ChallengeForm(BaseForm):
    organisation_id = SelectField("Organization", coerce=int, validate_choice=True)
    title = StringField("Title", filters=[strip], validators=[
        InputRequired(message="Give the challenge a title."), Length(max=200, message="A title is at most 200 characters.")])
    slug = StringField("URL slug", filters=[strip], validators=[
        InputRequired(message="Choose a URL slug."), Length(max=80, message="A URL slug is at most 80 characters.")],
        description="Lower-case letters, digits and hyphens, e.g. nola-future-of-school. It appears in the public address.")
    track = RadioField("Track", choices=[(t.value, t.label) for t in Track], validators=[InputRequired(message="Choose a track.")])
    summary_md = TextAreaField("Summary", filters=[strip], validators=[
        Length(max=20_000, message="The summary is at most 20,000 characters.")],
        description="Markdown: **bold**, *italic*, lists, links. Shown on the public page.", render_kw={"rows": 10})
    opens_at = DateTimeLocalField("Opens at", format=LOCAL_FORMAT, validators=[
        InputRequired(message="Enter the opening date and time.")])
    closes_at = DateTimeLocalField("Closes at", format=LOCAL_FORMAT, validators=[
        InputRequired(message="Enter the closing date and time.")])
    slots = IntegerField("Slots", default=3, validators=[
        InputRequired(message="Enter the number of slots."), NumberRange(min=1, max=1000, message="Between 1 and 1,000 slots.")],
        description="How many teams can be selected.")
    grant_pool = MoneyField("Grant pool (USD)", default="0", description="In dollars, e.g. 300000.")
    planning_grant = MoneyField("Default planning grant (USD)", default="100000", description="In dollars, e.g. 100000.")
    required_elements = CheckboxesField(
        "Model elements required to submit", choices=list(MODEL_ELEMENTS), default=list(MODEL_ELEMENT_KEYS),
        description="Teams describe all four elements of their personalized-learning model; "
                    "an application cannot be submitted until the checked ones are filled in.")

    def show_zone(self, tz_name: str) -> None:
        """Name the zone the times are typed in, next to each time field."""
        for name in ("opens_at", "closes_at"):
            self[name].description = f"Date and time in {tz_name}."

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("The closing time must be after the opening time.")


class QuestionForm(BaseForm):
    kind = SelectField("Kind of answer", choices=[(k.value, k.label) for k in QuestionKind],
                       validators=[InputRequired()])
    label = TextAreaField("Question", filters=[strip], validators=[
        InputRequired(message="Write the question."), Length(max=500, message="A question is at most 500 characters.")])
    help_text = TextAreaField("Help text", filters=[strip], validators=[
        Length(max=2000, message="Help text is at most 2,000 characters.")],
        description="Optional guidance shown under the question.")
    is_required = BooleanField("Answer required")
    word_limit = IntegerField("Word limit", validators=[
        Optional(), NumberRange(min=1, max=100_000, message="A word limit between 1 and 100,000.")],
        description="Long text only.")
    min_value = FiniteDecimalField("Lowest allowed number", places=None, validators=[
        Optional(), NumberRange(min=Decimal("-1e12"), max=Decimal("1e12"), message="Too large.")],
        description="Number only; leave empty for no bound.")
    max_value = FiniteDecimalField("Highest allowed number", places=None, validators=[
        Optional(), NumberRange(min=Decimal("-1e12"), max=Decimal("1e12"), message="Too large.")],
        description="Number only; leave empty for no bound.")
    choices = TextAreaField("Options", validators=[Length(max=20_000, message="The options are too long.")],
                            description="Single and multiple choice only: one option per line.")

    def validate_word_limit(self, field):
        if self.kind.data == QuestionKind.long_text and field.data is None:
            raise ValidationError("A long-text question needs a word limit.")

    def validate_choices(self, field):
        if self.kind.data in (QuestionKind.single_choice, QuestionKind.multiple_choice):
            options = [o.strip() for o in (field.data or "").splitlines() if o.strip()]
            if len(options) < 2:
                raise ValidationError("Give at least two options, one per line.")


class ScreeningForm(BaseForm):
    decision = RadioField("Decision", choices=[("eligible", "Eligible"), ("ineligible", "Ineligible")],
                          validators=[InputRequired(message="Choose eligible or ineligible.")])
    reason = TextAreaField("Reason", filters=[strip], validators=[
        Length(max=5000, message="The reason is at most 5,000 characters.")],
        description="Required when ineligible: it is emailed to the team.")

    def validate_reason(self, field):
        if self.decision.data == "ineligible" and not field.data:
            raise ValidationError("Give the reason: the team will read it.")
