"""Only program staff of the organisation (and admins) reach the staff pages; everyone else gets 404."""
import pytest

from incubator.accounts.models import Role
from incubator.applications.states import Status
from incubator.challenges.models import Challenge, Question, QuestionKind
from incubator.extensions import db


@pytest.fixture
def setup(make_challenge, make_application, applicant):
    challenge = make_challenge(slug="upcoming", questions=[(QuestionKind.short_text, "Name"), (QuestionKind.yes_no, "Ready?")])
    application = make_application(challenge, school_name="Bayou Academy", members=[applicant])
    return challenge, challenge.questions[0], application


def pages(challenge, question, application):
    c, q, a = challenge.id, question.id, application.id
    return [
        ("get", f"/challenges/{c}/manage", None),
        ("get", f"/challenges/{c}/preview", None),
        ("post", f"/challenges/{c}/publish", {}),
        ("get", f"/challenges/{c}/edit", None),
        ("post", f"/challenges/{c}/edit", {"title": "Taken over", "slug": "taken"}),
        ("get", f"/challenges/{c}/questions/new", None),
        ("post", f"/challenges/{c}/questions/new", {"kind": "short_text", "label": "Injected"}),
        ("get", f"/challenges/{c}/questions/{q}/edit", None),
        ("post", f"/challenges/{c}/questions/{q}/edit", {"kind": "short_text", "label": "Changed"}),
        ("post", f"/challenges/{c}/questions/{q}/move", {"direction": "down"}),
        ("post", f"/challenges/{c}/questions/{q}/delete", {}),
        ("get", f"/challenges/{c}/applications", None),
        ("get", f"/challenges/{c}/applications.csv", None),
        ("get", f"/challenges/{c}/applications/{a}", None),
        ("post", f"/challenges/{c}/applications/{a}/screen", {"decision": "ineligible", "reason": "No"}),
    ]


@pytest.fixture(params=["other_org_staff", "reviewer", "finance", "applicant", "signed_out"])
def outsider(request, make_client, make_user, make_org, grant_role):
    if request.param == "signed_out":
        return make_client()
    if request.param == "other_org_staff":
        return make_client(grant_role(make_user("elsewhere@example.org"), make_org("Elsewhere"), Role.program_staff))
    return make_client(request.getfixturevalue(request.param))


def test_outsiders_get_404_on_every_staff_page_and_change_nothing(setup, outsider):
    challenge, question, application = setup
    for method, url, data in pages(challenge, question, application):
        response = getattr(outsider, method)(url, data=data) if data is not None else getattr(outsider, method)(url)
        assert response.status_code == 404, f"{method.upper()} {url} answered {response.status_code}"
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).title == challenge.title
    assert [q.label for q in db.session.scalars(db.select(Question).order_by(Question.position))] == ["Name", "Ready?"]
    assert db.session.get(type(application), application.id).status == Status.submitted


def test_outsiders_cannot_open_the_new_challenge_page(make_client, applicant, reviewer):
    for client in (make_client(), make_client(applicant), make_client(reviewer)):
        assert client.get("/challenges/new").status_code == 404
        assert client.post("/challenges/new", data={"title": "x"}).status_code == 404
    assert db.session.scalar(db.select(db.func.count(Challenge.id))) == 0


def test_staff_and_admins_reach_every_staff_page(setup, make_client, staff, admin):
    challenge, question, application = setup
    for user in (staff, admin):
        client = make_client(user)
        for method, url, data in pages(challenge, question, application):
            if method == "get":
                assert client.get(url).status_code == 200, url
    assert make_client(admin).get("/challenges/new").status_code == 200


def test_a_team_member_reads_the_challenge_only_through_the_public_page(setup, make_client, applicant):
    challenge, _, _ = setup
    client = make_client(applicant)
    assert client.get(f"/challenges/{challenge.slug}").status_code == 404  # not open yet
    assert client.get(f"/challenges/{challenge.id}/manage").status_code == 404


def test_an_application_of_another_organisation_is_not_reachable_through_our_challenge(
        staff_client, make_challenge, make_application, make_org):
    ours = make_challenge(slug="ours")
    theirs = make_application(make_challenge(make_org("Elsewhere"), slug="theirs"), school_name="Their School")
    assert staff_client.get(f"/challenges/{ours.id}/applications/{theirs.id}").status_code == 404
    assert staff_client.post(f"/challenges/{ours.id}/applications/{theirs.id}/screen",
                             data={"decision": "eligible"}).status_code == 404
    db.session.refresh(theirs)
    assert theirs.status == Status.submitted


def test_the_services_check_the_actor_too(staff, make_user, make_org, grant_role, make_challenge):
    from incubator.challenges import services
    from incubator.core.errors import NotAllowed
    from incubator.core.timeutil import utcnow

    stranger = grant_role(make_user("elsewhere@example.org"), make_org("Elsewhere"), Role.program_staff)
    challenge = make_challenge(slug="ours")
    data = services.QuestionData(kind=QuestionKind.short_text, label="Injected")
    with pytest.raises(NotAllowed):
        services.add_question(challenge, data, actor=stranger, now=utcnow())
    with pytest.raises(NotAllowed):
        services.save_challenge(None, None, actor=stranger, now=utcnow(), organisation=challenge.organisation)
    services.add_question(challenge, data, actor=staff, now=utcnow())
    assert [q.label for q in challenge.questions] == ["Injected"]
