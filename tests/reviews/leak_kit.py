"""Helpers of the blind-leak and 404-walk tests: distinctive names, identifying files, route filling."""
import hashlib
import io
import re
import secrets
import struct
import zlib

from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

from incubator.applications import attachments
from incubator.applications.models import Attachment

TEAM, LEAD, MEMBER = "Zanzibar Quokka Lab", "Philomena Xylograph", "Bartholomew Quillfeather"
LEAD_EMAIL, MEMBER_EMAIL = "xylo@quokka-lab.test", "bq@quokka-lab.test"
SCHOOL = "Quokka Heights Academy"
# The whole strings, and the parts of them no other text of the portal would contain.
SECRETS = (TEAM, LEAD, MEMBER, LEAD_EMAIL, MEMBER_EMAIL, SCHOOL, "Quokka", "Xylograph", "Quillfeather", "Philomena",
           "quokka-lab")


def pdf_with_author() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": LEAD, "/Creator": TEAM, "/Title": SCHOOL, "/Keywords": LEAD_EMAIL})
    xmp = StreamObject()
    xmp.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                 f'<dc:creator>{LEAD}, {MEMBER_EMAIL}</dc:creator></x:xmpmeta>'.encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_with_text() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Author\x00" + MEMBER.encode())
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def attach_files(application) -> None:
    """A PDF (author: the lead) and a PNG (author: a member), named after the team and the school."""
    for name, content_type, data in ((f"{TEAM} budget.pdf", "application/pdf", pdf_with_author()),
                                     (f"{SCHOOL} site plan.png", "image/png", png_with_text())):
        stored = secrets.token_hex(20)
        (attachments.upload_dir() / stored).write_bytes(data)
        application.attachments.append(Attachment(original_filename=name, stored_name=stored,
                                                  content_type=content_type, size_bytes=len(data),
                                                  sha256=hashlib.sha256(data).hexdigest()))


def fill(rule: str, ids: dict) -> str:
    """The rule's URL with each `<converter:name>` replaced by ids[name]."""
    return re.sub(r"<([^>]+)>", lambda m: str(ids[m.group(1).split(":")[-1]]), rule)


def assign_in_round(reviewer, application, *, blind: bool = False):
    """`reviewer` assigned to `application` in a new open round of its challenge; the assignment."""
    from datetime import timedelta

    from incubator.core.timeutil import utcnow
    from incubator.extensions import db
    from incubator.reviews.models import Assignment, ReviewRound, RoundReviewer

    now = utcnow()
    review_round = ReviewRound(challenge=application.challenge, title="Written review", is_blind=blind,
                               opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=7))
    review_round.reviewers.append(RoundReviewer(user=reviewer))
    assignment = Assignment(round=review_round, application=application, reviewer=reviewer, declared_at=now)
    db.session.add_all([review_round, assignment])
    db.session.commit()
    return assignment
