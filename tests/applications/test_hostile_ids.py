"""Ids and versions that come back in forms are digits a database can hold; anything
else (digits of other scripts included) is a clear refusal, never a 500."""
import io

import pytest

from incubator.applications.models import Attachment
from incubator.extensions import db

PDF = b"%PDF-1.4\n%%EOF\n"
NOT_PLAIN_DIGITS = ["²", "١٢", "٣", "12a", "-1", " 1", "1" * 10]


@pytest.mark.parametrize("value", NOT_PLAIN_DIGITS)
def test_a_damaged_version_is_refused_with_a_message(make_client, member, application, value):
    response = make_client(member).post(f"/applications/{application.id}/edit",
                                        data={"version": value, "school_name": "Changed"})
    assert response.status_code == 422 and "The form is damaged; reload the page." in response.text
    db.session.expire_all()
    assert application.school_name == "" and application.version == 1


@pytest.mark.parametrize("value", NOT_PLAIN_DIGITS)
def test_a_damaged_question_id_on_an_upload_is_a_bad_request(make_client, member, application, value):
    response = make_client(member).post(f"/applications/{application.id}/attachments",
                                        content_type="multipart/form-data",
                                        data={"file": (io.BytesIO(PDF), "plan.pdf"), "question_id": value})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count(Attachment.id))) == 0
