"""THE BLIND-LEAK TEST: in a blind round no page, PDF, file, header or mail a reviewer can reach
names the team, its members (names or emails) or a school name staff marked as identifying;
the same round made open shows them, so the test can fail."""
import hashlib
import io
import secrets
import struct
import zipfile
import zlib

import pytest
import sqlalchemy as sa
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from incubator.applications import attachments
from incubator.applications.models import Attachment
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.reviews import blind, reviewing
from tests.reviews.scoring_kit import declared, review_form

TEAM, LEAD, MEMBER = "Zanzibar Quokka Collective", "Quentin Xylophone", "Wilhelmina Zephyrine"
LEAD_EMAIL, MEMBER_EMAIL = "quentin.x@quokkacollective.org", "wzephyrine@quokkacollective.org"
SCHOOL = "Quokka Heights Academy"
SECRETS = (TEAM, LEAD, MEMBER, LEAD_EMAIL, MEMBER_EMAIL, SCHOOL, "Quokka", "Xylophone", "Zephyrine",
           "quokkacollective")


def _pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": LEAD, "/Creator": TEAM, "/Producer": MEMBER_EMAIL, "/Title": SCHOOL,
                         "/Subject": TEAM, "/Keywords": LEAD_EMAIL})
    xmp = StreamObject()
    xmp.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                 f'<dc:creator>{LEAD} of {TEAM}</dc:creator></x:xmpmeta>'.encode())
    xmp.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
    reference = writer._add_object(xmp)
    writer._root_object[NameObject("/Metadata")] = reference
    page[NameObject("/Metadata")] = reference
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Our budget</w:document>")
        archive.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{LEAD}</dc:creator><cp:lastModifiedBy>"
                                              f"{MEMBER_EMAIL}</cp:lastModifiedBy></cp:coreProperties>")
        archive.writestr("docProps/app.xml", f"<Properties><Company>{TEAM}</Company></Properties>")
    return out.getvalue()


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"tEXt", b"Author\x00" + LEAD.encode())
            + chunk(b"iTXt", b"Copyright\x00\x00\x00\x00\x00" + TEAM.encode())
            + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b""))


def _jpeg() -> bytes:
    exif = b"Exif\x00\x00" + f"Artist={LEAD}".encode()
    comment = TEAM.encode()
    return (b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
            + b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
            + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
            + b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00" + b"\x12\x34\xff\xd9")


FILES = [  # original name (identifying), content type, bytes
    (f"{TEAM} budget.pdf", "application/pdf", _pdf_with_metadata),
    (f"{LEAD} letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _docx),
    (f"{SCHOOL} site.png", "image/png", _png),
    (f"{MEMBER}.jpg", "image/jpeg", _jpeg),
]


def _make_world(make_review_world, org, staff, *, is_blind: bool):
    world = make_review_world(org, staff, blind=is_blind, applications=2, reviewers=2)
    application = world.applications[0]
    application.team.name, application.school_name = TEAM, SCHOOL
    application.school_name_identifies_team = True
    lead, member = application.team.members[0].user, application.team.members[1].user
    lead.name, lead.email, member.name, member.email = LEAD, LEAD_EMAIL, MEMBER, MEMBER_EMAIL
    application.learner_profiles = "Every learner keeps a profile of strengths and goals."
    for name, content_type, make in FILES:
        data = make()
        stored = secrets.token_hex(20)
        (attachments.upload_dir() / stored).write_bytes(data)
        application.attachments.append(Attachment(original_filename=name, stored_name=stored, content_type=content_type,
                                                  size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest()))
    db.session.commit()
    return world


def _everything_the_reviewer_gets(world, make_client, staff, in_request) -> list[tuple[str, str]]:
    """(what, its text) for every page, header, file and mail the reviewer can reach."""
    reviewer = world.reviewers[0]
    application = world.applications[0]
    assignment = declared(world, application, reviewer)
    declared(world, world.applications[1], reviewer)
    client = make_client(reviewer)
    url = f"/reviews/assignments/{assignment.id}"
    seen = [("queue", client.get("/reviews/queue").text), ("dashboard", client.get("/dashboard").text),
            ("scoring page", client.get(url).text)]
    autosaved = client.post(url + "/autosave", data=review_form(world, assignment))
    seen.append(("autosave", autosaved.get_data(as_text=True)))
    seen.append(("refused submit", client.post(url, data=review_form(world, assignment, values=("", "", ""),
                                                                     action="submit", version=2)).text))
    seen.append(("stale save", client.post(url, data=review_form(world, assignment, version=1)).text))
    client.post(url, data=review_form(world, assignment, action="submit", version=2))
    seen.append(("submitted page", client.get(url).text))
    assert "is locked" in seen[-1][1]
    for attachment in application.attachments:
        response = client.get(f"{url}/attachments/{attachment.id}")
        assert response.status_code == 200, attachment.original_filename
        seen.append((f"{attachment.content_type} header", response.headers["Content-Disposition"]))
        data = response.get_data()
        seen.append((f"{attachment.content_type} bytes", data.decode("latin-1")))
        if attachment.content_type == "application/pdf":
            reader = PdfReader(io.BytesIO(data))
            xmp = reader.trailer["/Root"].get("/Metadata")
            seen.append(("attachment PDF metadata", repr(reader.metadata)
                         + (xmp.get_object().get_data().decode() if xmp is not None else "")))
    response = client.get(f"{url}/application.pdf")
    assert response.status_code == 200
    seen.append(("application PDF header", response.headers["Content-Disposition"]))
    reader = PdfReader(io.BytesIO(response.get_data()))
    seen.append(("application PDF metadata", repr(reader.metadata)))
    seen.append(("application PDF text", " ".join(page.extract_text() for page in reader.pages)))
    reviewing.reopen(assignment, actor=staff, reason="Please look again", now=utcnow())
    db.session.commit()
    for message in db.session.scalars(sa.select(OutboxMessage).filter_by(recipient=reviewer.email)):
        seen.append(("mail", message.subject + "\n" + message.body_text))
    return seen


@pytest.fixture
def in_request(app):
    with app.test_request_context():
        yield


def test_a_blind_round_shows_the_reviewer_nothing_that_names_the_team(make_review_world, org, staff, make_client,
                                                                      in_request):
    world = _make_world(make_review_world, org, staff, is_blind=True)
    seen = _everything_the_reviewer_gets(world, make_client, staff, in_request)
    assert any(what == "mail" for what, _ in seen)
    label = blind.neutral_label(world.applications[0], world.round)
    assert label.startswith("Application ") and any(label in text for what, text in seen if what == "scoring page")
    assert any("attachment-1.pdf" in text for what, text in seen if what.endswith("header"))
    assert any(label in text for what, text in seen if what == "application PDF text")
    leaks = [(what, secret) for what, text in seen for secret in SECRETS if secret.lower() in text.lower()]
    assert leaks == []


def test_the_same_round_when_open_names_the_team_everywhere(make_review_world, org, staff, make_client, in_request):
    world = _make_world(make_review_world, org, staff, is_blind=False)
    seen = dict(_everything_the_reviewer_gets(world, make_client, staff, in_request))
    for what in ("scoring page", "submitted page", "application PDF text"):
        assert TEAM in seen[what] and LEAD in seen[what] and SCHOOL in seen[what], what
    assert TEAM in seen["application/pdf header"] and LEAD in seen["attachment PDF metadata"]
    assert SCHOOL in seen["queue"] and SCHOOL in seen["mail"]


def test_a_school_name_not_marked_identifying_is_shown_in_a_blind_round(make_review_world, org, staff, make_client):
    world = _make_world(make_review_world, org, staff, is_blind=True)
    world.applications[0].school_name_identifies_team = False
    db.session.commit()
    assignment = declared(world, world.applications[0], world.reviewers[0])
    page = make_client(world.reviewers[0]).get(f"/reviews/assignments/{assignment.id}").text
    assert SCHOOL in page and TEAM not in page and LEAD not in page


def test_neutral_numbers_are_stable_distinct_and_not_the_application_order(make_review_world, org, staff):
    world = make_review_world(org, staff, blind=True, applications=8)
    numbers = blind.numbers(world.round)
    assert sorted(numbers.values()) == list(range(1, 9))
    assert [numbers[a.id] for a in world.applications] != list(range(1, 9))
    assert blind.neutral_label(world.applications[3], world.round) == f"Application {numbers[world.applications[3].id]}"


def test_a_file_that_cannot_be_cleaned_is_not_served_in_a_blind_round(make_review_world, org, staff, make_client):
    world = _make_world(make_review_world, org, staff, is_blind=True)
    attachment = world.applications[0].attachments[0]
    (attachments.upload_dir() / attachment.stored_name).write_bytes(b"%PDF-1.4 not really a pdf " + LEAD.encode())
    assignment = declared(world, world.applications[0], world.reviewers[0])
    response = make_client(world.reviewers[0]).get(f"/reviews/assignments/{assignment.id}/attachments/{attachment.id}")
    assert response.status_code == 302 and LEAD not in response.get_data(as_text=True)
