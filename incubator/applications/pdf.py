"""The PDF copy of a submitted application (reportlab). Pure rendering: no database writes."""
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from incubator.applications.editing import CORE_LABELS, answer_text
from incubator.applications.forms import CORE_FIELDS
from incubator.challenges.models import QuestionKind
from incubator.core.money import format_cents
from incubator.core.timeutil import format_local

_STYLES = getSampleStyleSheet()


def _text(value) -> str:
    """Escape for reportlab's mini-markup and keep line breaks."""
    return escape(str(value or "")).replace("\n", "<br/>") or "<i>(not answered)</i>"


def _section(story: list, title: str) -> None:
    story.append(Spacer(1, 0.15 * inch))
    story.append(Paragraph(escape(title), _STYLES["Heading2"]))


def _plan_table(application) -> Table:
    rows = [["", "Year 1", "Year 2", "Year 3", "Year 4"]]
    years = {y.year_number: y for y in application.financial_years}
    lines = [
        ("Enrollment", lambda y: f"{y.enrollment:,}"),
        ("Public per-pupil revenue", lambda y: format_cents(y.per_pupil_revenue_cents)),
        ("Public revenue", lambda y: format_cents(y.public_revenue_cents)),
        ("Other revenue", lambda y: format_cents(y.other_revenue_cents)),
        ("Operating expenses", lambda y: format_cents(y.operating_expenses_cents)),
        ("Covered by public revenue", lambda y: "" if y.coverage is None else f"{y.coverage:.0%}"),
    ]
    for label, cell in lines:
        rows.append([label] + [cell(years[n]) if n in years else "" for n in (1, 2, 3, 4)])
    table = Table(rows, colWidths=[2.2 * inch] + [1.2 * inch] * 4)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
    ]))
    return table


def render_application(application, *, compress: bool = True) -> bytes:
    """The whole application as a PDF document."""
    buffer = BytesIO()
    challenge = application.challenge
    doc = SimpleDocTemplate(buffer, pagesize=letter, pageCompression=1 if compress else 0,
                            title=f"{application.school_name or 'Application'} - {challenge.title}",
                            author=application.team.name, invariant=1)
    body = _STYLES["BodyText"]
    story = [
        Paragraph(escape(application.school_name or "Untitled school"), _STYLES["Title"]),
        Paragraph(f"Application of {escape(application.team.name)} to {escape(challenge.title)}", body),
        Paragraph(f"Status: {escape(application.status.label)}"
                  + (f", submitted {escape(format_local(application.submitted_at, challenge.timezone))}"
                     if application.submitted_at else ""), body),
        Paragraph("Team: " + escape(", ".join(m.user.display_name for m in application.team.members)), body),
    ]
    _section(story, "The school")
    for key in CORE_FIELDS:
        story.append(Paragraph(f"<b>{escape(CORE_LABELS[key])}</b>", body))
        story.append(Paragraph(_text(getattr(application, key)), body))
    answers = {a.question_id: a for a in application.answers}
    files = {}
    for attachment in application.attachments:
        files.setdefault(attachment.question_id, []).append(attachment.original_filename)
    if challenge.questions:
        _section(story, "Questions")
    for question in challenge.questions:
        story.append(Paragraph(f"<b>{escape(question.label)}</b>", body))
        if question.kind == QuestionKind.file:
            value = ", ".join(files.get(question.id, [])) or ""
        else:
            value = answer_text(answers.get(question.id), question.kind)
        story.append(Paragraph(_text(value), body))
    _section(story, "Four-year financial plan")
    story.append(_plan_table(application))
    if files.get(None):
        _section(story, "Other attachments")
        for name in files[None]:
            story.append(Paragraph(_text(name), body))
    doc.build(story)
    return buffer.getvalue()
