"""The PDF of an assessment: team composites with spread, disagreements, the staff rating and the
growth chart (the same drawing as on the page). Pure rendering: no database writes."""
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from incubator.core import pdf as shared
from incubator.core.timeutil import format_local
from incubator.readiness import reports
from incubator.readiness.permissions import STAFF
from incubator.readiness.scoring import fmt


def render_assessment(assessment, *, compress: bool = True) -> bytes:
    font = shared.fonts()
    style = shared.styles(font)

    def clean(value) -> str:
        return escape(shared.drawable(value, font))

    def para(text: str, kind: str = "body") -> Paragraph:
        return Paragraph(text, style[kind])

    report = reports.build(assessment, level=STAFF, viewer=None)
    tz = assessment.application.challenge.timezone if assessment.application else "UTC"
    when = (f"Closed {format_local(assessment.closed_at, tz)}" if assessment.closed_at
            else f"Open since {format_local(assessment.opened_at, tz)}")
    story = [
        para(f"Readiness assessment: {clean(assessment.label)}", "title"),
        para(f"<b>{clean(assessment.team.name)}</b>"
             + (f" for <b>{clean(assessment.application.challenge.title)}</b>" if assessment.application else "")),
        para(f"{clean(when)}. Instrument: {clean(assessment.instrument.name)} "
             f"(version {assessment.instrument.version}). {len(report.members)} member"
             f"{'' if len(report.members) == 1 else 's'} completed their answers. "
             "Ratings run from 1 Exploring to 4 Ready; this is not a pass/fail test."),
    ]
    story.append(para("Team composite by domain", "heading"))
    header = ["Domain", "Team composite", "Spread", "Raters", "Staff rating", "Gap"]
    rows = [[para(f"<b>{escape(h)}</b>", "cell") for h in header]]
    for row in report.rows:
        summary = row.summary
        spread = "one rater" if summary.raters == 1 else ("" if summary.spread is None else fmt(summary.spread))
        gap = "" if row.gap is None else f"{row.gap:+.2f}"
        rows.append([para(clean(row.domain.title), "cell"), para(fmt(summary.composite), "money"),
                     para(spread, "money"), para(str(summary.raters), "money"),
                     para(fmt(row.staff, "") if row.staff is not None else "", "money"), para(gap, "money")])
    width = shared.FRAME_WIDTH
    table = Table(rows, colWidths=[width * 0.40] + [width * 0.12] * 5, repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    story.append(table)
    story.append(para("Where we disagree", "heading"))
    if report.disagreements:
        for found in report.disagreements:
            story.append(para(f"&bull; {clean(found.item.prompt)} "
                              f"(ratings from {found.lowest} to {found.highest}: "
                              f"{', '.join(str(v) for v in found.values)})"))
    else:
        story.append(para("<i>No item has member ratings 2 or more levels apart.</i>"))
    if assessment.application_id:
        growth = reports.growth(assessment.application_id, upto=assessment)
        story.append(para("Growth over time", "heading"))
        if growth.has_growth:
            drawing = growth.chart(font=font.regular)
            scale = min(1.0, width / drawing.width)
            drawing.scale(scale, scale)
            drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
            story += [drawing, Spacer(1, 6)]
            for title, values in growth.series():
                story.append(para(f"{clean(title)}: " + ", ".join(
                    f"{clean(a.label)} {fmt(v)}" for a, v in zip(growth.assessments, values)), "cell"))
        else:
            story.append(para("<i>Growth shows once the team has taken the assessment twice.</i>"))
    buffer = BytesIO()
    shared.build(buffer, story, title=shared.drawable(f"Readiness {assessment.label} - {assessment.team.name}", font),
                 author=shared.drawable(assessment.team.name, font),
                 footer=(shared.drawable(assessment.team.name, font), shared.drawable(when, font)), font=font,
                 compress=compress)
    return buffer.getvalue()
