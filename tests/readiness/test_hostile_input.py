"""Every readiness form, sent malformed, oversized and hostile values: a clear message, never a
server error, and nothing half-saved."""
import pytest
import sqlalchemy as sa

from incubator.core.audit import AuditEvent
from incubator.extensions import db
from incubator.readiness.models import AnswerSet, Assessment, Instrument, Rating
from tests.readiness.conftest import grid, open_assessment

HOSTILE = ["\x00", "x" * 20_000, "5", "0", "-1", "²", "not_sure\x00", "<script>alert(1)</script>", "\u202e", "3.5",
           "99999999999999999999"]


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_ratings_and_notes_are_refused_and_nothing_is_saved(make_client, setup, value):
    assessment = open_assessment(make_client(setup.lead), setup.application)
    member = make_client(setup.members[0])
    instrument = db.session.get(Instrument, assessment.instrument_id)
    data = grid(instrument, lambda i, item: value if i == 0 else "2", action="complete")
    response = member.post(f"/readiness/assessments/{assessment.id}/rate", data=data)
    assert response.status_code == 422, value[:20]
    assert "not saved" in response.text
    data = grid(instrument, lambda i, item: "2", action="complete")
    data[f"note-{instrument.domains[0].id}"] = value if value != "x" * 20_000 else "x" * 6000
    response = member.post(f"/readiness/assessments/{assessment.id}/rate", data=data)
    assert response.status_code in (302, 422)
    if response.status_code == 422:
        assert _count(AnswerSet) == 0 and _count(Rating) == 0
    else:  # plain text is kept as typed (and escaped on the page)
        assert "<script>alert(1)</script>" not in member.get(f"/readiness/assessments/{assessment.id}").text


def test_ratings_for_items_of_another_instrument_are_ignored(make_client, setup, make_setup, make_org):
    assessment = open_assessment(make_client(setup.lead), setup.application)
    data = grid(setup.instrument, lambda i, item: "2", action="complete")
    data["item-999999"] = "4"
    data["note-999999"] = "elsewhere"
    assert make_client(setup.members[0]).post(f"/readiness/assessments/{assessment.id}/rate",
                                               data=data).status_code == 302
    assert {r.item_id for r in db.session.scalars(sa.select(Rating))} == {i.id for i in setup.instrument.items}


@pytest.mark.parametrize("value", ["", "\x00", "x" * 81, "\u202eevil", "line\nbreak"])
def test_a_hostile_assessment_name_is_refused(make_client, setup, value):
    response = make_client(setup.lead).post(f"/readiness/applications/{setup.application.id}/assessments",
                                            data={"label": value})
    assert response.status_code == 422
    assert _count(Assessment) == 0


@pytest.mark.parametrize("value", ["", "\x00", "x" * 20_000, "\u202e"])
def test_hostile_instrument_edits_are_refused(make_client, staff, instrument, value):
    client = make_client(staff)
    events = _count(AuditEvent)
    item, domain = instrument.items[0], instrument.domains[0]
    posts = [
        (f"/readiness/instruments/{instrument.id}", {"name": value, "description": value}),
        (f"/readiness/instruments/{instrument.id}/domains", {"title": value, "description": value}),
        (f"/readiness/instruments/{instrument.id}/domains/{domain.id}", {"title": value, "description": ""}),
        (f"/readiness/instruments/{instrument.id}/domains/{domain.id}/items/new",
         {"prompt": value, "level_1": value, "level_2": "b", "level_3": "c", "level_4": "d"}),
        (f"/readiness/instruments/{instrument.id}/items/{item.id}/edit",
         {"prompt": "ok", "level_1": value, "level_2": "b", "level_3": "c", "level_4": "d"}),
        (f"/readiness/instruments/{instrument.id}/domains/{domain.id}/move", {"direction": value}),
        (f"/readiness/instruments/{instrument.id}/items/{item.id}/move", {"direction": value}),
    ]
    for url, data in posts:
        response = client.post(url, data=data)
        assert response.status_code in (302, 422), url
    assert _count(AuditEvent) == events  # nothing changed
    db.session.expire_all()
    assert db.session.get(Instrument, instrument.id).items[0].prompt == item.prompt


@pytest.mark.parametrize("direction", ["-1", "²", "sideways", ""])
def test_a_hostile_direction_moves_nothing(make_client, staff, instrument, direction):
    client = make_client(staff)
    events = _count(AuditEvent)
    order = [d.id for d in instrument.domains]
    domain, item = instrument.domains[1], instrument.items[1]
    for url in (f"/readiness/instruments/{instrument.id}/domains/{domain.id}/move",
                f"/readiness/instruments/{instrument.id}/items/{item.id}/move"):
        assert client.post(url, data={"direction": direction}).status_code == 302
    db.session.expire_all()
    assert [d.id for d in db.session.get(Instrument, instrument.id).domains] == order
    assert _count(AuditEvent) == events


@pytest.mark.parametrize("requirement, instrument_id", [("", ""), ("always", "1"), ("required", "\x00"),
                                                        ("required", "99999999999999999999"), ("optional", "-1")])
def test_hostile_challenge_settings_are_refused(make_client, staff, setup, requirement, instrument_id):
    response = make_client(staff).post(f"/readiness/challenges/{setup.challenge.id}/settings",
                                       data={"requirement": requirement, "instrument_id": instrument_id})
    assert response.status_code == 422


@pytest.mark.parametrize("query", [{"sort": "\x00"}, {"sort": "x" * 5000, "dir": "desc"}, {"dir": "²"}])
def test_the_comparison_ignores_hostile_sorting(make_client, staff, setup, query):
    client = make_client(staff)
    assert client.get(f"/readiness/challenges/{setup.challenge.id}/compare", query_string=query).status_code == 200
    response = client.get(f"/readiness/challenges/{setup.challenge.id}/compare.csv", query_string=query)
    assert response.status_code == 200 and response.get_data()
