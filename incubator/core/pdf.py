"""What every PDF of the portal shares (reportlab): the font with its fallback, paragraph styles,
the page footer with "Page N of M", and storing a made document where the download finds it.

Text is drawn in DejaVu Sans when the font is installed (it covers most scripts a team
types in Latin, Greek and Cyrillic), else in reportlab's built-in Helvetica, which
covers Latin-1 only. Either way a character the font cannot draw becomes "?" rather
than a black box or an error.
"""
import functools
import hashlib
import os
import unicodedata
from pathlib import Path

from flask import current_app
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
PAGE = letter
MARGIN = 0.9 * inch
FOOTER_SIZE = 8
_CONTROL = {c: None for c in range(32) if c not in (9, 10)} | {0x7F: None}
_CP1252 = "cp1252"  # what reportlab's standard fonts (WinAnsiEncoding) can draw


class Fonts:
    """The font family in use, and what it can draw."""

    def __init__(self, regular: str, bold: str, italic: str, covered=None):
        self.regular, self.bold, self.italic = regular, bold, italic
        self._covered = covered  # set of code points, or None for the standard fonts

    def can_draw(self, char: str) -> bool:
        if self._covered is not None:
            return ord(char) in self._covered
        try:
            char.encode(_CP1252)
        except UnicodeEncodeError:
            return False
        return True


HELVETICA = Fonts("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")


@functools.cache
def fonts() -> Fonts:
    """DejaVu Sans if installed (registered once per process), else Helvetica."""
    for folder in FONT_DIRS:
        files = {style: folder / f"DejaVuSans{suffix}.ttf"
                 for style, suffix in (("regular", ""), ("bold", "-Bold"), ("italic", "-Oblique"))}
        if not all(path.is_file() for path in files.values()):
            continue
        try:
            faces = {style: TTFont(f"DejaVuSans{'' if style == 'regular' else '-' + style}", str(path))
                     for style, path in files.items()}
        except Exception:  # an unreadable font file: the built-in font still works  # noqa: BLE001
            continue
        for face in faces.values():
            pdfmetrics.registerFont(face)
        pdfmetrics.registerFontFamily("DejaVuSans", normal=faces["regular"].fontName, bold=faces["bold"].fontName,
                                      italic=faces["italic"].fontName, boldItalic=faces["bold"].fontName)
        covered = set(faces["regular"].face.charToGlyph) & set(faces["bold"].face.charToGlyph)
        return Fonts(faces["regular"].fontName, faces["bold"].fontName, faces["italic"].fontName, covered)
    return HELVETICA


def drawable(value, font: Fonts) -> str:
    """The text with control characters dropped and what the font cannot draw made "?".

    An accented letter the font lacks is drawn without its accent where that exists.
    """
    text = ("" if value is None else str(value)).replace("\r\n", "\n").translate(_CONTROL)
    if all(font.can_draw(char) for char in text):
        return text
    out = []
    for char in text:
        if char == "\n" or font.can_draw(char):
            out.append(char)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(base if base and base != char and all(font.can_draw(c) for c in base) else "?")
    return "".join(out)


@functools.cache
def styles(font: Fonts) -> dict[str, ParagraphStyle]:
    sample = getSampleStyleSheet()
    body = ParagraphStyle("Body", parent=sample["BodyText"], fontName=font.regular, fontSize=10, leading=13,
                          spaceAfter=6)
    return {
        "title": ParagraphStyle("Title", parent=sample["Title"], fontName=font.bold, fontSize=18, leading=22),
        "heading": ParagraphStyle("Heading", parent=sample["Heading2"], fontName=font.bold, fontSize=13,
                                  leading=16, spaceBefore=12, spaceAfter=6, keepWithNext=1),
        "question": ParagraphStyle("Question", parent=body, fontName=font.bold, spaceAfter=2, keepWithNext=1),
        "body": body,
        "cell": ParagraphStyle("Cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "money": ParagraphStyle("Money", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0, alignment=TA_RIGHT),
    }


def fit(text: str, font: str, size: float, width: float) -> str:
    """The text, cut with an ellipsis to fit `width` points."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "\u2026", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def numbered_canvas(school: str, when: str, font: str):
    """A canvas that holds its pages until the end, so each footer can say "Page N of M"."""

    class NumberedCanvas(canvas.Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._footer(number, total)
                super().showPage()
            super().save()

        def _footer(self, number: int, total: int) -> None:
            width, _ = self._pagesize
            y = MARGIN / 2
            page = f"Page {number} of {total}"
            right = pdfmetrics.stringWidth(page, font, FOOTER_SIZE)
            middle = pdfmetrics.stringWidth(when, font, FOOTER_SIZE)
            self.saveState()
            self.setStrokeColor(colors.lightgrey)
            self.setLineWidth(0.5)
            self.line(MARGIN, y + FOOTER_SIZE + 3, width - MARGIN, y + FOOTER_SIZE + 3)
            self.setFont(font, FOOTER_SIZE)
            self.setFillColor(colors.dimgrey)
            # The school name gets the room the date and page number leave free.
            room = (width - middle) / 2 - MARGIN - 12
            self.drawString(MARGIN, y, fit(school, font, FOOTER_SIZE, room))
            self.drawCentredString(width / 2, y, when)
            self.drawString(width - MARGIN - right, y, page)
            self.restoreState()

    return NumberedCanvas



def build(buffer, story: list, *, title: str, author: str, footer: tuple[str, str], font: Fonts,
          compress: bool = True, pagesize=PAGE) -> None:
    """Lay `story` out on letter pages (or `pagesize`, e.g. landscape(letter)) with the shared
    margins and footer (left text, centre text)."""
    doc = BaseDocTemplate(buffer, pagesize=pagesize, pageCompression=1 if compress else 0, invariant=1,
                          leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
                          title=title, author=author)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    doc.build(story, canvasmaker=numbered_canvas(footer[0], footer[1], font.regular))


FRAME_WIDTH = PAGE[0] - 2 * MARGIN


# ---- stored documents: made by a job, downloaded once they exist ("being prepared" until then) ----


def pdf_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "pdf"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(name: str, content: bytes) -> str:
    """Write `content` as pdf_dir()/name atomically (a reader never sees half a file); its SHA-256."""
    temporary = pdf_dir() / f".{name}.{os.getpid()}.tmp"
    temporary.write_bytes(content)
    os.replace(temporary, pdf_dir() / name)
    return hashlib.sha256(content).hexdigest()


def stored_path(name: str | None) -> Path | None:
    """The stored file, or None while it is being prepared (or was never made)."""
    if not name:
        return None
    path = pdf_dir() / name
    return path if path.exists() else None


def download_name(text: str, suffix: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in (text or ""))[:60].strip("-")
    return f"{slug + '-' if slug else ''}{suffix}.pdf"
