"""Attachments: recognised by their content, capped in size, stored under server names, downloaded as attachments."""
import io
import os
import zipfile

import pytest

from incubator.applications.models import Attachment
from incubator.applications.states import Status
from incubator.challenges.models import QuestionKind
from incubator.extensions import db
from tests.applications.conftest import question

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{prefix}/document.xml", "<doc/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def upload(client, application, content: bytes, name: str, question_id=""):
    return client.post(f"/applications/{application.id}/attachments", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), name), "question_id": str(question_id)})


def stored_files(app):
    directory = os.path.join(app.config["UPLOAD_DIR"], "attachments")
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


@pytest.mark.parametrize("content, name, content_type", [
    (PDF, "plan.pdf", "application/pdf"),
    (office("word"), "narrative.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (office("xl"), "budget.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    (PNG, "site.png", "image/png"),
    (JPEG, "site.jpeg", "image/jpeg"),
    (PDF, "misnamed.png", "application/pdf"),  # the content decides, not the name
])
def test_accepted_files_are_stored_under_a_server_name_and_downloaded_as_attachments(
        app, make_client, member, application, content, name, content_type):
    client = make_client(member)
    assert upload(client, application, content, name).status_code == 302
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.content_type == content_type and attachment.original_filename == name
    assert attachment.stored_name != name and attachment.stored_name in stored_files(app)
    response = client.get(f"/applications/{application.id}/attachments/{attachment.id}")
    assert response.status_code == 200 and response.data == content
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Type"].startswith(content_type)


@pytest.mark.parametrize("content, name", [
    (b"MZ\x90\x00\x03" + b"\x00" * 100, "invoice.pdf"),          # a Windows program renamed .pdf
    (b"Dear reviewers, here is our plan.", "narrative.docx"),     # a text file renamed .docx
    (plain_zip(), "budget.xlsx"),                                 # a ZIP without word/ or xl/
    (b"PK\x03\x04 not really a zip", "broken.docx"),
    (b"<svg onload=alert(1)>", "logo.png"),
    (b"", "empty.pdf"),
])
def test_files_whose_content_is_not_an_allowed_type_are_refused_and_nothing_is_stored(
        app, make_client, member, application, content, name):
    before = stored_files(app)
    response = upload(make_client(member), application, content, name)
    assert response.status_code == 422
    assert "not a PDF, Word" in response.text or "empty" in response.text
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert stored_files(app) == before


def test_a_file_over_20_mb_is_refused_without_anything_stored(app, make_client, member, application):
    before = stored_files(app)
    response = upload(make_client(member), application, PDF + b"0" * (20 * 1024 * 1024), "huge.pdf")
    assert response.status_code == 413
    assert "larger than 20 MB" in response.text
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert stored_files(app) == before


def test_a_request_over_the_size_cap_is_refused_before_it_is_read(app, make_client, member, application):
    before = stored_files(app)
    response = upload(make_client(member), application, PDF + b"0" * (22 * 1024 * 1024), "huger.pdf")
    assert response.status_code == 413
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert stored_files(app) == before


def test_an_application_holds_at_most_100_mb_of_files(app, make_client, member, application):
    application.attachments.append(Attachment(original_filename="big.pdf", stored_name="x" * 40,
                                              content_type="application/pdf", size_bytes=100 * 1024 * 1024 - 10,
                                              sha256="0" * 64))
    db.session.commit()
    before = stored_files(app)
    response = upload(make_client(member), application, PDF, "one-more.pdf")
    assert response.status_code == 413 and "at most 100 MB" in response.text
    assert stored_files(app) == before


def test_a_file_question_takes_one_file_and_satisfies_the_checklist(make_client, member, application):
    client = make_client(member)
    workbook = question(application.challenge, QuestionKind.file)
    assert "Budget workbook (upload a file)" in client.get(f"/applications/{application.id}").text
    assert upload(client, application, office("xl"), "budget.xlsx", workbook.id).status_code == 302
    assert "Budget workbook (upload a file)" not in client.get(f"/applications/{application.id}").text
    second = upload(client, application, office("xl"), "budget2.xlsx", workbook.id)
    assert second.status_code == 422 and "already has a file" in second.text


@pytest.mark.parametrize("question_id", ["abc", "99999", "1; DROP TABLE attachments"])
def test_a_hostile_question_id_is_refused(make_client, member, application, question_id):
    response = upload(make_client(member), application, PDF, "plan.pdf", question_id)
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0


def test_a_hostile_filename_is_kept_only_as_harmless_text(make_client, member, application):
    client = make_client(member)
    assert upload(client, application, PDF, "../../etc/passwd<script>.pdf").status_code == 302
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.original_filename == "passwd<script>.pdf"
    assert "passwd&lt;script&gt;.pdf" in client.get(f"/applications/{application.id}").text


@pytest.mark.parametrize("name, shown", [
    ("invoice\u202efdp.exe", "invoicefdp.exe"),            # right-to-left override: would read "invoiceexe.pdf"
    ("report\u202a\u202b\u202c\u202d.pdf", "report.pdf"),  # embeddings and the pop
    ("\u2066plan\u2067\u2068\u2069.pdf", "plan.pdf"),      # isolates
    ("bud\u200bget\u200e\u200f\ufeff\u00ad.pdf", "budget.pdf"),  # zero-width, marks, BOM, soft hyphen
    ("\u202e", "attachment"),
])
def test_direction_overrides_and_invisible_characters_are_stripped_from_file_names(
        make_client, member, application, name, shown):
    client = make_client(member)
    response = upload(client, application, PDF, name)
    assert response.status_code == 302
    attachment = db.session.scalar(db.select(Attachment))
    assert attachment.original_filename == shown
    page = client.get(f"/applications/{application.id}").text
    assert shown in page and "\u202e" not in page and "\u2066" not in page
    download = client.get(f"/applications/{application.id}/attachments/{attachment.id}")
    disposition = download.headers["Content-Disposition"]
    assert "%E2%80%AE" not in disposition.upper() and "\u202e" not in disposition
    assert shown.removesuffix(".pdf") in disposition


def test_a_member_removes_a_file_and_it_leaves_the_disk(app, make_client, member, application):
    client = make_client(member)
    upload(client, application, PDF, "plan.pdf")
    attachment = db.session.scalar(db.select(Attachment))
    name = attachment.stored_name
    assert client.post(f"/applications/{application.id}/attachments/{attachment.id}/delete").status_code == 302
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
    assert name not in stored_files(app)


def test_a_submitted_application_takes_no_uploads_or_deletes(app, make_client, member, application):
    client = make_client(member)
    upload(client, application, PDF, "plan.pdf")
    attachment = db.session.scalar(db.select(Attachment))
    created_at = application.created_at
    application.status, application.submitted_at = Status.submitted, created_at
    db.session.commit()
    assert upload(client, application, PDF, "more.pdf").status_code == 409
    assert client.post(f"/applications/{application.id}/attachments/{attachment.id}/delete").status_code == 409
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 1
    assert attachment.stored_name in stored_files(app)


def test_a_file_missing_from_disk_is_not_found_not_a_server_error(app, make_client, member, application):
    from incubator.applications.attachments import path_of

    client = make_client(member)
    upload(client, application, PDF, "plan.pdf")
    attachment = db.session.scalar(db.select(Attachment))
    path_of(attachment).unlink()  # e.g. a restore that brought back the database but not the files
    assert client.get(f"/applications/{application.id}/attachments/{attachment.id}").status_code == 404
