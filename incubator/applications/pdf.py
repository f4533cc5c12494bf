"""The PDF copy of a submitted application (reportlab). Pure rendering: no database writes.

The font (DejaVu Sans, else Helvetica), the styles and the footer are shared with every PDF
of the portal: incubator/core/pdf.py.
"""
import re
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate, Paragraph, Spacer, Table, TableStyle

from incubator.applications.editing import CORE_LABELS, answer_text
from incubator.applications.forms import core_fields
from incubator.challenges.models import QuestionKind
from incubator.core.filesize import format_size
from incubator.core.money import format_cents
from incubator.core.pdf import (FONT_DIRS, FOOTER_SIZE, HELVETICA, MARGIN, PAGE, Fonts, drawable,  # noqa: F401
                                fit as _fit, fonts, numbered_canvas as _numbered_canvas, styles)
from incubator.core.timeutil import format_local


class _Renderer:
    def __init__(self, application, blind=None):
        self.application = application
        self.challenge = application.challenge
        self.font = fonts()
        self.style = styles(self.font)
        # A blind review round's copy (see render_application): no team, members or identifying school.
        self.blind = blind

    def clean(self, value) -> str:
        return escape(drawable(value, self.font))

    def para(self, value, style="body", *, empty="(not answered)") -> Paragraph:
        """A paragraph of what a person typed: escaped for reportlab's mini-markup, line breaks kept."""
        text = self.clean(value).replace("\n", "<br/>")
        if not text.strip():
            return Paragraph(f"<i>{escape(empty)}</i>", self.style[style])
        return Paragraph(text, self.style[style])

    def answer(self, value, *, empty="(not answered)") -> list[Paragraph]:
        """A long answer as one paragraph per block of text, so that its heading can stay with
        the first block and the rest flows on over pages (no half-empty page before it)."""
        blocks = [b for b in re.split(r"\n[ \t]*\n", drawable(value, self.font)) if b.strip()]
        return [self.para(block) for block in blocks] or [self.para("", empty=empty)]

    def markup(self, text: str, style="body") -> Paragraph:
        """A paragraph of our own markup (its parts already cleaned)."""
        return Paragraph(text, self.style[style])

    def story(self, width: float) -> list:
        application, challenge = self.application, self.challenge
        if self.blind is not None:
            return self.blind_intro() + self.body(width)
        story = [
            self.para(application.school_name or "Untitled school", "title", empty="Untitled school"),
            self.markup(f"Application of <b>{self.clean(application.team.name)}</b> "
                        f"to <b>{self.clean(challenge.title)}</b>"),
            self.markup(f"Status: {self.clean(application.status.label)}"
                        + (f", submitted {self.clean(self.submitted())}" if application.submitted_at else "")),
            self.markup("Team: " + self.clean(", ".join(m.user.display_name for m in application.team.members))),
        ]
        return story + self.body(width)

    def blind_intro(self) -> list:
        return [self.para(self.blind.title, "title"),
                self.markup(f"Application to <b>{self.clean(self.challenge.title)}</b> (blind review copy)")]

    def body(self, width: float) -> list:
        application, challenge = self.application, self.challenge
        story: list = []
        self.heading(story, "The school")
        for key in core_fields(challenge):  # the track's own school facts
            if self.blind is not None and key == "school_name" and self.blind.hides_school:
                continue
            story.append(self.para(CORE_LABELS[key], "question"))
            story.extend(self.answer(getattr(application, key)))
        answers = {a.question_id: a for a in application.answers}
        attachments = sorted(application.attachments, key=lambda a: (a.uploaded_at is None, a.uploaded_at, a.id or 0))
        files: dict[int | None, list] = {}
        for attachment in attachments:
            files.setdefault(attachment.question_id, []).append(attachment)
        questions = sorted(challenge.questions, key=lambda q: (q.position, q.id or 0))
        if questions:
            self.heading(story, "Questions")
        labels = {}
        for question in questions:
            labels[question.id] = question.label
            story.append(self.para(question.label, "question"))
            if question.kind == QuestionKind.file:
                uploaded = files.get(question.id, [])
                if uploaded:
                    story.extend(self.markup(f"&bull; {self.file_line(a)}") for a in uploaded)
                else:
                    story.append(self.para("", empty="(no file uploaded)"))
            else:
                story.extend(self.answer(answer_text(answers.get(question.id), question.kind)))
        self.heading(story, "Four-year financial plan")
        story.append(self.plan_table(width))
        self.heading(story, "Attachments")
        if attachments:
            for attachment in attachments:
                where = labels.get(attachment.question_id)
                story.append(self.markup(f"&bull; {self.file_line(attachment)}"
                                         + (f" &mdash; for <i>{self.clean(where)}</i>" if where else "")))
        else:
            story.append(self.para("", empty="No files were uploaded."))
        return story

    def heading(self, story: list, title: str) -> None:
        story.append(self.para(title, "heading"))

    def file_line(self, attachment) -> str:
        name = attachment.original_filename if self.blind is None else self.blind.file_name(attachment)
        return f"{self.clean(name)} ({format_size(attachment.size_bytes)})"

    def submitted(self) -> str:
        return format_local(self.application.submitted_at, self.challenge.timezone)

    def plan_table(self, width: float) -> Table:
        """The plan fitted to the frame: a label column and four year columns, money right-aligned."""
        years = {y.year_number: y for y in self.application.financial_years}
        lines = [
            ("Enrollment", lambda y: f"{y.enrollment:,}"),
            ("Public per-pupil revenue", lambda y: format_cents(y.per_pupil_revenue_cents)),
            ("Public revenue", lambda y: format_cents(y.public_revenue_cents)),
            ("Other revenue", lambda y: format_cents(y.other_revenue_cents)),
            ("Operating expenses", lambda y: format_cents(y.operating_expenses_cents)),
            ("Covered by public revenue", lambda y: "\u2014" if y.coverage is None else f"{y.coverage:.0%}"),
        ]
        cells = [[label] + [cell(years[n]) if n in years else "" for n in (1, 2, 3, 4)] for label, cell in lines]
        label_width = round(width * 0.32, 1)
        year_width = (width - label_width) / 4
        padding = 4
        # An amount too long for its column gets a smaller type size rather than sticking out.
        size = self.style["money"].fontSize
        widest = max(pdfmetrics.stringWidth(text, self.font.regular, size) for row in cells for text in row[1:])
        if widest > year_width - 2 * padding:
            size = max(5.0, size * (year_width - 2 * padding) / widest)
        money = ParagraphStyle("PlanMoney", parent=self.style["money"], fontSize=size, leading=size * 1.25)
        header = [self.markup("", "cell")] + [self.markup(f"<b>Year {n}</b>", "money") for n in (1, 2, 3, 4)]
        rows = [header] + [[self.para(row[0], "cell", empty="")] + [Paragraph(escape(text), money) for text in row[1:]]
                           for row in cells]
        table = Table(rows, colWidths=[label_width] + [year_width] * 4, hAlign="LEFT", repeatRows=1)
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("LEFTPADDING", (0, 0), (-1, -1), padding),
            ("RIGHTPADDING", (0, 0), (-1, -1), padding),
        ]))
        return table

    def footer_parts(self) -> tuple[str, str]:
        school = self.blind.title if self.blind is not None else (self.application.school_name or "Untitled school")
        school = drawable(school, self.font)
        when = drawable(f"Submitted {self.submitted()}" if self.application.submitted_at else "Not submitted",
                        self.font)
        return school, when


def render_application(application, *, compress: bool = True, blind=None) -> bytes:
    """The whole application as a PDF document, with a footer on every page.

    `blind` (reviews.blind.PdfBlinding: `title`, `hides_school`, `file_name(attachment)`) makes
    the copy for a blind review round: no team name, members or, where it identifies the team,
    school name, files under neutral names, and no author."""
    renderer = _Renderer(application, blind)
    buffer = BytesIO()
    if blind is None:
        title = drawable(f"{application.school_name or 'Application'} - {application.challenge.title}", renderer.font)
        author = drawable(application.team.name, renderer.font)
    else:
        title, author = drawable(f"{blind.title} - {application.challenge.title}", renderer.font), ""
    doc = BaseDocTemplate(buffer, pagesize=PAGE, pageCompression=1 if compress else 0, invariant=1,
                          leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
                          title=title, author=author)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    school, when = renderer.footer_parts()
    doc.build(renderer.story(doc.width), canvasmaker=_numbered_canvas(school, when, renderer.font.regular))
    return buffer.getvalue()
