"""Attachments: recognised by their content, capped in size, stored under names the server makes.

Files live in app.config["UPLOAD_DIR"], outside the web root. A file written in a
transaction that rolls back is removed, and a deleted attachment's file is
removed only once the deletion commits, so disk and database agree.
"""
import hashlib
import os
import secrets
import unicodedata
import zipfile
from pathlib import Path

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from incubator.accounts.models import User
from incubator.applications.models import Application, Attachment
from incubator.challenges.models import Question, QuestionKind
from incubator.core import audit
from incubator.core.errors import DomainError
from incubator.core.permissions import require
from incubator.extensions import db

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
}
EXTENSIONS = {content_type: ext for content_type, ext in KINDS.values()}
# Control and format characters (Unicode categories Cc and Cf: the bidirectional overrides and
# isolates U+202A-E and U+2066-9, zero-width and invisible characters) change how a name reads
# without being seen: "invoice\u202efdp.exe" displays as "invoiceexe.pdf". Also dropped: line and
# paragraph separators, lone surrogates, and path separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


class UploadRefused(DomainError):
    pass


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sniff(path: Path) -> str | None:
    """The kind of file by its content (magic bytes), or None when it is not one we accept."""
    with open(path, "rb") as handle:
        head = handle.read(8)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" in names:
            if any(n.startswith("word/") for n in names):
                return "docx"
            if any(n.startswith("xl/") for n in names):
                return "xlsx"
    return None


def clean_filename(name: str | None) -> str:
    """The file name as shown and offered for download: its last path part, without any character
    that is invisible or changes the reading order."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if ch not in "/\\" and unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = name.strip().strip(".")
    return name[:200] or "attachment"


def _track(session_key: str, path: Path) -> None:
    db.session.info.setdefault(session_key, []).append(str(path))


@event.listens_for(Session, "after_commit")
def _commit_files(session):
    session.info.pop("written_files", None)
    for name in session.info.pop("files_to_delete", []):
        Path(name).unlink(missing_ok=True)


@event.listens_for(Session, "after_soft_rollback")
def _rollback_files(session, previous_transaction):
    if previous_transaction.parent is None:
        session.info.pop("files_to_delete", None)
        for name in session.info.pop("written_files", []):
            Path(name).unlink(missing_ok=True)


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
    directory = upload_dir()
    stored_name = secrets.token_hex(20)
    target = directory / stored_name
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "xb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise UploadRefused("That file is larger than 20 MB. Make it smaller and upload it again.")
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadRefused("That file is empty.")
        used = sum(a.size_bytes for a in application.attachments)
        if used + size > MAX_TOTAL_BYTES:
            raise UploadRefused("An application's files may add up to at most 100 MB. Remove a file first.")
        kind = sniff(target)
        if kind is None:
            raise UploadRefused("That file is not a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file. "
                                "Files are recognized by their content, not their name.")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    _track("written_files", target)
    content_type, _ = KINDS[kind]
    attachment = Attachment(application=application, question_id=question.id if question else None,
                            original_filename=clean_filename(filename), stored_name=stored_name,
                            content_type=content_type, size_bytes=size, sha256=digest.hexdigest(),
                            uploaded_by_id=actor.id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "application.attachment_added", application, attachment_id=attachment.id,
                 filename=attachment.original_filename, size_bytes=size)
    return attachment


def remove(attachment: Attachment, *, actor: User) -> None:
    """:raises NotAllowed: the actor may not change the application"""
    require(actor, "delete", attachment)
    application = attachment.application
    _track("files_to_delete", upload_dir() / attachment.stored_name)
    audit.record(actor, "application.attachment_removed", application, attachment_id=attachment.id,
                 filename=attachment.original_filename)
    application.attachments.remove(attachment)
    db.session.delete(attachment)
    db.session.flush()


def path_of(attachment: Attachment) -> Path:
    return upload_dir() / attachment.stored_name


def download_name(attachment: Attachment) -> str:
    ext = EXTENSIONS.get(attachment.content_type, "")
    name = attachment.original_filename
    if ext and not name.lower().endswith(ext) and not (ext == ".jpg" and name.lower().endswith(".jpeg")):
        name += ext
    return name
