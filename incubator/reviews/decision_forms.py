"""Forms of decisions."""
from wtforms import BooleanField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange, Optional

from incubator.applications.states import Status
from incubator.core.forms import BaseForm, no_direction_overrides, strip
from incubator.reviews.decisions import BATCH_MAX, RATIONALE_MAX
from incubator.reviews.states import Outcome

OUTCOME_CHOICES = [(o.value, o.label) for o in Outcome]


class DecisionForm(BaseForm):
    outcome = RadioField("Decision", choices=OUTCOME_CHOICES,
                         validators=[InputRequired(message="Choose a decision.")])
    rationale = TextAreaField("Rationale", filters=[strip], validators=[
        InputRequired(message="Give the rationale for the decision."), no_direction_overrides,
        Length(max=RATIONALE_MAX, message=f"The rationale is at most {RATIONALE_MAX:,} characters.")],
        description="Staff read it on the round's decisions. The team reads it only if your organization's "
                    "email for this decision includes {rationale}.")
    shares_comments = BooleanField("Share the reviewers' comments with the team (without reviewers' names)")
    # The status the page showed: deciding from a stale page is refused with what happened.
    expected_status = HiddenField(validators=[AnyOf([s.value for s in Status],
                                                     message="The form is out of date. Reload the page.")])
    confirm_over_slots = BooleanField("Select anyway, beyond the challenge's slots")


class BatchForm(BaseForm):
    outcome = RadioField("Decision for every application chosen", choices=OUTCOME_CHOICES,
                         validators=[InputRequired(message="Choose a decision.")])
    rationale = TextAreaField("Rationale", filters=[strip], validators=[
        InputRequired(message="Give the rationale for the decision."), no_direction_overrides,
        Length(max=RATIONALE_MAX, message=f"The rationale is at most {RATIONALE_MAX:,} characters.")])
    shares_comments = BooleanField("Share the reviewers' comments with the teams (without reviewers' names)")
    top = IntegerField("Or the top N by normalized score", validators=[
        Optional(), NumberRange(min=1, max=BATCH_MAX, message=f"Give a number from 1 to {BATCH_MAX:,}.")])
    confirmed = HiddenField()
    confirm_over_slots = BooleanField("Select anyway, beyond the challenge's slots")
