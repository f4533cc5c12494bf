"""An answered instrument is never changed in place: editing it makes a new version."""
import sqlalchemy as sa

from incubator.extensions import db
from incubator.readiness.models import Assessment, ChallengeReadiness, Instrument, ReadinessItem
from tests.readiness.conftest import open_assessment, rate


def test_editing_an_unanswered_instrument_changes_it_in_place(make_client, staff, instrument):
    item = instrument.items[0]
    response = make_client(staff).post(f"/readiness/instruments/{instrument.id}/items/{item.id}/edit", data={
        "prompt": "We have a vision.", "level_1": "a", "level_2": "b", "level_3": "c", "level_4": "d"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReadinessItem, item.id).prompt == "We have a vision."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Instrument)) == 1


def test_editing_an_answered_instrument_makes_a_new_version_and_old_assessments_keep_theirs(
        make_client, staff, setup):
    lead = make_client(setup.lead)
    assessment = open_assessment(lead, setup.application)
    for person in setup.members:
        rate(make_client(person), assessment, lambda i, item: "2")
    lead.get("/dashboard")  # the welcome message is shown once
    before = lead.get(f"/readiness/assessments/{assessment.id}").text
    assert "Member A" in before
    old_id, old_item = setup.instrument.id, setup.instrument.items[0]
    old_prompt, domain = old_item.prompt, setup.instrument.domains[0]
    staff_client = make_client(staff)
    response = staff_client.post(f"/readiness/instruments/{old_id}/items/{old_item.id}/edit", data={
        "prompt": "Reworded item", "level_1": "a", "level_2": "b", "level_3": "c", "level_4": "d"})
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Instrument).where(Instrument.is_current, Instrument.id != old_id,
                                                        Instrument.organisation_id == setup.challenge.organisation_id))
    assert new.version == 2 and response.headers["Location"].endswith(f"/readiness/instruments/{new.id}")
    assert new.items[0].prompt == "Reworded item"
    # Further edits change version 2 in place (nobody answered it yet).
    staff_client.post(f"/readiness/instruments/{new.id}/domains/{new.domains[0].id}/remove")
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Instrument).where(
        Instrument.organisation_id == setup.challenge.organisation_id)) == 2
    # The old version and its assessment are untouched.
    old = db.session.get(Instrument, old_id)
    assert not old.is_current and old.items[0].prompt == old_prompt and old.domains[0].title == domain.title
    assert db.session.get(Assessment, assessment.id).instrument_id == old_id
    assert lead.get(f"/readiness/assessments/{assessment.id}").text == before
    # Editing the old version is refused; the challenge now takes version 2.
    staff_client.post(f"/readiness/instruments/{old_id}/domains", data={"title": "Sneaky"})
    db.session.expire_all()
    assert "Sneaky" not in [d.title for d in db.session.get(Instrument, old_id).domains]
    assert db.session.get(ChallengeReadiness, setup.challenge.id).instrument_id == new.id


def test_staff_add_reorder_and_remove_domains_and_items(make_client, staff, instrument):
    client = make_client(staff)
    client.post(f"/readiness/instruments/{instrument.id}/domains", data={"title": "Partnerships", "description": ""})
    db.session.expire_all()
    domain = db.session.get(Instrument, instrument.id).domains[-1]
    assert domain.title == "Partnerships"
    client.post(f"/readiness/instruments/{instrument.id}/domains/{domain.id}/items/new", data={
        "prompt": "We have partners.", "level_1": "None", "level_2": "Talks", "level_3": "Letters",
        "level_4": "Contracts", "allows_not_sure": "y"})
    client.post(f"/readiness/instruments/{instrument.id}/domains/{domain.id}/move", data={"direction": "up"})
    db.session.expire_all()
    domains = db.session.get(Instrument, instrument.id).domains
    assert [d.title for d in domains][-2] == "Partnerships" and domains[-2].items[0].descriptors[3] == "Contracts"
    first = domains[0].items
    client.post(f"/readiness/instruments/{instrument.id}/items/{first[0].id}/move", data={"direction": "down"})
    client.post(f"/readiness/instruments/{instrument.id}/items/{first[0].id}/remove")
    db.session.expire_all()
    assert len(db.session.get(Instrument, instrument.id).domains[0].items) == len(first) - 1
