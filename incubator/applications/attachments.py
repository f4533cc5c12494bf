"""Attachments of an application: files kept by core.uploads (content-checked, capped in size,
under names the server makes), at most 100 MB in all per application."""
from pathlib import Path

from incubator.accounts.models import User
from incubator.applications.models import Application, Attachment
from incubator.challenges.models import Question, QuestionKind
from incubator.core import audit, uploads
from incubator.core.permissions import require
from incubator.core.uploads import EXTENSIONS, KINDS, MAX_FILE_BYTES, UploadRefused, clean_filename, sniff  # noqa: F401
from incubator.extensions import db

MAX_TOTAL_BYTES = 100 * 1024 * 1024
AREA = "attachments"


def upload_dir() -> Path:
    return uploads.upload_dir(AREA)


def store(application: Application, stream, filename: str | None, *, question: Question | None, actor: User) -> Attachment:
    """Keep an uploaded file for the application.

    :raises NotAllowed: the actor may not change the application (not on the team, or no longer a draft)
    :raises UploadRefused: empty, too large, over the application's total, or not an accepted type
    """
    require(actor, "upload", application)
    if question is not None and (question.challenge_id != application.challenge_id or question.kind != QuestionKind.file):
        raise UploadRefused("That question does not take a file.")
    if question is not None and any(a.question_id == question.id for a in application.attachments):
        raise UploadRefused("This question already has a file. Remove it first to upload another.")
    used = sum(a.size_bytes for a in application.attachments)
    received = uploads.receive(stream, filename, area=AREA, already_used=used, max_total=MAX_TOTAL_BYTES,
                               total_words="An application's files may add up to at most 100 MB. "
                                           "Remove a file first.")
    attachment = Attachment(application=application, question_id=question.id if question else None,
                            original_filename=received.original_filename, stored_name=received.stored_name,
                            content_type=received.content_type, size_bytes=received.size_bytes,
                            sha256=received.sha256, uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "application.attachment_added", application, attachment_id=attachment.id,
                 filename=attachment.original_filename, size_bytes=received.size_bytes)
    return attachment


def remove(attachment: Attachment, *, actor: User) -> None:
    """:raises NotAllowed: the actor may not change the application"""
    require(actor, "delete", attachment)
    application = attachment.application
    uploads.forget(AREA, attachment.stored_name)
    audit.record(actor, "application.attachment_removed", application, attachment_id=attachment.id,
                 filename=attachment.original_filename)
    application.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name


def download_name(attachment: Attachment) -> str:
    return uploads.download_name(attachment.original_filename, attachment.content_type)
