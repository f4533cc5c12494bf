"""The organisation's milestone template: staff list, add, edit, delete and reorder its
milestones; cohorts made after get the changes, plans already made keep theirs."""
import pytest
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core.audit import AuditEvent
from incubator.extensions import db
from incubator.incubation import plans
from incubator.incubation.models import TemplateMilestone
from incubator.incubation.states import MilestoneKind


def _items(org):
    return db.session.scalars(sa.select(TemplateMilestone).where(TemplateMilestone.organisation_id == org.id)
                              .order_by(TemplateMilestone.position)).all()


def _form(**changes):
    data = {"title": "School board pitch", "guidance": "Pitch the design to a board.", "evidence_needed": "Slides.",
            "due_offset_days": "175", "required_for_launch": "y", "kind": "standard", "required_sessions": ""}
    data.update(changes)
    return data


def _events(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)).all()


def test_the_first_look_makes_the_default_template_and_says_changes_apply_to_later_cohorts(make_client, org, staff):
    text = make_client(staff).get(f"/incubation/organisations/{org.id}/template").text
    titles = [item.title for item in _items(org)]
    assert len(titles) == 7 and titles[0] == "Design-thinking training" and titles[-1] == "Final showcase"
    assert all(title in text for title in titles)
    assert "apply to cohorts made after" in text and "6 sessions" in text


def test_staff_add_a_milestone_and_the_next_cohort_gets_it_but_not_the_cohort_made_before(
        make_client, incubation, make_incubation_world):
    client = make_client(incubation.staff)
    response = client.post(f"/incubation/organisations/{incubation.org.id}/template/new", data=_form())
    assert response.status_code == 302
    item = _items(incubation.org)[-1]
    assert (item.title, item.due_offset_days, item.position, item.required_for_launch) == \
        ("School board pitch", 175, 8, True)
    assert _events("incubation.template_item_added")[-1].object_id == item.id
    assert all(len(t.milestones) == 7 for t in incubation.teams)
    later = make_incubation_world(incubation.org, incubation.staff, teams=1)
    assert [m.title for m in later.teams[0].milestones][-1] == "School board pitch"


def test_staff_edit_a_milestone_into_a_coaching_one(make_client, org, staff):
    item = plans.template_of(org)[0]
    db.session.commit()
    response = make_client(staff).post(f"/incubation/template/{item.id}/edit",
                                       data=_form(kind="coaching", required_sessions="4", required_for_launch=""))
    assert response.status_code == 302
    db.session.expire_all()
    assert (item.kind, item.required_sessions, item.required_for_launch) == (MilestoneKind.coaching, 4, False)
    assert "required_sessions" in _events("incubation.template_item_updated")[-1].details["fields"]
    # Back to evidence only: the number of sessions no longer applies.
    make_client(staff).post(f"/incubation/template/{item.id}/edit", data=_form(required_sessions="4"))
    db.session.expire_all()
    assert (item.kind, item.required_sessions) == (MilestoneKind.standard, None)


@pytest.mark.parametrize("changes,message", [
    ({"title": ""}, "Give the milestone a title"),
    ({"title": "x" * 201}, "at most 200 characters"),
    ({"title": "Bad\x07title"}, "not allowed"),
    ({"guidance": "x" * 10_001}, "At most 10,000 characters"),
    ({"evidence_needed": "nul\x00"}, "not allowed"),
    ({"due_offset_days": "-1"}, "From 0 to 1,098 days"),
    ({"due_offset_days": "10000"}, "From 0 to 1,098 days"),
    ({"due_offset_days": "soon"}, "whole number of days"),
    ({"kind": "lottery"}, "Not a valid choice"),
    ({"kind": "coaching", "required_sessions": ""}, "needs the number of logged sessions"),
    ({"kind": "coaching", "required_sessions": "0"}, "From 1 to 100 sessions"),
    ({"kind": "coaching", "required_sessions": "many"}, "whole number of sessions"),
])
def test_bad_input_is_refused_and_nothing_is_saved(make_client, org, staff, changes, message):
    plans.template_of(org)
    db.session.commit()
    client = make_client(staff)
    response = client.post(f"/incubation/organisations/{org.id}/template/new", data=_form(**changes))
    assert response.status_code == 422 and message in response.text
    first = _items(org)[0]
    response = client.post(f"/incubation/template/{first.id}/edit", data=_form(**changes))
    assert response.status_code == 422 and message in response.text
    db.session.expire_all()
    assert len(_items(org)) == 7 and _items(org)[0].title == "Design-thinking training"
    assert _events("incubation.template_item_added") == _events("incubation.template_item_updated") == []


def test_staff_move_milestones_up_and_down(make_client, org, staff):
    items = plans.template_of(org)
    db.session.commit()
    client = make_client(staff)
    second = items[1]
    assert client.post(f"/incubation/template/{second.id}/move", data={"direction": "up"}).status_code == 302
    db.session.expire_all()
    assert [i.id for i in _items(org)][:2] == [second.id, items[0].id]
    response = client.post(f"/incubation/template/{second.id}/move", data={"direction": "up"}, follow_redirects=True)
    assert "cannot move further" in response.text
    response = client.post(f"/incubation/template/{second.id}/move", data={"direction": "sideways"},
                           follow_redirects=True)
    assert "cannot move further" in response.text
    assert len(_events("incubation.template_item_moved")) == 1


def test_staff_delete_a_milestone_but_never_the_last(make_client, org, staff, incubation):
    items = _items(org)
    client = make_client(staff)
    assert client.post(f"/incubation/template/{items[2].id}/delete").status_code == 302
    remaining = _items(org)
    assert len(remaining) == 6 and [i.position for i in remaining] == [1, 2, 3, 4, 5, 6]
    assert all(len(t.milestones) == 7 for t in incubation.teams)  # plans already made keep theirs
    for item in remaining[:-1]:
        client.post(f"/incubation/template/{item.id}/delete")
    last = _items(org)
    assert len(last) == 1
    response = client.post(f"/incubation/template/{last[0].id}/delete", follow_redirects=True)
    assert "at least one milestone" in response.text and len(_items(org)) == 1


def test_only_the_organisations_staff_reach_the_template(make_client, make_user, grant_role, make_org, incubation):
    elsewhere_org = make_org("Elsewhere")
    elsewhere = grant_role(make_user("else@example.org"), elsewhere_org, Role.program_staff)
    item = _items(incubation.org)[0]
    gets = [f"/incubation/organisations/{incubation.org.id}/template",
            f"/incubation/organisations/{incubation.org.id}/template/new", f"/incubation/template/{item.id}/edit"]
    posts = gets[1:] + [f"/incubation/template/{item.id}/delete", f"/incubation/template/{item.id}/move"]
    for person in (incubation.coach, incubation.member(0), incubation.lead(1), elsewhere):
        client = make_client(person)
        for url in gets:
            assert client.get(url).status_code == 404, (person.email, url)
        for url in posts:
            assert client.post(url, data=_form(direction="down")).status_code == 404, (person.email, url)
    assert make_client().get(gets[0]).status_code == 404
    assert make_client(elsewhere).get(f"/incubation/organisations/{2**31 + 5}/template").status_code == 404
    db.session.expire_all()
    assert [i.title for i in _items(incubation.org)][0] == "Design-thinking training" and len(_items(incubation.org)) == 7
    assert _items(elsewhere_org) == []  # nobody made a template for the other organisation either
