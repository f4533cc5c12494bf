"""Background jobs of the applications domain. They take ids and are safe to run twice."""
import hashlib
import os
from pathlib import Path

from flask import current_app

from incubator.applications import pdf
from incubator.applications.models import Application
from incubator.core.jobs import on_warm_up
from incubator.extensions import db


def pdf_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "pdf"
    path.mkdir(parents=True, exist_ok=True)
    return path


def render_application_pdf(application_id: int) -> str:
    """Job (`pdf` queue): make the PDF copy of a submitted application, once."""
    application = db.session.get(Application, application_id)
    if application is None or application.submitted_at is None:
        return "nothing to do"
    if application.pdf_sha256 and application.pdf_path and (pdf_dir() / application.pdf_path).exists():
        return "already made"
    store_pdf(application)
    db.session.commit()
    return "made"


@on_warm_up
def _load_fonts() -> None:
    # Parsing the TrueType files costs a PDF job more than drawing it: do it once, before forking.
    pdf.styles(pdf.fonts())


def store_pdf(application: Application) -> None:
    """Render and write the PDF copy; the caller commits the row."""
    content = pdf.render_application(application, compress=current_app.config.get("PDF_COMPRESSION", True))
    name = f"application-{application.id}.pdf"
    temporary = pdf_dir() / f".{name}.{os.getpid()}.tmp"
    temporary.write_bytes(content)
    os.replace(temporary, pdf_dir() / name)  # atomic: a reader never sees half a file
    application.pdf_path, application.pdf_sha256 = name, hashlib.sha256(content).hexdigest()
