"""The portfolio's chart (portfolio area): coverage by school and year for the schools of a page
(at most portfolio.CHART_SCHOOLS), with the glide path dashed, drawn once with core.charts so a
page (SVG) and a PDF show the same thing. The page shows the same numbers as a table."""
import functools
from collections.abc import Sequence

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.lib import colors

from incubator.core import charts
from incubator.sustainability import figures, metrics
from incubator.sustainability.charts import YEAR_LABELS, _pct, _top
from incubator.sustainability.portfolio import coverage_by_year

GLIDE_LABEL = "Glide path (%)"
TITLE = "Coverage by school and year against the glide path (%)"


def _series(summaries: Sequence[figures.SchoolSummary]) -> tuple:
    """((label, coverage % of years 1-4), ...): hashable, so the SVG can be kept by it."""
    return tuple((f"{s.school.name} ({s.trajectory.status.label.lower()})",
                  tuple(_pct(c) for c in coverage_by_year(s))) for s in summaries)


def _drawing(series: tuple, glide_path: tuple, *, font: str = "Helvetica", width: float = 560,
             height: float = 280):
    lines = [(GLIDE_LABEL, [float(p) for p in glide_path]), *((label, list(values)) for label, values in series)]
    drawing = charts.line_chart(YEAR_LABELS, lines, title=TITLE, y_range=(0, _top(*(v for _, v in lines))),
                                y_step=20, width=width, height=height, font=font)
    for item in drawing.contents:  # the glide path reads as a target: dashed, grey
        if isinstance(item, LinePlot):
            item.lines[0].strokeDashArray = (5, 3)
            item.lines[0].strokeColor = colors.HexColor("#434343")
    return drawing


def coverage_by_school(summaries: Sequence[figures.SchoolSummary], glide_path: Sequence[int], **size):
    """One line per school (its verified coverage, years 1-4) and the glide path: a Drawing (PDF)."""
    return _drawing(_series(summaries), tuple(glide_path), **size)


def description(summaries: Sequence[figures.SchoolSummary], glide_path: Sequence[int]) -> str:
    """The chart in words, for screen readers."""
    parts = [f"Glide path {', '.join(f'{p}%' for p in glide_path)} in years 1-4."]
    for summary in summaries:
        years = ", ".join(f"year {y} {metrics.percent(c)}" for y, c in summary.trajectory.points)
        parts.append(f"{summary.school.name}: {years}.")
    return " ".join(parts)


@functools.lru_cache(maxsize=64)
def _svg(series: tuple, glide_path: tuple, words: str):
    return charts.to_svg(_drawing(series, glide_path), description=words)


def svg(summaries: Sequence[figures.SchoolSummary], glide_path: Sequence[int]):
    """The chart as SVG for the page. Drawing it costs more than the page's other work, and the
    same figures always draw the same chart, so the SVG is kept by its figures (a pure function
    of them: any process may keep it)."""
    return _svg(_series(summaries), tuple(glide_path), description(summaries, glide_path))
