"""Charts, drawn once with reportlab.graphics: a page embeds the drawing as SVG (`to_svg`),
a PDF takes the same Drawing object, so web and print never disagree.

Every chart carries its text alternative: `to_svg` gives the SVG a <title>, role="img" and an
aria-label, and the page shows the same numbers as a table next to it.
"""
import re
import secrets
from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from markupsafe import Markup
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.attrmap import AttrMap, AttrMapValue
from reportlab.lib.validators import isString


class Chart(Drawing):
    """A Drawing that knows its text alternative (`alt_text`)."""

    _attrMap = AttrMap(BASE=Drawing, alt_text=AttrMapValue(isString, desc="text alternative"))

# Eight colors that keep 3:1 contrast on white and stay apart for common color blindness (Okabe-Ito, darkened).
PALETTE = ["#0b5394", "#b45f06", "#38761d", "#990000", "#674ea7", "#1c7a7a", "#7f6000", "#a64d79",
           "#434343", "#2f5f8f"]
MARKERS = ["FilledCircle", "FilledSquare", "FilledDiamond", "FilledTriangle", "Circle", "Square", "Diamond",
           "Triangle", "Cross", "FilledStarFive"]


def line_chart(x_labels: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *,
               title: str, y_range: tuple[float, float], y_step: float = 1, width: float = 460,
               height: float = 300, font: str = "Helvetica") -> Drawing:
    """One line per series over the x labels; a None value leaves a gap. Its `alt_text` is
    the title, the text alternative."""
    legend_rows = len(series)  # one column: long domain names stay whole
    legend_height = 13 * legend_rows + 12
    drawing = Chart(width, height + legend_height)
    drawing.alt_text = title
    plot = LinePlot()
    plot.x, plot.y = 40, legend_height + 30
    plot.width, plot.height = width - 60, height - 60
    data = []
    for _, values in series:
        points = [(index, value) for index, value in enumerate(values) if value is not None]
        data.append(points or [(0, y_range[0])])
    plot.data = data
    for index, (_, values) in enumerate(series):
        line = plot.lines[index]
        line.strokeColor = colors.HexColor(PALETTE[index % len(PALETTE)])
        line.strokeWidth = 2
        line.symbol = makeMarker(MARKERS[index % len(MARKERS)], size=6,
                                 fillColor=colors.HexColor(PALETTE[index % len(PALETTE)]),
                                 strokeColor=colors.HexColor(PALETTE[index % len(PALETTE)]))
        if not any(v is not None for v in values):
            line.strokeWidth, line.symbol = 0, None
    last = max(len(x_labels) - 1, 1)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = -0.3, last + 0.3
    plot.xValueAxis.valueSteps = list(range(len(x_labels)))
    plot.xValueAxis.labelTextFormat = lambda v: x_labels[int(round(v))] if 0 <= round(v) < len(x_labels) else ""
    plot.xValueAxis.labels.fontName = font
    plot.xValueAxis.labels.fontSize = 9
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = y_range
    plot.yValueAxis.valueStep = y_step
    plot.yValueAxis.labels.fontName = font
    plot.yValueAxis.labels.fontSize = 9
    plot.yValueAxis.visibleGrid = True
    plot.yValueAxis.gridStrokeColor = colors.HexColor("#d8dde5")
    drawing.add(plot)
    drawing.add(String(4, height + legend_height - 14, title[:90], fontName=font, fontSize=11,
                       fillColor=colors.HexColor("#1d2430")))
    legend = Legend()
    legend.x, legend.y = 40, legend_height - 6
    legend.alignment = "right"
    legend.columnMaximum = legend_rows
    legend.fontName, legend.fontSize = font, 8.5
    legend.dx = legend.dy = 8
    legend.deltay = 13
    legend.yGap = 0
    legend.colorNamePairs = [(colors.HexColor(PALETTE[i % len(PALETTE)]), name[:70])
                             for i, (name, _) in enumerate(series)]
    drawing.add(legend)
    return drawing


_STYLE = re.compile(r'\sstyle="([^"]*)"')


def _presentation_attributes(match: re.Match) -> str:
    """style="stroke: red; fill: none" -> stroke="red" fill="none": the page's Content Security Policy
    refuses inline styles, but SVG presentation attributes are markup."""
    parts = []
    for declaration in match.group(1).split(";"):
        if ":" not in declaration:
            continue
        name, value = (piece.strip() for piece in declaration.split(":", 1))
        if re.fullmatch(r"[a-z-]+", name) and value:
            parts.append(f"{name}={quoteattr(value)}")
    return (" " + " ".join(parts)) if parts else ""


def to_svg(drawing: Drawing, *, description: str = "", css_class: str = "chart") -> Markup:
    """The drawing as inline SVG markup for a page: scalable, titled and labelled for screen readers."""
    svg = renderSVG.drawToString(drawing)
    svg = svg[svg.index("<svg"):]
    title = getattr(drawing, "alt_text", "") or "Chart"
    label = title + (f". {description}" if description else "")
    svg = re.sub(r"<title>.*?</title>", f"<title>{escape(title)}</title>", svg, count=1, flags=re.S)
    svg = re.sub(r"<desc>.*?</desc>", f"<desc>{escape(description)}</desc>", svg, count=1, flags=re.S)
    svg = _STYLE.sub(_presentation_attributes, svg)
    # Ids unique on the page, so two charts never share their clip path.
    suffix = secrets.token_hex(4)
    svg = svg.replace('id="clip"', f'id="clip-{suffix}"').replace("url(#clip)", f"url(#clip-{suffix})")
    svg = svg.replace('id="group"', f'id="chart-{suffix}"')
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"',
                 f'<svg role="img" aria-label={quoteattr(label)} class="{css_class}"', svg, count=1)
    return Markup(svg)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, x_title: str = "",
              width: float = 460, height: float = 240, font: str = "Helvetica") -> Drawing:
    """One bar per label (e.g. a histogram's bins). Its `alt_text` is the title."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart

    drawing = Chart(width, height)
    drawing.alt_text = title
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 44 if x_title else 30
    chart.width, chart.height = width - 60, height - chart.y - 30
    chart.data = [list(values) or [0]]
    chart.bars[0].fillColor = colors.HexColor(PALETTE[0])
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    chart.categoryAxis.categoryNames = [label[:12] for label in labels] or [""]
    chart.categoryAxis.labels.fontName, chart.categoryAxis.labels.fontSize = font, 8
    top = max(values, default=0)
    step = max(1, -(-top // 5))
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, max(step * 5, 1), step
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = font, 8
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#d8dde5")
    chart.barLabels.fontName, chart.barLabels.fontSize = font, 7
    chart.barLabelFormat = lambda v: f"{int(v)}" if v else ""
    chart.barLabels.nudge = 6
    drawing.add(chart)
    drawing.add(String(4, height - 14, title[:90], fontName=font, fontSize=11, fillColor=colors.HexColor("#1d2430")))
    if x_title:
        drawing.add(String(chart.x + chart.width / 2, 6, x_title[:80], fontName=font, fontSize=9, textAnchor="middle",
                           fillColor=colors.HexColor("#1d2430")))
    return drawing
