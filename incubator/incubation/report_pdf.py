"""The cohort report as a PDF on landscape letter pages: the grid (teams x milestones, each cell's
state, due date and whether it is overdue), stakeholder coverage per team (the chart drawing of
core.charts, with its numbers), coaching hours per team, and the outcomes with their rationales."""
import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import landscape, letter
from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

from incubator.core import pdf as shared
from incubator.core.timeutil import format_local
from incubator.incubation.coverage_chart import coverage_chart
from incubator.incubation.states import REQUIRED_GROUPS, IncubationOutcome, MilestoneStatus, StakeholderGroup

PAGE = landscape(letter)
FRAME_WIDTH = PAGE[0] - 2 * shared.MARGIN
CELL_COLOURS = {MilestoneStatus.approved: "#e3f1e0", MilestoneStatus.submitted: "#e4ecf7",
                MilestoneStatus.changes_requested: "#fbeedd", MilestoneStatus.pending: "#ffffff"}
GRID_LINE = colors.HexColor("#b7bfcc")


def render_report(report, *, compress: bool = True) -> bytes:
    font = shared.fonts()
    style = shared.styles(font)
    cohort, tz = report.cohort, report.cohort.timezone

    def clean(value) -> str:
        return escape(shared.drawable(value, font))

    def para(text: str, kind: str = "body") -> Paragraph:
        return Paragraph(text, style[kind])

    c = report.counts
    story = [
        para(f"Cohort report: {clean(cohort.name)}", "title"),
        para(f"<b>{clean(cohort.challenge.title)}</b>, {clean(cohort.organisation.name)}. "
             f"{cohort.starts_on:%-d %b %Y} to {cohort.ends_on:%-d %b %Y}. "
             f"Prepared {clean(format_local(report.now, tz))}."),
        para(f"{len(report.teams)} team(s), {c.total} milestones: {c.on_time} on time, {c.overdue} overdue, "
             f"{c.awaiting_review} awaiting review, {c.approved} approved."),
        para("Milestones", "heading"),
    ]
    story.append(_grid(report, font, style, clean) if report.teams and report.columns
                 else para("The cohort has no teams with milestones yet."))

    story.append(para("Stakeholder input", "heading"))
    if report.teams:
        story.append(_coverage_table(report, font, style, clean))
        story.append(Spacer(1, 8))
        drawings = [coverage_chart(t.coverage, shared.fit(shared.drawable(t.label, font), font.regular, 11, 280),
                                   font=font.regular, width=300, height=150) for t in report.teams]
        pairs = [drawings[i:i + 2] + [""] * (2 - len(drawings[i:i + 2])) for i in range(0, len(drawings), 2)]
        story.append(Table(pairs, colWidths=[FRAME_WIDTH / 2] * 2, hAlign="LEFT"))
    else:
        story.append(para("No teams yet."))

    story.append(para("Coaching", "heading"))
    rows = [["Team", "Sessions", "Hours"]] + [[para(clean(t.label), "cell"), str(t.sessions), f"{t.hours:g}"]
                                             for t in report.teams]
    story.append(_table(rows, [0.5, 0.15, 0.15], font))

    story.append(para("Outcomes", "heading"))
    for team in report.teams:
        place = team.cohort_team
        if place.outcome:
            outcome = IncubationOutcome(place.outcome)
            what = outcome.label + (f", planned to open in {place.planned_opening_year}"
                                    if outcome == IncubationOutcome.launch and place.planned_opening_year else "")
            recorded = f"Recorded {clean(format_local(place.outcome_at, tz))}" + (
                f" by {clean(team.outcome_by)}" if team.outcome_by else "")
            block = [para(f"<b>{clean(team.label)}</b>: {clean(what)}. <i>{recorded}</i>"),
                     para(clean(place.outcome_rationale).replace("\n", "<br/>"))]
        else:
            block = [para(f"<b>{clean(team.label)}</b>: no outcome recorded yet.")]
        story.append(KeepTogether(block))
    if not report.teams:
        story.append(para("No teams yet."))

    buffer = io.BytesIO()
    shared.build(buffer, story, title=f"Cohort report: {shared.drawable(cohort.name, font)}",
                 author=shared.drawable(cohort.organisation.name, font),
                 footer=(shared.drawable(cohort.name, font), format_local(report.now, tz, "%-d %b %Y")),
                 font=font, compress=compress, pagesize=PAGE)
    return buffer.getvalue()


def _table(rows, fractions, font, *, header_rows: int = 1) -> Table:
    table = Table(rows, colWidths=[f * FRAME_WIDTH for f in fractions], repeatRows=header_rows, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), font.regular, 8.5), ("FONT", (0, 0), (-1, 0), font.bold, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID_LINE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5"))]))
    return table


def _grid(report, font, style, clean) -> Table:
    tz = report.cohort.timezone
    cell_style = style["cell"].clone("GridCell", fontSize=7, leading=8.5)
    head_style = cell_style.clone("GridHead", fontName=font.bold)
    team_width = 0.18 * FRAME_WIDTH
    width = (FRAME_WIDTH - team_width) / len(report.columns)
    rows = [[Paragraph("Team", head_style)] + [Paragraph(clean(title), head_style) for title in report.columns]]
    commands = []
    for r, team in enumerate(report.teams, start=1):
        left = "" if team.cohort_team.is_active else "<br/><i>Left the cohort</i>"
        row = [Paragraph(clean(team.label) + left, cell_style)]
        for col, milestone in enumerate(team.cells, start=1):
            if milestone is None:
                row.append(Paragraph("\u2014", cell_style))
                continue
            status = MilestoneStatus(milestone.status)
            late = milestone.is_overdue(report.now)
            text = f"<b>{status.label}</b><br/>due {milestone.due_on:%-d %b}"
            if late:
                text += '<br/><font color="#990000"><b>Overdue</b></font>'
            if milestone.last_activity_at:
                text += f"<br/>last activity {clean(format_local(milestone.last_activity_at, tz, '%-d %b'))}"
            row.append(Paragraph(text, cell_style))
            commands.append(("BACKGROUND", (col, r), (col, r), colors.HexColor(CELL_COLOURS[status])))
        rows.append(row)
    table = Table(rows, colWidths=[team_width] + [width] * len(report.columns), repeatRows=1, hAlign="LEFT")
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, GRID_LINE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef1f5")), *commands]))
    return table


def _coverage_table(report, font, style, clean) -> Table:
    head = style["cell"].clone("CoverageHead", fontName=font.bold)
    rows = [[Paragraph(text, head) for text in ["Team", *(g.label for g in StakeholderGroup), "Missing"]]]
    for team in report.teams:
        missing = [g.label for g in REQUIRED_GROUPS if team.coverage[g][0] == 0]
        rows.append([Paragraph(clean(team.label), style["cell"])]
                    + [f"{team.coverage[g][0]} / {team.coverage[g][1]}" for g in StakeholderGroup]
                    + [Paragraph(clean(", ".join(missing) or "none"), style["cell"])])
    table = _table(rows, [0.26, 0.1, 0.1, 0.1, 0.11, 0.12, 0.21], font)
    return KeepTogether([Paragraph("Sessions / participants per group.", style["body"]), table])
