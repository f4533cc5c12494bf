"""The summary PDF of a round's ranking: counts, reliability, the score-distribution chart (the
same drawing as on the ranking page) and the ranking table. Pure rendering: no database writes.

Cells are plain strings cut to their column (not Paragraphs): a round of 2,000 applications
then lays out in well under a second."""
from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

from incubator.core import charts
from incubator.core import pdf as shared
from incubator.core.timeutil import format_local


ROWS_PER_TABLE = 50


def fmt(value, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def distribution_chart(counts: list[int], labels: list[str], font: str = "Helvetica"):
    return charts.bar_chart(labels, counts, title="Review scores (out of 100)", x_title="Score",
                            font=font)


def render_summary(review_round, rows, counts: dict, agreements: list, distribution: list[int], labels: list[str],
                   *, now, compress: bool = True) -> bytes:
    font = shared.fonts()
    style = shared.styles(font)

    def clean(value) -> str:
        return escape(shared.drawable(value, font))

    def para(text: str, kind: str = "body") -> Paragraph:
        return Paragraph(text, style[kind])

    tz = review_round.timezone
    challenge = review_round.challenge
    story = [
        para(f"Ranking: {clean(review_round.title)}", "title"),
        para(f"<b>{clean(challenge.title)}</b>, {clean(challenge.organisation.name)}. "
             f"Prepared {clean(format_local(now, tz))}."),
        para(f"{counts['applications']} applications, {counts['reviews']} submitted reviews, "
             f"{counts['flagged']} flagged for high disagreement, {counts['decided']} decided."),
        para("Agreement between reviewers", "heading"),
    ]
    for agreement in agreements:
        value = "not defined" if agreement.alpha is None else f"{agreement.alpha:.2f}"
        story.append(para(f"{clean(agreement.title)}: Krippendorff's alpha {value}: {clean(agreement.reading)}."))
    story.append(para("Krippendorff's thresholds: 0.800 or more, rely on the scores; from 0.667, tentative "
                      "conclusions only; below 0.667, reviewers agree little."))
    story += [Spacer(1, 6), distribution_chart(distribution, labels, font.regular), Spacer(1, 6),
              para("Ranking", "heading")]
    widths = [0.05, 0.27, 0.20, 0.08, 0.08, 0.08, 0.08, 0.07, 0.09]
    header = ["#", "School", "Team", "Reviews", "Raw", "Median", "Normalized", "SD", "Decision"]
    width = shared.FRAME_WIDTH
    size = 7.5
    table_rows = [header]
    for number, row in enumerate(rows, start=1):
        cells = [str(number), row.school_name, row.team_name, str(row.reviews), fmt(row.raw), fmt(row.median),
                 fmt(row.normalised), fmt(row.disagreement) + (" !" if row.is_flagged else ""),
                 row.decision.value if row.decision else ""]
        table_rows.append([shared.fit(shared.drawable(cell, font), font.regular, size, w * width - 6)
                           for cell, w in zip(cells, widths)])
    # Tables of a page's worth of rows: reportlab splits one long table across pages in time
    # that grows with its length squared (2,000 rows took seconds).
    table_style = TableStyle([
        ("FONT", (0, 0), (-1, -1), font.regular, size),
        ("FONT", (0, 0), (-1, 0), font.bold, size),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
        ("ALIGN", (3, 1), (7, -1), "RIGHT"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
    ])
    body = table_rows[1:]
    for start in range(0, len(body), ROWS_PER_TABLE):
        table = Table([header, *body[start:start + ROWS_PER_TABLE]], colWidths=[w * width for w in widths],
                      repeatRows=1, hAlign="LEFT")
        table.setStyle(table_style)
        story.append(table)
    if not rows:
        story.append(para("No application is in this round yet."))
    story.append(para("SD: the standard deviation of an application's review scores; ! marks high disagreement."))
    buffer = BytesIO()
    shared.build(buffer, story, title=f"Ranking: {review_round.title}", author=challenge.organisation.name,
                 footer=(challenge.title, format_local(now, tz)), font=font, compress=compress)
    return buffer.getvalue()
