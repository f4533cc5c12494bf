"""Background jobs of readiness. They take ids and are safe to run twice."""
import sqlalchemy as sa
from flask import current_app

from incubator.core.pdf import stored_path, store
from incubator.extensions import db
from incubator.readiness import pdf
from incubator.readiness.models import Assessment


def render_assessment_pdf(assessment_id: int) -> str:
    """Job (`pdf` queue): make the PDF of an assessment for its current revision, once."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        return "nothing to do"
    if assessment.has_current_pdf and stored_path(assessment.pdf_path):
        return "already made"
    revision = assessment.revision
    name, digest = write_pdf(assessment)
    # Only if nothing changed while rendering; otherwise the job queued by that change makes it.
    db.session.execute(sa.update(Assessment).where(Assessment.id == assessment.id, Assessment.revision == revision)
                       .values(pdf_path=name, pdf_sha256=digest, pdf_revision=revision)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    return "made"


def write_pdf(assessment: Assessment) -> tuple[str, str]:
    """Render and store the PDF of the assessment's current revision: (file name, SHA-256)."""
    content = pdf.render_assessment(assessment, compress=current_app.config.get("PDF_COMPRESSION", True))
    name = f"readiness-{assessment.id}-r{assessment.revision}.pdf"
    return name, store(name, content)


def store_pdf_now(assessment: Assessment) -> None:
    """For the demo seed (no worker): make the PDF in process; the caller commits."""
    name, digest = write_pdf(assessment)
    assessment.pdf_path, assessment.pdf_sha256, assessment.pdf_revision = name, digest, assessment.revision
