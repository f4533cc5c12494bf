"""The portfolio's chart (portfolio area): coverage by school and year for the schools of a page
(at most portfolio.CHART_SCHOOLS), with the glide path dashed, drawn once with core.charts so a
page (SVG) and a PDF show the same thing. The page shows the same numbers as a table."""
from collections.abc import Sequence

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.lib import colors

from incubator.core import charts
from incubator.sustainability import figures, metrics
from incubator.sustainability.charts import YEAR_LABELS, _pct, _top
from incubator.sustainability.portfolio import coverage_by_year

GLIDE_LABEL = "Glide path (%)"


def coverage_by_school(summaries: Sequence[figures.SchoolSummary], glide_path: Sequence[int], *,
                       font: str = "Helvetica", width: float = 560, height: float = 280):
    """One line per school (its verified coverage, years 1-4) and the glide path."""
    glide = [float(p) for p in glide_path]
    series = [(GLIDE_LABEL, glide)]
    for summary in summaries:
        series.append((f"{summary.school.name} ({summary.trajectory.status.label.lower()})",
                       [_pct(c) for c in coverage_by_year(summary)]))
    drawing = charts.line_chart(YEAR_LABELS, series, title="Coverage by school and year against the glide path (%)",
                                y_range=(0, _top(*(values for _, values in series))), y_step=20,
                                width=width, height=height, font=font)
    for item in drawing.contents:  # the glide path reads as a target: dashed, grey
        if isinstance(item, LinePlot):
            item.lines[0].strokeDashArray = (5, 3)
            item.lines[0].strokeColor = colors.HexColor("#434343")
    return drawing


def description(summaries: Sequence[figures.SchoolSummary], glide_path: Sequence[int]) -> str:
    """The chart in words, for screen readers."""
    parts = [f"Glide path {', '.join(f'{p}%' for p in glide_path)} in years 1-4."]
    for summary in summaries:
        years = ", ".join(f"year {y} {metrics.percent(c)}" for y, c in summary.trajectory.points)
        parts.append(f"{summary.school.name}: {years}.")
    return " ".join(parts)
