"""Forms of the staff's round and rubric pages. Local times in (the views convert them to UTC)."""
from decimal import Decimal

from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from incubator.challenges.forms import LOCAL_FORMAT, FiniteDecimalField
from incubator.core.forms import BaseForm, CsrfForm, strip  # noqa: F401 (CsrfForm: used through this module)
from incubator.reviews import rounds, rubrics
from incubator.reviews.models import MAX_SCALE_POINTS
from incubator.reviews.states import RoundEntry

RUBRIC_CHOICES = [("default", "The default rubric (ten criteria from the Next Generation Learning Challenges)"),
                  ("empty", "An empty rubric: I will add the criteria"),
                  ("copy", "A copy of another round's rubric")]


class RoundForm(BaseForm):
    title = StringField("Title", filters=[strip], validators=[
        InputRequired(message="Give the round a title."),
        Length(max=rounds.TITLE_MAX, message=f"A title is at most {rounds.TITLE_MAX} characters.")],
        description="For example Written review or Pitch night.")
    instructions = TextAreaField("Instructions for reviewers", filters=[strip], validators=[
        Length(max=rounds.INSTRUCTIONS_MAX, message="Instructions are at most 20,000 characters.")],
        render_kw={"rows": 5})
    opens_at = DateTimeLocalField("Opens at", format=LOCAL_FORMAT, validators=[
        InputRequired(message="Enter the opening date and time.")])
    closes_at = DateTimeLocalField("Closes at", format=LOCAL_FORMAT, validators=[
        InputRequired(message="Enter the closing date and time.")])
    reviewers_per_application = IntegerField("Reviewers per application", default=3, validators=[
        InputRequired(message="Enter how many reviewers each application gets."),
        NumberRange(min=1, max=rounds.K_MAX, message=f"Between 1 and {rounds.K_MAX} reviewers.")])
    max_load = IntegerField("Maximum applications per reviewer", validators=[
        Optional(), NumberRange(min=1, max=rounds.LOAD_MAX, message="Between 1 and 10,000, or empty for no maximum.")],
        description="Optional. A reviewer's own maximum, set in the pool, may be lower.")
    is_blind = BooleanField("Blind review: hide the team's names and emails (and an identifying school name) "
                            "from reviewers")
    entry = RadioField("Applications in this round", choices=[(e.value, e.label) for e in RoundEntry],
                       default=RoundEntry.eligible.value,
                       validators=[InputRequired(message="Choose which applications enter the round.")])
    has_bids = BooleanField("Reviewers may bid: say which applications they are interested in reviewing")

    def show_zone(self, tz_name: str) -> None:
        for name in ("opens_at", "closes_at"):
            self[name].description = f"Date and time in {tz_name}."

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError("The closing time must be after the opening time.")


class NewRoundForm(RoundForm):
    rubric = RadioField("Start the rubric with", choices=RUBRIC_CHOICES, default="default",
                        validators=[InputRequired(message="Choose how the rubric starts.")])
    copy_from = SelectField("Round to copy the rubric from", coerce=str, validate_choice=False)

    def validate_copy_from(self, field):
        if self.rubric.data == "copy":
            if field.data not in {value for value, _ in field.choices if value}:
                raise ValidationError("Choose the round to copy the rubric from.")


class CriterionForm(BaseForm):
    title = StringField("Criterion", filters=[strip], validators=[
        InputRequired(message="Give the criterion a title."),
        Length(max=rubrics.TITLE_MAX, message=f"A title is at most {rubrics.TITLE_MAX} characters.")])
    guidance = TextAreaField("Guidance for reviewers", filters=[strip], validators=[
        Length(max=rubrics.GUIDANCE_MAX, message="Guidance is at most 5,000 characters.")], render_kw={"rows": 3})
    weight = FiniteDecimalField("Weight", places=None, default=Decimal(1), validators=[
        InputRequired(message="Enter a weight, e.g. 1 or 1.5."),
        NumberRange(min=Decimal("0.001"), max=rubrics.WEIGHT_MAX, message="A positive number, at most 1,000.")],
        description="A positive number: a criterion of weight 2 counts twice as much as one of weight 1.")
    scale_lo = IntegerField("Lowest point", default=1, validators=[
        InputRequired(message="Enter the lowest point of the scale."),
        NumberRange(min=-rubrics.SCALE_BOUND, max=rubrics.SCALE_BOUND, message="A whole number from -100 to 100.")])
    scale_hi = IntegerField("Highest point", default=5, validators=[
        InputRequired(message="Enter the highest point of the scale."),
        NumberRange(min=-rubrics.SCALE_BOUND, max=rubrics.SCALE_BOUND, message="A whole number from -100 to 100.")],
        description=f"Above the lowest point, with at most {MAX_SCALE_POINTS} points in all (e.g. 1 to 5).")
    descriptors = TextAreaField("What each point means", validators=[
        Length(max=rubrics.DESCRIPTOR_MAX * MAX_SCALE_POINTS + 20, message="The descriptors are too long.")],
        description="One line per point, lowest point first.", render_kw={"rows": 6})
    allows_na = BooleanField("Reviewers may mark this criterion n/a (it then does not count)")

    def descriptor_lines(self) -> list[str]:
        return [line.strip() for line in (self.descriptors.data or "").splitlines() if line.strip()]

    def validate_scale_hi(self, field):
        lo = self.scale_lo.data
        if lo is not None and field.data is not None and not self.scale_lo.errors:
            if field.data <= lo:
                raise ValidationError("The highest point must be above the lowest.")
            if field.data - lo + 1 > MAX_SCALE_POINTS:
                raise ValidationError(f"A scale has at most {MAX_SCALE_POINTS} points.")

    def validate_descriptors(self, field):
        lo, hi = self.scale_lo.data, self.scale_hi.data
        if lo is None or hi is None or hi <= lo or hi - lo + 1 > MAX_SCALE_POINTS:
            return
        lines = self.descriptor_lines()
        if len(lines) != hi - lo + 1:
            raise ValidationError(f"Write {hi - lo + 1} lines, one per point from {lo} to {hi} "
                                  f"(there are {len(lines)}).")
        if any(len(line) > rubrics.DESCRIPTOR_MAX for line in lines):
            raise ValidationError(f"A descriptor is at most {rubrics.DESCRIPTOR_MAX} characters.")

    def data_(self) -> rubrics.CriterionData:
        return rubrics.CriterionData(self.title.data, self.guidance.data or "", self.weight.data, self.scale_lo.data,
                                     self.scale_hi.data, self.descriptor_lines(), self.allows_na.data)


class CopyRubricForm(BaseForm):
    source_round = SelectField("Copy the rubric of", coerce=str, validate_choice=False)


class AddReviewerForm(BaseForm):
    reviewer = SelectField("Reviewer", coerce=str, validate_choice=False)


class OwnMaxForm(BaseForm):
    max_load = IntegerField("Own maximum", validators=[
        Optional(), NumberRange(min=0, max=rounds.LOAD_MAX, message="Between 0 and 10,000, or empty.")])
