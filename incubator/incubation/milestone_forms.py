"""Forms of a milestone's page. Each evidence form names its fields apart (the three sit on one
page); the forms that move the milestone carry the version the page showed, so a stale page is
refused instead of deciding on what the person did not see."""
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from incubator.core.forms import BaseForm, CsrfForm, is_plain_id, strip  # noqa: F401 (CsrfForm: used through this module)
from incubator.incubation.milestone_evidence import URL_MAX, EvidenceRefused, clean_url
from incubator.incubation.milestones import COMMENT_MAX, Decision
from incubator.incubation.models import TEXT_MAX, TITLE_MAX

STALE = "This page is out of date. Reload it and try again."


def _version(form, field):
    if not is_plain_id(field.data):
        raise ValidationError(STALE)


def _web_link(form, field):
    try:
        clean_url(field.data)
    except EvidenceRefused as error:
        raise ValidationError(str(error)) from None


class VersionedForm(BaseForm):
    version = HiddenField(validators=[_version])

    @property
    def expected_version(self) -> int:
        return int(self.version.data)


class TextEvidenceForm(BaseForm):
    body = TextAreaField("Text", filters=[strip], validators=[
        InputRequired(message="Write the text you want to hand in."),
        Length(max=TEXT_MAX, message=f"A text is at most {TEXT_MAX:,} characters. Shorten it, or upload it as a file.")],
        description=f"Up to {TEXT_MAX:,} characters.")
    text_label = StringField("Title (optional)", filters=[strip], validators=[
        Length(max=TITLE_MAX, message=f"A title is at most {TITLE_MAX} characters.")])


class LinkEvidenceForm(BaseForm):
    url = StringField("Link", filters=[strip], validators=[
        InputRequired(message="Enter the link, starting with https://."),
        Length(max=URL_MAX, message=f"A link is at most {URL_MAX:,} characters."), _web_link],
        description="A web address starting with https:// (a shared document, a recording, a folder).")
    link_label = StringField("What it is", filters=[strip], validators=[
        InputRequired(message="Say what the link is (for example “Pilot recording”)."),
        Length(max=TITLE_MAX, message=f"A label is at most {TITLE_MAX} characters.")])


class FileEvidenceForm(BaseForm):
    file = FileField("File", description="PDF, Word (.docx), Excel (.xlsx), PNG or JPEG; at most 20 MB each, "
                                         "100 MB in all for this milestone.")
    file_label = StringField("Title (optional)", filters=[strip], validators=[
        Length(max=TITLE_MAX, message=f"A title is at most {TITLE_MAX} characters.")])


class SubmitForm(VersionedForm):
    pass


class DecisionForm(VersionedForm):
    decision = RadioField("Decision", choices=[(d.value, d.label) for d in Decision],
                          validators=[InputRequired(message="Choose to approve or to ask for changes.")])
    comment = TextAreaField("Comment to the team", filters=[strip], validators=[
        Length(max=COMMENT_MAX, message=f"A comment is at most {COMMENT_MAX:,} characters.")],
        description="Required when you ask for changes; the team gets it by email.")

    def validate_comment(self, field):
        if self.decision.data == Decision.request_changes and not field.data:
            raise ValidationError("Say what the team should change: the comment is sent to them.")


class ReopenForm(VersionedForm):
    reason = TextAreaField("Why reopen it", filters=[strip], validators=[
        InputRequired(message="Give the reason for reopening: the team reads it."),
        Length(max=COMMENT_MAX, message=f"A reason is at most {COMMENT_MAX:,} characters.")],
        description="The milestone goes back to awaiting review, and the team gets this by email.")
    confirm = BooleanField("I understand that this takes back the approval",
                           validators=[InputRequired(message="Check the box to confirm the reopening.")])
