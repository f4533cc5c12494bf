"""The copies of files a blind round's reviewer gets: without author metadata, and still files
that open (the picture, the document, the PDF's pages)."""
import io
import zipfile

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from incubator.reviews import blind

AUTHOR = "Quentin Xylophone"


def test_a_png_keeps_its_picture_and_loses_its_text():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_itxt("Description", f"Drawn by {AUTHOR}")
    out = io.BytesIO()
    Image.new("RGB", (3, 2), (200, 10, 10)).save(out, "PNG", pnginfo=info)
    assert AUTHOR.encode() in out.getvalue()
    stripped = blind.strip_png(out.getvalue())
    assert AUTHOR.encode() not in stripped
    image = Image.open(io.BytesIO(stripped))
    assert image.size == (3, 2) and image.convert("RGB").getpixel((1, 1)) == (200, 10, 10)


def test_a_jpeg_keeps_its_picture_and_loses_its_exif_and_comment():
    exif = Image.Exif()
    exif[0x013B] = AUTHOR  # Artist
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes(), comment=f"by {AUTHOR}")
    assert AUTHOR.encode() in out.getvalue()
    stripped = blind.strip_jpeg(out.getvalue())
    assert AUTHOR.encode() not in stripped
    image = Image.open(io.BytesIO(stripped))
    image.load()
    assert image.size == (8, 8) and not image.getexif()


def test_a_word_file_keeps_its_text_and_loses_its_properties():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>The budget narrative</w:document>")
        archive.writestr("docProps/core.xml", f"<cp:coreProperties><dc:creator>{AUTHOR}</dc:creator></cp:coreProperties>")
        archive.writestr("word/people.xml", f"<w15:people><w15:person w15:author='{AUTHOR}'/></w15:people>")
    stripped = blind.strip_ooxml(out.getvalue())
    with zipfile.ZipFile(io.BytesIO(stripped)) as archive:
        assert archive.read("word/document.xml") == b"<w:document>The budget narrative</w:document>"
        assert all(AUTHOR.encode() not in archive.read(name) for name in archive.namelist())
        assert "docProps/core.xml" in archive.namelist()  # still there (the package names it), but blank


def test_a_pdf_keeps_its_pages_and_loses_its_document_information():
    writer = PdfWriter()
    writer.add_blank_page(300, 200)
    writer.add_blank_page(300, 200)
    writer.add_metadata({"/Author": AUTHOR, "/Title": "Our school", "/Creator": AUTHOR})
    from pypdf.annotations import Text

    note = Text(rect=(10, 10, 30, 30), text="Check this figure")
    note[NameObject("/T")] = TextStringObject(AUTHOR)
    writer.add_annotation(page_number=0, annotation=note)
    out = io.BytesIO()
    writer.write(out)
    stripped = blind.strip_pdf(out.getvalue())
    reader = PdfReader(io.BytesIO(stripped))
    assert len(reader.pages) == 2 and not reader.metadata and AUTHOR.encode() not in stripped
    assert reader.pages[0]["/Annots"][0].get_object()["/Contents"] == "Check this figure"  # the team's own text


@pytest.mark.parametrize("strip, data", [
    (blind.strip_pdf, b"%PDF-1.4 garbage"), (blind.strip_png, b"\x89PNG\r\n\x1a\n\x00\x00\xff\xffIHDR"),
    (blind.strip_jpeg, b"\xff\xd8\xff\xe1\xff\xff"), (blind.strip_ooxml, b"PK\x03\x04 not a zip"),
    (blind.strip_jpeg, b"not a jpeg"), (blind.strip_png, b"not a png"),
])
def test_a_broken_file_is_refused_rather_than_served_with_its_metadata(strip, data):
    with pytest.raises(blind.CannotStrip):
        strip(data)
