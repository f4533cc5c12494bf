"""The sustainability charts, drawn once (core.charts): a school's coverage against the glide
path with its projection (the school page as SVG, the school's and the portfolio's PDF), and the
portfolio's coverage by school and year (the dashboard)."""
from collections.abc import Sequence

from incubator.core import charts
from incubator.sustainability import metrics

YEAR_LABELS = ["Year 1", "Year 2", "Year 3", "Year 4"]


def _pct(value) -> float | None:
    return None if value is None else float(value * 100)


def _top(*series: Sequence[float | None]) -> float:
    highest = max((v for values in series for v in values if v is not None), default=100)
    return max(120.0, (int(highest) // 20 + 1) * 20)


def coverage_chart(trajectory: metrics.Trajectory, glide_path: Sequence[int], *, title: str | None = None,
                   font: str = "Helvetica", width: float = 460, height: float = 260):
    """Coverage by year (verified years), the glide path, and the least-squares projection to year 4."""
    by_year = dict(trajectory.points)
    coverage = [_pct(by_year.get(year)) for year in metrics.YEARS]
    glide = [float(percent) for percent in glide_path]
    projection: list[float | None] = [None] * 4
    if trajectory.line is not None and trajectory.latest_year is not None and trajectory.latest_year < 4:
        for year in range(trajectory.latest_year, 5):
            projection[year - 1] = max(0.0, _pct(trajectory.line_at(year)))
    series = [("Coverage (public revenue / operating expenses, %)", coverage), ("Glide path (%)", glide)]
    if any(v is not None for v in projection):
        series.append(("Projected to year 4 (least squares, %)", projection))
    return charts.line_chart(YEAR_LABELS, series, title=title or "Coverage against the glide path",
                             y_range=(0, _top(coverage, glide, projection)), y_step=20, width=width,
                             height=height, font=font)
