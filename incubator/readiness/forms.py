"""Forms of the readiness domain. The rating grid is read by `read_ratings` (one radio group per
item, one note per domain), since its fields come from the instrument."""
import re

from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from incubator.core.forms import BaseForm, CsrfForm, no_direction_overrides, single_line, strip  # noqa: F401 (CsrfForm: used through this module)
from incubator.readiness.models import LEVELS
from incubator.readiness.states import Requirement

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
NOTE_MAX = 5000


class OpenAssessmentForm(BaseForm):
    label = StringField("Name of the assessment", filters=[strip], validators=[
        InputRequired(message="Name the assessment, e.g. Intake or Month 3."),
        Length(max=80, message="A name is at most 80 characters.")],
        description="For example Intake, Month 3 or Month 6.")


class SettingsForm(BaseForm):
    requirement = RadioField("Readiness assessment for this challenge",
                             choices=[(r.value, r.label) for r in Requirement],
                             validators=[InputRequired(message="Choose whether teams take the assessment.")])
    instrument_id = SelectField("Instrument", coerce=str, validate_choice=True)

    def validate_instrument_id(self, field):
        if self.requirement.data in ("optional", "required") and not field.data:
            raise ValidationError("Choose the instrument the teams take.")


class InstrumentForm(BaseForm):
    name = StringField("Name", filters=[strip], validators=[
        InputRequired(message="Give the instrument a name."), Length(max=200, message="At most 200 characters.")])
    description = TextAreaField("Description", filters=[strip], validators=[
        Length(max=5000, message="At most 5,000 characters."), no_direction_overrides], render_kw={"rows": 3})


class DomainForm(BaseForm):
    title = StringField("Domain title", filters=[strip], validators=[
        InputRequired(message="Give the domain a title."), Length(max=200, message="At most 200 characters.")])
    description = TextAreaField("What the domain covers", filters=[strip], validators=[
        Length(max=5000, message="At most 5,000 characters."), no_direction_overrides], render_kw={"rows": 2})


class ItemForm(BaseForm):
    prompt = TextAreaField("Item", filters=[strip], validators=[
        InputRequired(message="Write the item."), Length(max=500, message="An item is at most 500 characters."),
        single_line],
        render_kw={"rows": 2})
    level_1 = TextAreaField(f"Level 1, {LEVELS[0][1]}", filters=[strip], validators=[no_direction_overrides],
                            render_kw={"rows": 2})
    level_2 = TextAreaField(f"Level 2, {LEVELS[1][1]}", filters=[strip], validators=[no_direction_overrides],
                            render_kw={"rows": 2})
    level_3 = TextAreaField(f"Level 3, {LEVELS[2][1]}", filters=[strip], validators=[no_direction_overrides],
                            render_kw={"rows": 2})
    level_4 = TextAreaField(f"Level 4, {LEVELS[3][1]}", filters=[strip], validators=[no_direction_overrides],
                            render_kw={"rows": 2})
    allows_not_sure = BooleanField("Allow “not sure” (counts as unanswered)", default=True)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for n in (1, 2, 3, 4):
            level = self[f"level_{n}"]
            if not level.data:
                level.errors = list(level.errors) + ["Describe what this level looks like."]
                ok = False
            elif len(level.data) > 1000:
                level.errors = list(level.errors) + ["At most 1,000 characters."]
                ok = False
        return ok

    @property
    def descriptors(self) -> list[str]:
        return [self[f"level_{n}"].data or "" for n in (1, 2, 3, 4)]


def read_ratings(form_data, instrument) -> tuple[dict, dict, list[str]]:
    """The raw ratings and notes of the grid: ({item id: raw}, {domain id: note}, [errors])."""
    values, notes, errors = {}, {}, []
    for domain in instrument.domains:
        note = form_data.get(f"note-{domain.id}", "")
        if not isinstance(note, str) or _CONTROL.search(note) or _BIDI.search(note):
            errors.append(f"The note on {domain.title} contains characters that are not allowed.")
            note = ""
        elif len(note) > NOTE_MAX:
            errors.append(f"The note on {domain.title} is at most {NOTE_MAX:,} characters.")
            note = ""
        notes[domain.id] = note
        for item in domain.items:
            values[item.id] = form_data.get(f"item-{item.id}", "")
    return values, notes, errors
