"""Background jobs of the applications domain. They take ids and are safe to run twice."""
from flask import current_app

from incubator.applications import pdf
from incubator.applications.models import Application
from incubator.core.jobs import on_warm_up
from incubator.core.pdf import pdf_dir, store
from incubator.extensions import db


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
    application.pdf_path, application.pdf_sha256 = name, store(name, content)
