"""Staff add, edit, reorder and delete a challenge's own questions until it opens."""
from datetime import timedelta
from decimal import Decimal

import pytest

from incubator.challenges import services
from incubator.challenges.models import Question, QuestionKind
from incubator.core.audit import AuditEvent
from incubator.core.timeutil import utcnow
from incubator.extensions import db


def labels(challenge):
    db.session.expire_all()
    return [q.label for q in db.session.scalars(
        db.select(Question).filter_by(challenge_id=challenge.id).order_by(Question.position))]


@pytest.fixture
def upcoming(make_challenge):
    return make_challenge(title="Upcoming", slug="upcoming")


def add(client, challenge, **data):
    return client.post(f"/challenges/{challenge.id}/questions/new", data=data)


@pytest.mark.parametrize(("data", "check"), [
    ({"kind": "short_text", "label": "School name?"}, lambda q: q.kind == QuestionKind.short_text),
    ({"kind": "long_text", "label": "Your vision", "word_limit": "250", "is_required": "y", "help_text": "Be brief."},
     lambda q: (q.word_limit, q.is_required, q.help_text) == (250, True, "Be brief.")),
    ({"kind": "number", "label": "Founding staff", "min_value": "1", "max_value": "200.5"},
     lambda q: (q.min_value, q.max_value) == (Decimal(1), Decimal("200.5"))),
    ({"kind": "single_choice", "label": "Stage", "choices": "Idea\r\n  Prototype \r\n\r\nReady"},
     lambda q: q.choices == ["Idea", "Prototype", "Ready"]),
    ({"kind": "multiple_choice", "label": "Groups", "choices": "Students\nParents"}, lambda q: q.choices == ["Students", "Parents"]),
    ({"kind": "yes_no", "label": "Led a school before?"}, lambda q: q.kind == QuestionKind.yes_no and q.choices is None),
    ({"kind": "file", "label": "Model diagram"}, lambda q: q.kind == QuestionKind.file),
])
def test_staff_add_each_kind_of_question(staff_client, upcoming, data, check):
    response = add(staff_client, upcoming, **data)
    assert response.status_code == 302
    question = db.session.scalar(db.select(Question))
    assert question.label == data["label"] and check(question)
    page = staff_client.get(f"/challenges/{upcoming.id}/manage")
    assert data["label"] in page.text


@pytest.mark.parametrize(("data", "message"), [
    ({"kind": "long_text", "label": "Vision"}, "needs a word limit"),
    ({"kind": "long_text", "label": "Vision", "word_limit": "0"}, "word limit between 1 and 100,000"),
    ({"kind": "number", "label": "Staff", "min_value": "10", "max_value": "2"}, "must not be above the highest"),
    ({"kind": "number", "label": "Staff", "min_value": "NaN"}, "Enter a number"),
    ({"kind": "number", "label": "Staff", "max_value": "sNaN"}, "Enter a number"),
    ({"kind": "number", "label": "Staff", "max_value": "-Infinity"}, "Enter a number"),
    ({"kind": "number", "label": "Staff", "max_value": "1e400"}, "Too large"),
    ({"kind": "long_text", "label": "Vision", "word_limit": "99999999999999999999999"}, "word limit between 1 and 100,000"),
    ({"kind": "single_choice", "label": "Stage", "choices": "Only one"}, "at least two options"),
    ({"kind": "multiple_choice", "label": "Groups", "choices": "Students\nstudents"}, "only once"),
    ({"kind": "essay", "label": "Vision"}, "Not a valid choice"),
    ({"kind": "short_text", "label": ""}, "Write the question"),
    ({"kind": "short_text", "label": "x" * 501}, "at most 500 characters"),
    ({"kind": "short_text", "label": "Name\x00"}, "control characters"),
])
def test_incomplete_questions_are_refused(staff_client, upcoming, data, message):
    response = add(staff_client, upcoming, **data)
    assert response.status_code == 422
    assert message in response.text
    assert labels(upcoming) == []


def test_a_question_label_with_markup_is_shown_as_text(staff_client, upcoming):
    add(staff_client, upcoming, kind="short_text", label="<b>Bold</b> <script>alert(1)</script>")
    page = staff_client.get(f"/challenges/{upcoming.id}/manage")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert(1)" not in page.text


def test_staff_reorder_edit_and_delete_questions(staff_client, upcoming):
    for label in ("First", "Second", "Third"):
        add(staff_client, upcoming, kind="short_text", label=label)
    first, second, third = db.session.scalars(db.select(Question).order_by(Question.position)).all()

    staff_client.post(f"/challenges/{upcoming.id}/questions/{third.id}/move", data={"direction": "up"})
    assert labels(upcoming) == ["First", "Third", "Second"]
    staff_client.post(f"/challenges/{upcoming.id}/questions/{first.id}/move", data={"direction": "down"})
    assert labels(upcoming) == ["Third", "First", "Second"]
    response = staff_client.post(f"/challenges/{upcoming.id}/questions/{third.id}/move", data={"direction": "up"},
                                 follow_redirects=True)
    assert "cannot move further" in response.text
    assert labels(upcoming) == ["Third", "First", "Second"]

    page = staff_client.get(f"/challenges/{upcoming.id}/questions/{second.id}/edit")
    assert "Second" in page.text
    staff_client.post(f"/challenges/{upcoming.id}/questions/{second.id}/edit",
                      data={"kind": "yes_no", "label": "Second, now yes/no", "is_required": "y"})
    assert labels(upcoming) == ["Third", "First", "Second, now yes/no"]
    assert db.session.get(Question, second.id).is_required

    staff_client.post(f"/challenges/{upcoming.id}/questions/{first.id}/delete")
    assert labels(upcoming) == ["Third", "Second, now yes/no"]
    assert [q.position for q in db.session.scalars(db.select(Question).order_by(Question.position))] == [1, 2]
    actions = db.session.scalars(db.select(AuditEvent.action).where(AuditEvent.action.startswith("question."))).all()
    assert sorted(set(actions)) == ["question.added", "question.deleted", "question.moved", "question.updated"]


def test_a_question_of_another_challenge_is_not_found(staff_client, upcoming, make_challenge):
    other = make_challenge(slug="other", questions=[(QuestionKind.short_text, "Elsewhere")])
    question = other.questions[0]
    assert staff_client.get(f"/challenges/{upcoming.id}/questions/{question.id}/edit").status_code == 404
    assert staff_client.post(f"/challenges/{upcoming.id}/questions/{question.id}/delete").status_code == 404
    assert labels(other) == ["Elsewhere"]


# ---- locked once open -----------------------------------------------------------------------------


def test_the_service_refuses_every_change_once_the_challenge_has_opened(staff, open_challenge):
    question = Question(challenge=open_challenge, kind=QuestionKind.short_text, label="Name", position=1)
    db.session.add(question)
    db.session.commit()
    data = services.QuestionData(kind=QuestionKind.short_text, label="Changed")
    now = utcnow()
    for attempt in (lambda: services.add_question(open_challenge, data, actor=staff, now=now),
                    lambda: services.update_question(question, data, actor=staff, now=now),
                    lambda: services.delete_question(question, actor=staff, now=now),
                    lambda: services.move_question(question, "down", actor=staff, now=now)):
        with pytest.raises(services.QuestionsLocked, match="questions are locked"):
            attempt()
    db.session.rollback()
    assert labels(open_challenge) == ["Name"]


def test_staff_see_why_questions_cannot_change_once_open(staff_client, make_challenge):
    challenge = make_challenge(slug="open-one", opens_in=-timedelta(hours=1),
                               questions=[(QuestionKind.short_text, "Name"), (QuestionKind.yes_no, "Ready?")])
    name, ready = challenge.questions
    page = staff_client.get(f"/challenges/{challenge.id}/manage")
    assert "questions are locked" in page.text
    assert "Add a question" not in page.text and "Move up" not in page.text

    for url, data in [
        (f"/challenges/{challenge.id}/questions/new", {"kind": "short_text", "label": "Late"}),
        (f"/challenges/{challenge.id}/questions/{name.id}/edit", {"kind": "short_text", "label": "Changed"}),
        (f"/challenges/{challenge.id}/questions/{ready.id}/move", {"direction": "up"}),
        (f"/challenges/{challenge.id}/questions/{name.id}/delete", {}),
    ]:
        response = staff_client.post(url, data=data, follow_redirects=True)
        assert "questions are locked" in response.text, url
    assert labels(challenge) == ["Name", "Ready?"]
    assert staff_client.get(f"/challenges/{challenge.id}/questions/new", follow_redirects=True).request.path.endswith("/manage")


def test_number_bounds_are_shown_as_people_write_them(staff_client, upcoming):
    add(staff_client, upcoming, kind="number", label="Founding staff", min_value="1", max_value="200")
    page = " ".join(staff_client.get(f"/challenges/{upcoming.id}/manage").text.split())
    assert "at least 1 · at most 200" in page and "E+" not in page
