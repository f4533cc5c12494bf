"""The assessment PDF holds what the page shows: composites with spread, disagreements, the staff
rating with its gap, and the growth chart with its numbers."""
import re

from incubator.core import pdf as shared
from incubator.extensions import db
from incubator.readiness.models import Assessment
from incubator.readiness.pdf import render_assessment
from tests.readiness.conftest import open_assessment, rate


def _drawn(content: bytes) -> str:
    text = b" ".join(re.findall(rb"\((.*?)\) Tj", content))
    return text.replace(b"\\(", b"(").replace(b"\\)", b")").decode("latin-1")


def test_the_pdf_shows_composites_disagreements_staff_rating_and_growth(make_client, setup, staff, monkeypatch):
    monkeypatch.setattr(shared, "fonts", lambda: shared.HELVETICA)  # readable text in an uncompressed PDF
    lead = make_client(setup.lead)
    first = None
    for label, values in (("Intake", ("1", "3")), ("Month 3", ("3", "4"))):
        assessment = open_assessment(lead, setup.application, label)
        first = first or assessment
        for person, value in zip(setup.members, values):
            rate(make_client(person), assessment, lambda i, item, value=value: value)
        lead.post(f"/readiness/assessments/{assessment.id}/close")
    rate(make_client(staff), assessment, lambda i, item: "2", url="staff-rating")
    db.session.expire_all()
    text = _drawn(render_assessment(db.session.get(Assessment, assessment.id), compress=False))
    assert "Readiness assessment: Month 3" in text and setup.team.name in text
    assert "3.50" in text and "1.00" in text  # composite (3+4)/2 and spread 4-3 of every domain
    assert "-1.50" in text  # staff 2 against the team's 3.50
    assert "No item has member ratings 2 or more levels apart" in text
    assert "Growth over time" in text and "Intake 2.00" in text and "Month 3 3.50" in text
    intake = _drawn(render_assessment(db.session.get(Assessment, first.id), compress=False))
    assert setup.instrument.items[0].prompt[:40] in intake  # 1 against 3: a disagreement
    assert "Growth shows once the team has taken the assessment twice" in intake  # only what came before
