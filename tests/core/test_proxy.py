"""Behind a reverse proxy the audit trail records the client's address, not the proxy's."""
from incubator import create_app
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from tests.conftest import Client


def _forwarded_sign_in_address(app, client, applicant):
    client.post("/login", data={"email": applicant.email, "password": "wrong password here"},
                headers={"X-Forwarded-For": "203.0.113.7"})
    return db.session.scalar(db.select(AuditEvent.ip_address).filter_by(action="user.sign_in_failed"))


def test_without_proxy_hops_a_forwarded_header_is_not_trusted(app, client, applicant):
    assert _forwarded_sign_in_address(app, client, applicant) == "127.0.0.1"


def test_with_one_proxy_hop_the_forwarded_address_is_recorded(database_url, redis_url, tmp_path, make_user):
    proxied = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, REDIS_URL=redis_url,
                         INSTANCE_DIR=str(tmp_path), PROXY_HOPS=1)
    applicant = make_user("proxied@example.org")
    proxied.test_client_class = Client
    with proxied.app_context():
        proxied.test_client().post("/login", data={"email": applicant.email, "password": "wrong password here"},
                                   headers={"X-Forwarded-For": "203.0.113.7"})
    assert db.session.scalar(db.select(AuditEvent.ip_address).filter_by(action="user.sign_in_failed")) == "203.0.113.7"
