"""Blind review: what a reviewer of a blind round sees instead of the team.

In a blind round a reviewer never sees the team's name, its members' names or emails, the
school's name where staff marked it as identifying, or a file's metadata. Applications are
called "Application 7": a number per round, in an order drawn from a keyed hash so it says
nothing about when a team applied, and over the challenge's submitted applications (a set
that no longer changes once review starts) so a number does not move when staff reassign.
Files are served as "attachment-3.pdf", with their author fields removed.
"""
import hashlib
import io
import re
import zipfile

import sqlalchemy as sa
from flask import g, has_request_context

from incubator.applications.models import Application, Attachment
from incubator.extensions import db
from incubator.reviews.models import Assignment, ReviewRound

# The document information a PDF carries about who made it (pypdf writes none of its own).
PDF_INFO_KEYS = ("/Author", "/Creator", "/Producer", "/Title", "/Subject", "/Keywords")


class CannotStrip(Exception):
    """A file whose metadata could not be removed: it is not served in a blind round."""


def _order_key(round_id: int, application_id: int) -> bytes:
    return hashlib.sha256(f"review-round:{round_id}:application:{application_id}".encode()).digest()


def numbers(review_round: ReviewRound) -> dict[int, int]:
    """{application id: its neutral number in the round}, one query per round and request."""
    # Cached for one request only: a job or a shell may outlive a new submission.
    cache = g.setdefault("_blind_numbers", {}) if has_request_context() else {}
    if review_round.id not in cache:
        ids = db.session.scalars(sa.select(Application.id).where(
            Application.challenge_id == review_round.challenge_id, Application.submitted_at.is_not(None))).all()
        ordered = sorted(ids, key=lambda i: _order_key(review_round.id, i))
        cache[review_round.id] = {application_id: n for n, application_id in enumerate(ordered, start=1)}
    return cache[review_round.id]


def neutral_label(assignment_or_application: Assignment | Application, review_round: ReviewRound) -> str:
    """"Application 7": how a blind round names an application to its reviewers."""
    application_id = (assignment_or_application.application_id if isinstance(assignment_or_application, Assignment)
                      else assignment_or_application.id)
    number = numbers(review_round).get(application_id)
    return f"Application {number}" if number else "Application"


def hides_school(application: Application, review_round: ReviewRound) -> bool:
    return bool(review_round.is_blind and application.school_name_identifies_team)


def label_for(assignment: Assignment) -> str:
    """How a reviewer's pages and mail name the application of an assignment."""
    review_round, application = assignment.round, assignment.application
    if review_round.is_blind:
        label = neutral_label(assignment, review_round)
        if not application.school_name_identifies_team and application.school_name:
            return f"{label}: {application.school_name}"
        return label
    return application.school_name or f"Application of {application.team.name}"


def attachment_number(attachment: Attachment) -> int:
    ordered = sorted(attachment.application.attachments, key=lambda a: (a.uploaded_at is None, a.uploaded_at, a.id))
    return next(n for n, a in enumerate(ordered, start=1) if a.id == attachment.id)


def attachment_name(attachment: Attachment) -> str:
    """"attachment-3.pdf": the neutral name of a file in a blind round."""
    from incubator.applications.attachments import EXTENSIONS

    return f"attachment-{attachment_number(attachment)}{EXTENSIONS.get(attachment.content_type, '')}"


def strip_pdf(data: bytes) -> bytes:
    """A copy of the PDF without its document information and XMP metadata."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise CannotStrip("The PDF is encrypted.")
        writer = PdfWriter()
        for page in reader.pages:
            for key in ("/Metadata", "/PieceInfo"):  # before copying, or the copy takes the stream along
                if key in page:
                    del page[key]
            for annotation in page.get("/Annots") or []:  # a comment's /T is the name of who wrote it
                annotation = annotation.get_object()
                if "/T" in annotation:
                    del annotation["/T"]
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise CannotStrip(str(error)) from error
    return out.getvalue()


_OOXML_BLANKS = {
    "docProps/core.xml": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties '
                          'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                          'xmlns:dc="http://purl.org/dc/elements/1.1/"/>'),
    "docProps/app.xml": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
                         'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>'),
    "docProps/custom.xml": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
                            'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'),
}
# Word keeps the names of people who commented or tracked changes here too.
_OOXML_PEOPLE = re.compile(r"^(word/people\.xml|xl/persons/.*)$")


def strip_ooxml(data: bytes) -> bytes:
    """A copy of a .docx/.xlsx with blank document properties (author, last modified by, company)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                for info in source.infolist():
                    if info.filename in _OOXML_BLANKS:
                        target.writestr(info.filename, _OOXML_BLANKS[info.filename])
                    elif _OOXML_PEOPLE.match(info.filename):
                        target.writestr(info.filename, "")
                    else:
                        target.writestr(info, source.read(info.filename))
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as error:
        raise CannotStrip(str(error)) from error
    return out.getvalue()


def strip_png(data: bytes) -> bytes:
    """A copy of a PNG without its text and EXIF chunks."""
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise CannotStrip("Not a PNG file.")
    out, at = [data[:8]], 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        end = at + 12 + length
        if end > len(data):
            raise CannotStrip("A truncated PNG file.")
        if kind not in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"):
            out.append(data[at:end])
        at = end
        if kind == b"IEND":
            break
    return b"".join(out)


_JPEG_KEPT = {0xE0, 0xE2, 0xEE}


def strip_jpeg(data: bytes) -> bytes:
    """A copy of a JPEG without its comments and application segments (EXIF, XMP, IPTC, ...), except
    those the picture needs to look the same: JFIF (APP0), the ICC colour profile (APP2), Adobe (APP14)."""
    if not data.startswith(b"\xff\xd8"):
        raise CannotStrip("Not a JPEG file.")
    out, at = [b"\xff\xd8"], 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise CannotStrip("A malformed JPEG file.")
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the image data runs to the end
            out.append(data[at:])
            return b"".join(out)
        length = int.from_bytes(data[at + 2:at + 4], "big")
        end = at + 2 + length
        if length < 2 or end > len(data):
            raise CannotStrip("A truncated JPEG file.")
        if not ((0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT) or marker == 0xFE):
            out.append(data[at:end])
        at = end
    raise CannotStrip("A JPEG file without image data.")


STRIPPERS = {
    "application/pdf": strip_pdf,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": strip_ooxml,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": strip_ooxml,
    "image/png": strip_png,
    "image/jpeg": strip_jpeg,
}


def stripped_copy(attachment: Attachment, data: bytes) -> bytes:
    """The file as a blind round's reviewer gets it. :raises CannotStrip: it could not be cleaned"""
    stripper = STRIPPERS.get(attachment.content_type)
    if stripper is None:
        raise CannotStrip("A kind of file that cannot be cleaned.")
    return stripper(data)


class PdfBlinding:
    """What applications/pdf.py needs to make a blind round's copy of an application."""

    def __init__(self, application: Application, review_round: ReviewRound):
        self.hides_school = hides_school(application, review_round)
        label = neutral_label(application, review_round)
        school = application.school_name
        self.title = label if self.hides_school or not school else f"{label}: {school}"

    def file_name(self, attachment: Attachment) -> str:
        return attachment_name(attachment)


def application_pdf(application: Application, review_round: ReviewRound) -> bytes:
    """The application's PDF copy for the round's reviewers (blind when the round is)."""
    from incubator.applications.pdf import render_application

    if review_round.is_blind:
        return render_application(application, blind=PdfBlinding(application, review_round))
    return render_application(application)
