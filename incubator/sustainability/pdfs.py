"""The sustainability PDFs (reportlab, letter pages): a school's report (status and why, the
metrics table with ratings, the coverage chart with its numbers, the academic outcomes), and the
portfolio report (a cover with the totals against the coalition's goals, then every school's
status, table and chart: the same drawing as the school page's).

Kept cheap for a portfolio of a hundred schools: one font lookup, plain-string table cells
(Paragraphs only where text must wrap), one style list shared by every table.
"""
import io
import math
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.platypus import CondPageBreak, KeepTogether, PageBreak, Paragraph, Spacer, Table, TableStyle

from incubator.core import pdf as shared
from incubator.core.timeutil import format_local
from incubator.sustainability import charts, page_rows
from incubator.sustainability.figures import PortfolioTotals, SchoolSummary
from incubator.sustainability.states import Rating, SchoolSource, Status

FRAME_WIDTH = shared.FRAME_WIDTH
GRID_LINE = colors.HexColor("#b7bfcc")
HEAD_FILL = colors.HexColor("#eef1f5")
RATING_FILLS = {Rating.meets: colors.HexColor("#e3f1e0"), Rating.does_not_meet: colors.HexColor("#fbeedd"),
                Rating.falls_far_below: colors.HexColor("#f7d9d9")}
STATUS_ORDER = (Status.on_track, Status.at_risk, Status.off_track, Status.undetermined)
# The measure column, then years 1-4.
METRIC_COLUMNS = [0.28] + [0.18] * 4
CHART_WIDTH, CHART_HEIGHT = 430, 200


@dataclass(frozen=True)
class SchoolDocument:
    summary: SchoolSummary
    glide_path: tuple[int, int, int, int]
    organisation_name: str
    timezone: str
    now: datetime


@dataclass(frozen=True)
class PortfolioDocument:
    organisation_name: str
    timezone: str
    glide_path: tuple[int, int, int, int]
    summaries: list[SchoolSummary]
    totals: PortfolioTotals
    now: datetime


class _Kit:
    """The font, styles and table styles of one document, made once."""

    def __init__(self):
        self.font = shared.fonts()
        self.style = shared.styles(self.font)
        base = [("FONT", (0, 0), (-1, -1), self.font.regular, 8), ("FONT", (0, 0), (-1, 0), self.font.bold, 8),
                ("FONT", (0, 0), (0, -1), self.font.bold, 8),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID_LINE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL), ("LEADING", (0, 0), (-1, -1), 9.5)]
        self.table_commands = base

    def clean(self, value) -> str:
        return escape(shared.drawable(value, self.font))

    def plain(self, value) -> str:
        return shared.drawable(value, self.font)

    def para(self, text: str, kind: str = "body") -> Paragraph:
        return Paragraph(text, self.style[kind])


def _metrics_table(kit: _Kit, summary: SchoolSummary, glide_path) -> Table:
    rows = page_rows.metric_rows(summary.years, glide_path)
    data = [["Measure", *charts.YEAR_LABELS]]
    commands = list(kit.table_commands)
    for r, row in enumerate(rows, start=1):
        line = [row.label]
        for c, cell in enumerate(row.cells, start=1):
            line.append(cell.text + (f"\n{cell.rating_label}" if cell.rating_label else ""))
            fill = RATING_FILLS.get(cell.rating)
            if fill is not None:
                commands.append(("BACKGROUND", (c, r), (c, r), fill))
        data.append(line)
    glide = ["Glide path", *(f"{p}%" for p in glide_path)]
    data.append(glide)
    table = Table(data, colWidths=[f * FRAME_WIDTH for f in METRIC_COLUMNS], hAlign="LEFT", repeatRows=1)
    table.setStyle(TableStyle(commands))
    return table


def _coverage_table(kit: _Kit, summary: SchoolSummary, glide_path) -> Table:
    rows = page_rows.coverage_rows(summary.trajectory, summary.years, glide_path)
    data = [["", *charts.YEAR_LABELS],
            ["Coverage", *(r.coverage for r in rows)],
            ["Glide path", *(r.glide for r in rows)]]
    if any(r.projected for r in rows):
        data.append(["Projected", *(r.projected or "\u2014" for r in rows)])
    table = Table(data, colWidths=[f * FRAME_WIDTH for f in METRIC_COLUMNS], hAlign="LEFT")
    table.setStyle(TableStyle(kit.table_commands))
    return table


def _outcomes_block(kit: _Kit, summary: SchoolSummary) -> list:
    found = page_rows.outcomes(summary.years)
    if found.year is None:
        return [kit.para("No verified year reports academic outcomes yet.")]
    data = [["Outcome", "Result", "Target", ""]]
    data += [[row.label, row.value, row.target, row.verdict] for row in found.rows]
    table = Table(data, colWidths=[f * FRAME_WIDTH for f in (0.28, 0.22, 0.22, 0.28)], hAlign="LEFT")
    table.setStyle(TableStyle(kit.table_commands))
    return [kit.para(f"Year {found.year}, the latest verified year with academic outcomes."), table]


def _school_story(kit: _Kit, summary: SchoolSummary, glide_path, *, heading: str, chart_title: str,
                  outcomes: bool) -> list:
    school, trajectory = summary.school, summary.trajectory
    facts = [f"Grades {kit.clean(school.grades)}" if school.grades else "",
             f"opened {school.opening_year}" if school.opening_year else "",
             kit.clean(SchoolSource(school.source).label)]
    story = [
        kit.para(kit.clean(school.name), heading),
        kit.para(kit.clean(", ".join(f for f in facts if f)) + "."),
        kit.para(f"<b>{kit.clean(Status(trajectory.status).label)}</b>: {kit.clean(trajectory.why.rstrip('.'))}."),
        _metrics_table(kit, summary, glide_path),
        Spacer(1, 6),
        charts.coverage_chart(trajectory, glide_path, title=shared.fit(shared.drawable(chart_title, kit.font),
                                                                       kit.font.regular, 11, CHART_WIDTH - 10),
                              font=kit.font.regular, width=CHART_WIDTH, height=CHART_HEIGHT),
        _coverage_table(kit, summary, glide_path),
    ]
    if outcomes:
        story.append(kit.para("Academic outcomes", "heading"))
        story.extend(_outcomes_block(kit, summary))
    return story


def render_school(document: SchoolDocument, *, compress: bool = True) -> bytes:
    kit = _Kit()
    school = document.summary.school
    prepared = format_local(document.now, document.timezone)
    story = [kit.para(f"Sustainability report: {kit.clean(school.name)}", "title"),
             kit.para(f"{kit.clean(document.organisation_name)}. Verified figures only. "
                      f"Prepared {kit.clean(prepared)}.")]
    story += _school_story(kit, document.summary, document.glide_path, heading="heading",
                           chart_title="Coverage against the glide path", outcomes=True)
    buffer = io.BytesIO()
    shared.build(buffer, story, title=f"Sustainability report: {kit.plain(school.name)}",
                 author=kit.plain(document.organisation_name),
                 footer=(kit.plain(school.name), format_local(document.now, document.timezone, "%-d %b %Y")),
                 font=kit.font, compress=compress)
    return buffer.getvalue()


def _share(value) -> str:
    return page_rows.format_value(value, "percent") if value is not None else page_rows.UNDETERMINED


def _cover(kit: _Kit, document: PortfolioDocument) -> list:
    totals = document.totals
    counts = [["Status", "Schools"]] + [[s.label, str(totals.counts.get(s, 0))] for s in STATUS_ORDER]
    counts.append(["All schools", str(totals.schools)])
    counts_table = Table(counts, colWidths=[0.4 * FRAME_WIDTH, 0.2 * FRAME_WIDTH], hAlign="LEFT")
    counts_table.setStyle(TableStyle(kit.table_commands + [("FONT", (0, -1), (-1, -1), kit.font.bold, 8)]))
    if totals.reached_year_4:
        sustainable = (f"{totals.sustainable_year_4} of the {totals.reached_year_4} school(s) with a verified "
                       f"year 4 cover 100% of operating expenses on public revenue "
                       f"({_share(totals.sustainable_share)}; the goal is 100%).")
    else:
        sustainable = "No school has a verified year 4 yet."
    younger = (f" Of the {totals.younger} school(s) not yet at year 4, {totals.on_track_younger} are on track."
               if totals.younger else "")
    market = totals.market
    rows = [["Target share", "Students needed", "Reached"]]
    for target, reached in market.targets:
        needed = (f"{math.ceil(target * market.city_enrollment):,}" if market.city_enrollment else
                  page_rows.UNDETERMINED)
        rows.append([_share(target), needed,
                     {True: "Yes", False: "Not yet", None: page_rows.UNDETERMINED}[reached]])
    market_table = Table(rows, colWidths=[0.25 * FRAME_WIDTH, 0.25 * FRAME_WIDTH, 0.2 * FRAME_WIDTH], hAlign="LEFT")
    market_table.setStyle(TableStyle(kit.table_commands))
    city = (f"{market.city_enrollment:,} students in the city's public schools, a market share of "
            f"{_share(market.share)}." if market.city_enrollment else
            "The city's public-school enrollment is not set, so the market share is undetermined.")
    return [
        kit.para(f"Portfolio sustainability report: {kit.clean(document.organisation_name)}", "title"),
        kit.para(f"Verified figures only. Prepared {kit.clean(format_local(document.now, document.timezone))}. "
                 f"Glide path: {', '.join(f'{p}%' for p in document.glide_path)} in years 1-4."),
        kit.para("Schools by status", "heading"),
        counts_table,
        kit.para("Sustainable within four years", "heading"),
        kit.para(kit.clean(sustainable + younger)),
        kit.para("Students and market share", "heading"),
        kit.para(f"{market.students:,} students in portfolio schools (the latest verified October count of each). "
                 + kit.clean(city)),
        market_table,
    ]


def render_portfolio(document: PortfolioDocument, *, compress: bool = True) -> bytes:
    kit = _Kit()
    story = _cover(kit, document)
    story.append(PageBreak())
    if not document.summaries:
        story.append(kit.para("The organization has no schools yet."))
    for index, summary in enumerate(document.summaries):
        if index:
            story.append(CondPageBreak(CHART_HEIGHT + 200))
        story.append(KeepTogether(_school_story(kit, summary, document.glide_path, heading="heading",
                                                chart_title=f"Coverage: {summary.school.name}", outcomes=False)))
    buffer = io.BytesIO()
    shared.build(buffer, story, title=f"Portfolio report: {kit.plain(document.organisation_name)}",
                 author=kit.plain(document.organisation_name),
                 footer=(kit.plain(document.organisation_name),
                         format_local(document.now, document.timezone, "%-d %b %Y")),
                 font=kit.font, compress=compress)
    return buffer.getvalue()
