"""The demo's written round is under way: assigned, two reviewers done, one still to start."""
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.demo import DEMO_PASSWORD
from incubator.extensions import db
from incubator.reviews.models import Assignment, ReviewRound
from incubator.reviews.states import ReviewStatus


def test_the_demo_round_is_assigned_and_partly_scored_and_can_be_seeded_twice(app, make_client):
    runner = app.test_cli_runner()
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
    written = db.session.scalar(sa.select(ReviewRound).where(ReviewRound.title == "Written review")
                                .order_by(ReviewRound.id))
    rows = db.session.scalars(sa.select(Assignment).where(Assignment.round_id == written.id)).all()
    per_application = {}
    for row in rows:
        per_application.setdefault(row.application_id, []).append(row)
    assert len(per_application) == 5 and all(len(v) == 2 for v in per_application.values())
    by_reviewer = {row.reviewer.email: {r.status for r in rows if r.reviewer_id == row.reviewer_id} for row in rows}
    assert by_reviewer["reviewer1@example.org"] == {ReviewStatus.submitted}
    assert by_reviewer["reviewer2@example.org"] == {ReviewStatus.submitted}
    assert by_reviewer["reviewer3@example.org"] == {ReviewStatus.not_started}

    staff = db.session.scalar(sa.select(User).filter_by(email="staff@example.org"))
    client = make_client()
    client.login(staff, password=DEMO_PASSWORD)
    ranking = client.get(f"/reviews/rounds/{written.id}/ranking").text
    assert "Treme Makers Academy" in ranking and "Crescent Studio School" in ranking

    reese = db.session.scalar(sa.select(User).filter_by(email="reviewer3@example.org"))
    client = make_client()
    client.login(reese, password=DEMO_PASSWORD)
    assert "Start" in client.get("/reviews/queue").text
