"""Forms of the stakeholder input log and the coaching log.

The date a team or coach types is a local date of the organisation; the range it may take (not
in the future, not long before the cohort started) is given by the view, so the field can say
what is wrong next to it. The services check the same rule again.
"""
import re
from datetime import date

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from incubator.core.forms import BaseForm, CsrfForm, LocalDateField, WholeNumberField, strip  # noqa: F401 (CsrfForm: used through this module)
from incubator.incubation.states import InputMethod, StakeholderGroup

TEXT_MAX = 5000
PARTICIPANTS_MAX = 10_000
DURATION_MAX = 24 * 60


class ChoiceField(SelectField):
    """A select that says, in words, that the value is not one of its options."""

    def __init__(self, *args, refusal: str = "Choose one of the options in the list.", **kwargs):
        super().__init__(*args, **kwargs)
        self.refusal = refusal

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            raise ValidationError(self.refusal)


DATE_WORDS = "Type the date as year-month-day, e.g. 2027-03-14."
NUMBER_WORDS = "Type a whole number, e.g. 12."


def date_between(form, field):
    """The date may not be after `form.latest` (today, locally) nor before `form.earliest`."""
    if field.data is None:
        return
    if field.data > form.latest:
        raise ValidationError("This date is in the future: log a session once it has taken place.")
    if field.data < form.earliest:
        raise ValidationError(f"This date is more than 30 days before the cohort started "
                              f"({form.earliest:%-d %b %Y} is the earliest).")


class _DatedForm(BaseForm):
    def __init__(self, *args, earliest: date, latest: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.earliest, self.latest = earliest, latest


def _long_text(label: str, *, required: str | None = None, description: str = "", rows: int = 4):
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=TEXT_MAX, message=f"At most {TEXT_MAX:,} characters."))
    return TextAreaField(label, filters=[strip], validators=validators, description=description,
                         render_kw={"rows": rows, "maxlength": TEXT_MAX})


class StakeholderEntryForm(_DatedForm):
    group = ChoiceField("Stakeholder group",
                        choices=[("", "Choose a group")] + [(g.value, g.label) for g in StakeholderGroup],
                        refusal="Choose one of the groups in the list.",
                        validators=[InputRequired(message="Choose the group you heard from.")])
    held_on = LocalDateField("Date", message=DATE_WORDS, validators=[InputRequired(message="Give the date of the session."), date_between],
                             description="The day the session took place.")
    method = ChoiceField("Method", choices=[("", "Choose a method")] + [(m.value, m.label) for m in InputMethod],
                         refusal="Choose one of the methods in the list.",
                         validators=[InputRequired(message="Choose how you heard from them.")])
    participants = WholeNumberField("Number of participants", message=NUMBER_WORDS, signed=False, validators=[
        InputRequired(message="Say how many people took part."),
        NumberRange(min=1, max=PARTICIPANTS_MAX, message=f"Between 1 and {PARTICIPANTS_MAX:,}.")],
        render_kw={"inputmode": "numeric", "min": 1, "max": PARTICIPANTS_MAX})
    takeaways = _long_text("Key takeaways", required="Write down what you learned.", rows=5)
    design_changes = _long_text("What you changed in your design because of it",
                                description="Leave empty if nothing has changed yet.")
    fingerprint = StringField(validators=[Optional(), Length(max=64)])

    def values(self) -> dict:
        return {"group": StakeholderGroup(self.group.data), "held_on": self.held_on.data,
                "method": InputMethod(self.method.data), "participants": self.participants.data,
                "takeaways": self.takeaways.data, "design_changes": self.design_changes.data or ""}


# "90", "90 min", "1:30", "1h30", "1 h 30 min", "1.5 hours", "2 hours"
_CLOCK = re.compile(r"(\d{1,2}):([0-5]\d)")
_PARTS = re.compile(r"(?:(\d{1,2}(?:\.\d{1,2})?)\s*(?:h|hr|hrs|hour|hours))?\s*"
                    r"(?:(\d{1,4})\s*(?:m|min|mins|minute|minutes)?)?")


def parse_duration(text: str) -> int | None:
    """Minutes from what a coach types (None if it does not read as a duration)."""
    text = (text or "").strip().lower()
    if not text or not text.isascii():
        return None
    clock = _CLOCK.fullmatch(text)
    if clock:
        return int(clock.group(1)) * 60 + int(clock.group(2))
    parts = _PARTS.fullmatch(text)
    if not parts or not any(parts.groups()):
        return None
    hours, minutes = parts.groups()
    if hours and "." in hours and minutes:
        return None  # "1.5 h 10 min" is not a duration anyone means
    return round(float(hours or 0) * 60) + int(minutes or 0)


class DurationField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.minutes = parse_duration(self.data) if self.data else None

    def pre_validate(self, form):
        if not self.data:
            return
        minutes = getattr(self, "minutes", None)
        if minutes is None:
            raise ValidationError("Type the length in minutes (e.g. 90) or hours and minutes (e.g. 1:30 or 1h 30m).")
        if not 1 <= minutes <= DURATION_MAX:
            raise ValidationError("A session lasts between 1 minute and 24 hours.")


class CoachingSessionForm(_DatedForm):
    held_on = LocalDateField("Date", message=DATE_WORDS, validators=[InputRequired(message="Give the date of the session."), date_between])
    duration = DurationField("Duration", filters=[strip], validators=[
        InputRequired(message="Say how long the session lasted."), Length(max=40, message="At most 40 characters.")],
        description="Minutes (90) or hours and minutes (1:30, 1h 30m).")
    topics = _long_text("Topics", required="Write down what you talked about.")
    next_steps = _long_text("Agreed next steps", description="What the team and you agreed to do next.")
    fingerprint = StringField(validators=[Optional(), Length(max=64)])

    def values(self) -> dict:
        return {"held_on": self.held_on.data, "duration_minutes": self.duration.minutes,
                "topics": self.topics.data, "next_steps": self.next_steps.data or ""}


class ReplyForm(BaseForm):
    body = _long_text("Your reply", required="Write your reply.", rows=3)


def duration_text(minutes: int) -> str:
    """90 -> "1 h 30 min", as the form shows it back."""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"
