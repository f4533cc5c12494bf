"""Uploaded files, for every domain that takes them (application attachments, milestone
evidence): recognised by their content, capped in size, stored under names the server makes,
and offered only as downloads (never shown inline).

Files live under app.config["UPLOAD_DIR"]/<area>, outside the web root. A file written in a
transaction that rolls back is removed, and a file marked for deletion is removed only once the
deletion commits, so disk and database agree.
"""
import hashlib
import os
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import event
from sqlalchemy.orm import Session

from incubator.core.errors import DomainError
from incubator.extensions import db

MAX_FILE_BYTES = 20 * 1024 * 1024
KINDS = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "png": ("image/png", ".png"),
    "jpeg": ("image/jpeg", ".jpg"),
}
EXTENSIONS = {content_type: ext for content_type, ext in KINDS.values()}
ACCEPTED_WORDS = "a PDF, Word (.docx), Excel (.xlsx), PNG or JPEG file"
# Control and format characters (Unicode categories Cc and Cf: the bidirectional overrides and
# isolates U+202A-E and U+2066-9, zero-width and invisible characters) change how a name reads
# without being seen: "invoice\u202efdp.exe" displays as "invoiceexe.pdf". Also dropped: line and
# paragraph separators, lone surrogates, and path separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Zl", "Zp"}


class UploadRefused(DomainError):
    pass


@dataclass(frozen=True)
class Received:
    stored_name: str
    original_filename: str
    content_type: str
    size_bytes: int
    sha256: str


def upload_dir(area: str = "attachments") -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / area
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


def clean_filename(name: str | None, default: str = "attachment") -> str:
    """The file name as shown and offered for download: its last path part, without any character
    that is invisible or changes the reading order."""
    name = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    name = "".join(ch for ch in name if ch not in "/\\" and unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    name = name.strip().strip(".")
    return name[:200] or default


def track(session_key: str, path: Path) -> None:
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


def receive(stream, filename: str | None, *, area: str, already_used: int = 0, max_total: int | None = None,
            total_words: str = "") -> Received:
    """Write an uploaded stream under a server-made name in `area`, checking its size (and, with
    `max_total`, the owner's total) and its kind by content. The file is removed again if the
    transaction rolls back.

    :raises UploadRefused: empty, too large, over the total, or not an accepted kind
    """
    target = upload_dir(area) / secrets.token_hex(20)
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
        if max_total is not None and already_used + size > max_total:
            raise UploadRefused(total_words or f"These files may add up to at most {max_total // 2**20} MB. "
                                "Remove a file first.")
        kind = sniff(target)
        if kind is None:
            raise UploadRefused(f"That file is not {ACCEPTED_WORDS}. "
                                "Files are recognized by their content, not their name.")
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    track("written_files", target)
    content_type, _ = KINDS[kind]
    return Received(stored_name=target.name, original_filename=clean_filename(filename), content_type=content_type,
                    size_bytes=size, sha256=digest.hexdigest())


def forget(area: str, stored_name: str) -> None:
    """Remove the stored file once the current transaction commits."""
    track("files_to_delete", upload_dir(area) / stored_name)


def download_name(original_filename: str, content_type: str) -> str:
    ext = EXTENSIONS.get(content_type, "")
    name = original_filename
    if ext and not name.lower().endswith(ext) and not (ext == ".jpg" and name.lower().endswith(".jpeg")):
        name += ext
    return name


def download(area: str, stored_name: str, *, original_filename: str, content_type: str):
    """The response offering the stored file as a download (never inline); 404 if the row outlived
    its file."""
    from flask import abort

    path = upload_dir(area) / stored_name
    if not path.is_file():
        current_app.logger.error("Upload %s/%s has no file on disk", area, stored_name)
        abort(404)
    response = send_file(path, mimetype=content_type, as_attachment=True,
                         download_name=download_name(original_filename, content_type), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
