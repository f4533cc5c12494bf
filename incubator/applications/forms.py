"""Forms of the applications domain. The application form is built per challenge:
the core fields, one field per question and the four-year plan."""
import re
from decimal import Decimal, InvalidOperation

from flask_wtf.file import FileField
from wtforms import (BooleanField, EmailField, HiddenField, IntegerField, RadioField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from incubator.challenges.models import MODEL_ELEMENT_KEYS, MODEL_ELEMENTS, Challenge, Question, QuestionKind, Track
from incubator.core.errors import ValidationFailed
from incubator.core.forms import BaseForm, is_plain_id, strip
from incubator.core.money import parse_dollars

LONG_TEXT_MAX = 50_000
PLAN_YEARS = (1, 2, 3, 4)
PLAN_COLUMNS = (
    ("enrollment", "Enrollment"),
    ("per_pupil", "Public per-pupil revenue ($)"),
    ("other", "Other revenue ($)"),
    ("expenses", "Operating expenses ($)"),
)


class TeamForm(BaseForm):
    name = StringField("Team name", filters=[strip], validators=[
        InputRequired(message="Give the team a name."), Length(max=200, message="A team name is at most 200 characters.")])


class InviteForm(BaseForm):
    email = EmailField("Email of the person to invite", filters=[strip], validators=[
        InputRequired(message="Enter an email address."), Length(max=320, message="An email address is at most 320 characters."),
        Email(message="Enter an email address like name@example.org.", check_deliverability=False)])


class LeadForm(BaseForm):
    member = SelectField("New lead", coerce=int, validate_choice=True)


class ConfirmForm(BaseForm):
    confirm = BooleanField("I understand")


class SubmitForm(ConfirmForm):
    # The version the submit page showed, so the confirmation can name saves made since.
    version = HiddenField()


class StartForm(BaseForm):
    challenge_id = IntegerField("Challenge", validators=[InputRequired(), NumberRange(min=1, max=2**31 - 1)])


class UploadForm(BaseForm):
    file = FileField("File", description="PDF, Word (.docx), Excel (.xlsx), PNG or JPEG; at most 20 MB.")
    question_id = HiddenField()


class NeededToSubmit:
    """Marks a field as needed to submit (shown with *); a draft may be saved without it."""
    field_flags = {"required": True}

    def __call__(self, form, field):
        pass


NEEDED = NeededToSubmit()


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def word_count(text: str | None) -> int:
    return len((text or "").split())


def _word_limit(limit: int):
    def check(form, field):
        count = word_count(field.data)
        if count > limit:
            raise ValidationError(f"This answer has {count} words; the limit is {limit}.")
    return check


def _one_of(options: list[str]):
    def check(form, field):
        if field.data in (None, "", "None"):
            field.data = None
            return
        if field.data not in options:
            raise ValidationError("Choose one of the options shown.")
    return check


def _all_of(options: list[str]):
    def check(form, field):
        if any(value not in options for value in field.data or []):
            raise ValidationError("Choose among the options shown.")
        field.data = [o for o in options if o in (field.data or [])]  # in order, once each
    return check


def parse_number(text: str | None) -> Decimal | None:
    text = (text or "").strip().replace(",", "")
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationFailed("Enter a number, like 120 or 3.5.") from None
    if not value.is_finite() or abs(value) >= Decimal(10) ** 14 or value != value.quantize(Decimal("0.0001")):
        raise ValidationFailed("Enter a number with at most four decimal places.")
    return value


def _number_between(question: Question):
    def check(form, field):
        try:
            value = parse_number(field.data)
        except ValidationFailed as error:
            raise ValidationError(str(error)) from None
        if value is None:
            return
        if question.min_value is not None and value < question.min_value:
            raise ValidationError(f"Enter at least {question.min_value.normalize():f}.")
        if question.max_value is not None and value > question.max_value:
            raise ValidationError(f"Enter at most {question.max_value.normalize():f}.")
    return check


def _dollars(form, field):
    if (field.data or "").strip():
        try:
            parse_dollars(field.data)
        except ValidationFailed as error:
            raise ValidationError(str(error)) from None


def _states_word_limit(help_text: str | None, limit: int) -> bool:
    """Whether the staff's own help text already gives the limit ("Up to 500 words.")."""
    pattern = rf"(?<![\d,.])(?:{re.escape(f'{limit:,}')}|{limit})\s+words?\b"
    return bool(help_text and re.search(pattern, help_text, re.IGNORECASE))


def question_field(question: Question):
    label, help_text = question.label, question.help_text or None
    if question.kind == QuestionKind.short_text:
        return StringField(label, description=help_text, filters=[strip],
                           validators=[Length(max=500, message="A short answer is at most 500 characters.")])
    if question.kind == QuestionKind.long_text:
        validators = [Length(max=LONG_TEXT_MAX, message=f"An answer is at most {LONG_TEXT_MAX:,} characters.")]
        if question.word_limit:
            validators.append(_word_limit(question.word_limit))
            if not _states_word_limit(help_text, question.word_limit):  # one hint, not two
                help_text = f"{help_text + ' ' if help_text else ''}At most {question.word_limit:,} words."
        return TextAreaField(label, description=help_text, filters=[strip], validators=validators,
                             render_kw={"data-word-limit": question.word_limit or "", "rows": 6})
    if question.kind == QuestionKind.number:
        bounds = []
        if question.min_value is not None:
            bounds.append(f"at least {question.min_value.normalize():f}")
        if question.max_value is not None:
            bounds.append(f"at most {question.max_value.normalize():f}")
        if bounds:
            help_text = f"{help_text + ' ' if help_text else ''}A number {' and '.join(bounds)}."
        return StringField(label, description=help_text, filters=[strip], validators=[
            Length(max=40, message="Enter a number, like 120 or 3.5."), _number_between(question)],
            render_kw={"inputmode": "decimal"})
    options = list(question.choices or [])
    if question.kind == QuestionKind.single_choice:
        return RadioField(label, description=help_text, choices=[(o, o) for o in options],
                          validate_choice=False, validators=[_one_of(options)])
    if question.kind == QuestionKind.yes_no:
        return RadioField(label, description=help_text, choices=[("yes", "Yes"), ("no", "No")],
                          validate_choice=False, validators=[_one_of(["yes", "no"])])
    if question.kind == QuestionKind.multiple_choice:
        return MultiCheckboxField(label, description=help_text, choices=[(o, o) for o in options],
                                  validate_choice=False, validators=[_all_of(options)])
    return None  # file questions are answered by uploading


def _length(limit: int):
    return Length(max=limit, message=f"At most {limit} characters.")


# The core fields, made afresh for each challenge's form: whether a field is needed to submit
# (its * and flag) depends on the challenge's track and on the model elements it requires.
_CORE_FIELD_MAKERS = {
    "school_name": lambda needed: StringField("School name", filters=[strip], validators=[*needed, _length(200)]),
    "grades": lambda needed: StringField("Grades served", filters=[strip], description="For example K-8 or 9-12.",
                                         validators=[*needed, _length(40)]),
    "launch_year": lambda needed: IntegerField("Planned launch year", validators=[*needed,
        Optional(), NumberRange(min=2000, max=2100, message="Enter a year between 2000 and 2100.")]),
    "target_enrollment": lambda needed: IntegerField("Target enrollment", validators=[*needed,
        Optional(), NumberRange(min=1, max=100_000, message="Enter a number of students between 1 and 100,000.")]),
    "current_grades": lambda needed: StringField("Grades served today", filters=[strip], description="For example K-8 or 9-12.",
                                                 validators=[*needed, _length(40)]),
    "current_enrollment": lambda needed: IntegerField("Current enrollment", description="Students enrolled this school year.",
        validators=[*needed, Optional(), NumberRange(min=1, max=100_000,
                                                     message="Enter a number of students between 1 and 100,000.")]),
    "transition_year": lambda needed: IntegerField("Transition year",
        description="The school year the transition begins, e.g. 2027 for 2027-28.", validators=[*needed,
        Optional(), NumberRange(min=2000, max=2100, message="Enter a year between 2000 and 2100.")]),
    "neighbourhood": lambda needed: StringField("Neighborhood", filters=[strip], validators=[*needed, _length(200)]),
}


def _element_maker(label: str):
    return lambda needed: TextAreaField(label, filters=[strip], validators=[*needed, Length(max=LONG_TEXT_MAX)])


_CORE_FIELD_MAKERS.update({key: _element_maker(label) for key, label in MODEL_ELEMENTS})


class _ApplicationFormBase(BaseForm):
    version = HiddenField()

    def validate_version(self, field):
        if not is_plain_id(field.data):
            raise ValidationError("The form is damaged; reload the page.")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        for year in PLAN_YEARS:
            fields = [self[f"y{year}_{key}"] for key, _ in PLAN_COLUMNS]
            filled = [f for f in fields if f.raw_data and str(f.raw_data[0]).strip()]
            if filled and len(filled) < len(fields):
                for f in fields:
                    if f not in filled:
                        f.errors = list(f.errors) + [f"Year {year}: fill in all four figures, or leave the year empty."]
                valid = False
        return valid


# The school's facts asked on each track: a new school plans a launch, an existing school a transition.
SCHOOL_FIELDS = {
    Track.new_school: ("school_name", "grades", "launch_year", "target_enrollment", "neighbourhood"),
    Track.school_transition: ("school_name", "current_grades", "current_enrollment", "transition_year", "neighbourhood"),
}
NUMBER_FIELDS = frozenset({"launch_year", "target_enrollment", "current_enrollment", "transition_year"})
# Every core column of an application, whatever the track.
CORE_FIELDS = tuple(dict.fromkeys(SCHOOL_FIELDS[Track.new_school] + SCHOOL_FIELDS[Track.school_transition]
                                  + MODEL_ELEMENT_KEYS))


def core_fields(challenge: Challenge) -> tuple[str, ...]:
    """The core fields a team of this challenge fills in, in the order they are shown."""
    return SCHOOL_FIELDS[Track(challenge.track)] + MODEL_ELEMENT_KEYS


def required_core(challenge: Challenge) -> tuple[str, ...]:
    """The core fields needed to submit: the track's school facts and the model elements the challenge requires."""
    required = set(challenge.required_elements or ())
    return SCHOOL_FIELDS[Track(challenge.track)] + tuple(key for key in MODEL_ELEMENT_KEYS if key in required)


def application_form_class(challenge: Challenge) -> type[BaseForm]:
    needed = set(required_core(challenge))
    attrs = {key: _CORE_FIELD_MAKERS[key]([NEEDED] if key in needed else []) for key in core_fields(challenge)}
    questions = challenge.questions
    for question in questions:
        made = question_field(question)
        if made is not None and question.is_required:
            made.kwargs["validators"] = [NEEDED, *made.kwargs.get("validators", [])]
        if made is not None:
            attrs[f"q_{question.id}"] = made
    for year in PLAN_YEARS:
        attrs[f"y{year}_enrollment"] = IntegerField(f"Year {year} enrollment", validators=[
            Optional(), NumberRange(min=0, max=100_000, message="Enter a number of students between 0 and 100,000.")],
            render_kw={"inputmode": "numeric", "data-plan": f"{year}:enrollment"})
        for key, text in PLAN_COLUMNS[1:]:
            attrs[f"y{year}_{key}"] = StringField(f"Year {year} {text[0].lower()}{text[1:]}", filters=[strip],
                                                  validators=[Length(max=30, message="Enter an amount in dollars."), _dollars],
                                                  render_kw={"inputmode": "decimal", "data-plan": f"{year}:{key}"})
    return type("ApplicationForm", (_ApplicationFormBase,), attrs)
