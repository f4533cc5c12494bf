"""The audit trail in words: people by name, objects linked, times in the viewer's
organization's timezone, the raw record behind a disclosure, and a sentence for any action."""
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from incubator.core import audit, audit_words
from incubator.extensions import db


@pytest.fixture
def admin_client(make_client, admin):
    return make_client(admin)


def events(page) -> list[tuple[str, str, str]]:
    """(action, when, sentence in plain words) per row, top to bottom."""
    found = re.findall(r'<tr data-action="([^"]+)">\s*<td class="nowrap"><time[^>]*>([^<]+)</time></td>\s*'
                       r'<td>\s*<p class="sentence">(.*?)</p>', page.text, re.S)
    return [(action, when, re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", sentence)).strip())
            for action, when, sentence in found]


def event_at(moment, actor, action, obj=None, **kwargs):
    event = audit.record(actor, action, obj, **kwargs)
    event.occurred_at = moment
    db.session.commit()
    return event


MARCH_1_NOON = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)


def test_people_are_shown_by_name_and_linked(admin_client, admin, staff, org):
    event_at(MARCH_1_NOON, admin, "user.deactivated", staff)
    page = admin_client.get("/admin/audit", query_string={"action": "user.deactivated"})
    assert events(page) == [("user.deactivated", "2026-03-01 06:00:00 CST", "Avery Admin deactivated Sam Staff")]
    assert f'<a href="/admin/users/{admin.id}">Avery Admin</a>' in page.text
    assert f'<a href="/admin/users/{staff.id}">Sam Staff</a>' in page.text


def test_roles_and_organizations_read_in_words(admin_client, admin, staff, org):
    membership = staff.memberships[0]
    event_at(MARCH_1_NOON, admin, "membership.granted", membership, to_state="program_staff")
    page = admin_client.get("/admin/audit", query_string={"action": "membership."})
    assert events(page)[0][2] == "Avery Admin made Sam Staff program staff in New Schools for New Orleans"
    assert f'<a href="/admin/organisations/{org.id}">New Schools for New Orleans</a>' in page.text


def test_times_are_in_the_viewers_organization_timezone(make_client, make_user, make_org, grant_role, org, staff):
    tokyo = make_org("Tokyo Schools", timezone="Asia/Tokyo")
    viewer = grant_role(make_user("tokyo-admin@example.org", name="Tomo Admin", admin=True), tokyo, "program_staff")
    event_at(MARCH_1_NOON, staff, "user.signed_out", staff)
    page = make_client(viewer).get("/admin/audit", query_string={"action": "user.signed_out"})
    assert "When (Asia/Tokyo)" in page.text
    assert events(page) == [("user.signed_out", "2026-03-01 21:00:00 JST", "Sam Staff signed out")]


def test_an_admin_without_an_organization_sees_the_zone_all_organizations_share(admin_client, make_org, staff):
    event_at(MARCH_1_NOON, staff, "user.signed_out", staff)
    assert "When (America/Chicago)" in admin_client.get("/admin/audit").text
    make_org("Honolulu Schools", timezone="Pacific/Honolulu")  # two zones now: no single local time
    page = admin_client.get("/admin/audit", query_string={"action": "user.signed_out"})
    assert "When (UTC)" in page.text and events(page)[0][1] == "2026-03-01 12:00:00 UTC"


def test_the_date_filters_are_days_in_the_same_timezone(admin_client, staff, org):
    # 03:00 UTC on 2 March is still the evening of 1 March in Chicago.
    event_at(datetime(2026, 3, 2, 3, tzinfo=timezone.utc), staff, "user.signed_out", staff)
    on_the_first = admin_client.get("/admin/audit", query_string={"since": "2026-03-01", "until": "2026-03-01"})
    assert [e[1] for e in events(on_the_first)] == ["2026-03-01 21:00:00 CST"]
    assert events(admin_client.get("/admin/audit", query_string={"since": "2026-03-02", "until": "2026-03-02"})) == []


def test_the_raw_record_is_behind_a_disclosure(admin_client, admin, org):
    event_at(MARCH_1_NOON, admin, "organisation.updated", org, changes={"timezone": "America/New_York"})
    page = admin_client.get("/admin/audit", query_string={"action": "organisation.updated"})
    row = re.search(r'<tr data-action="organisation.updated">(.*?)</tr>', page.text, re.S).group(1)
    sentence, disclosure = row.split("<details>", 1)
    assert "America/New_York" not in sentence and "organisation.updated" not in sentence
    assert "<summary>Details</summary>" in disclosure
    for raw in ("<code>organisation.updated</code>", f"Organisation #{org.id}", "America/New_York",
                "admin@example.org", "2026-03-01 12:00:00"):
        assert raw in disclosure


def test_someone_not_signed_in_is_shown_by_the_email_they_typed(admin_client, applicant):
    event_at(MARCH_1_NOON, None, "user.sign_in_failed", applicant, actor_email="applicant@example.org")
    page = admin_client.get("/admin/audit", query_string={"action": "user.sign_in_failed"})
    assert events(page)[0][2] == "Someone failed to sign in as applicant@example.org (wrong password)"


def test_an_action_without_a_phrase_still_reads(admin_client, admin, applicant):
    event_at(MARCH_1_NOON, admin, "grant.tranche_paid", applicant, amount_cents=10_000_00)
    page = admin_client.get("/admin/audit", query_string={"action": "grant."})
    assert page.status_code == 200
    assert events(page)[0][2] == "Avery Admin recorded grant.tranche_paid on Ari Applicant"


def test_a_phrase_missing_what_it_needs_falls_back_instead_of_failing(admin_client, admin, org):
    event_at(MARCH_1_NOON, admin, "invitation.sent", org)  # no email or role in the details
    page = admin_client.get("/admin/audit", query_string={"action": "invitation.sent"})
    assert page.status_code == 200
    assert events(page)[0][2] == "Avery Admin recorded invitation.sent on New Schools for New Orleans"


def test_an_object_that_is_gone_reads_by_type_and_number(admin_client, admin):
    event = event_at(MARCH_1_NOON, admin, "challenge.updated")
    db.session.execute(audit.AuditEvent.__table__.update().where(audit.AuditEvent.id == event.id)
                       .values(object_type="Challenge", object_id=987654))
    db.session.commit()
    page = admin_client.get("/admin/audit", query_string={"action": "challenge.updated"})
    assert events(page)[0][2] == "Avery Admin updated the challenge Challenge #987654"


def test_a_domain_adds_its_own_phrasing(admin_client, admin, applicant, monkeypatch):
    monkeypatch.setitem(audit_words._phrases, "grant.offered", "{actor} offered {object} a grant of {details[amount]}")
    event_at(MARCH_1_NOON, admin, "grant.offered", applicant, amount="$100,000")
    page = admin_client.get("/admin/audit", query_string={"action": "grant."})
    assert events(page)[0][2] == "Avery Admin offered Ari Applicant a grant of $100,000"


def test_names_and_details_are_escaped(admin_client, make_user, admin):
    hostile = make_user("hostile@example.org", name="<script>alert(1)</script>")
    event_at(MARCH_1_NOON, admin, "grant.offered", hostile, amount="<b>lots</b>")
    monkeypatched = dict(audit_words._phrases)
    audit_words._phrases["grant.offered"] = "{actor} offered {object} {details[amount]}"
    try:
        page = admin_client.get("/admin/audit", query_string={"action": "grant."})
    finally:
        audit_words._phrases.clear()
        audit_words._phrases.update(monkeypatched)
    assert "<script>alert(1)</script>" not in page.text and "<b>lots</b>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "&lt;b&gt;lots&lt;/b&gt;" in page.text


def test_the_number_of_statements_does_not_grow_with_the_page(admin_client, admin, make_user, org, count_statements):
    people = [make_user(name=f"Person {n}") for n in range(30)]
    for person in people[:3]:
        event_at(MARCH_1_NOON, admin, "user.deactivated", person)
    admin_client.get("/admin/audit")
    few = count_statements(lambda: admin_client.get("/admin/audit"))
    for person in people[3:]:
        event_at(MARCH_1_NOON, admin, "user.deactivated", person)
        event_at(MARCH_1_NOON, admin, "organisation.updated", org)
    many = count_statements(lambda: admin_client.get("/admin/audit"))
    assert many <= few + 1  # one more object type on the page (organizations were there already) at most


def test_every_action_the_code_records_has_a_phrase():
    source = Path(audit.__file__).resolve().parents[1]
    recorded = set()
    for path in source.rglob("*.py"):
        text = path.read_text()
        recorded |= set(re.findall(r'audit\.record\([^,]+,\s*"([a-z_]+\.[a-z_]+)"', text))
        for a, b in re.findall(r'"([a-z_]+\.[a-z_]+)" if \w+ else "([a-z_]+\.[a-z_]+)"', text):
            recorded |= {a, b}
        recorded |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
    assert recorded, "found no recorded actions"
    assert recorded - audit_words.known_actions() == set()
