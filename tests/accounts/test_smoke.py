from incubator.core.audit import AuditEvent
from incubator.extensions import db


def test_a_person_signs_in_and_sees_the_dashboard(client, applicant):
    client.login(applicant)
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert "Dashboard" in response.text
    assert db.session.scalar(db.select(AuditEvent).filter_by(action="user.signed_in")).actor_id == applicant.id
