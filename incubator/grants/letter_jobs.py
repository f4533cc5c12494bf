"""The award letter, made by a job on the `pdf` queue through core.pdf_jobs: its file is named
after a fingerprint of everything the letter shows, so the letter of the grant's current state
either exists or is being prepared. The job also stores the file's SHA-256 as
`grant.letter_sha256`; acceptance compares the hash the grantee was shown with the current
letter's."""
import hashlib
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from incubator.core import pdf_jobs
from incubator.extensions import db
from incubator.grants.letter_pdf import render_letter
from incubator.grants.models import Grant, Tranche


def _utc(moment: datetime | None) -> str | None:
    """A stored moment as text, the same whichever database (or session zone) read it."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat()


def fingerprint(grant: Grant) -> str:
    """What the letter shows: the organisation, grantee, lead, amount, terms, expiry, schedule,
    and the acceptance record (not the status's version, nor letter_sha256, which the job sets)."""
    team = grant.grantee_team
    lead = team.lead if team is not None else None
    tranches = db.session.execute(
        sa.select(Tranche.position, Tranche.amount_cents, Tranche.condition, Tranche.due_on, Tranche.milestone_title)
        .where(Tranche.grant_id == grant.id).order_by(Tranche.position)).all()
    accepted = grant.status in ("accepted", "closed")
    return pdf_jobs.digest(
        grant.id, _utc(grant.offered_at),
        grant.organisation.name, grant.organisation.timezone, grant.challenge.title,
        str(grant.kind), grant.grantee_name, team.name if team is not None else "",
        lead.display_name if lead is not None else "", grant.amount_cents, grant.currency, grant.terms,
        grant.expires_on, _utc(grant.expires_at),
        [tuple(str(v) if v is not None else None for v in row) for row in tranches],
        accepted, grant.accepted_name if accepted else None,
        _utc(grant.accepted_at) if accepted else None,
        grant.accepted_ip if accepted else None, grant.accepted_letter_sha256 if accepted else None)


def letter_bytes(grant: Grant) -> bytes:
    return render_letter(grant, compress=current_app.config.get("PDF_COMPRESSION", True))


LETTER = pdf_jobs.Document("award-letter", load=lambda grant_id: db.session.get(Grant, grant_id),
                           fingerprint=fingerprint, render=letter_bytes)


def sha256_of(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current_letter(grant: Grant) -> tuple[str, object, str | None]:
    """(fingerprint, the file or None while it is prepared, its SHA-256 or None)."""
    fp, path = pdf_jobs.ready(LETTER, grant)
    return fp, path, (sha256_of(path) if path is not None else None)


def render_award_letter(grant_id: int, digest: str) -> str:
    """Job (`pdf` queue): make the grant's award letter for `digest`, once, and store its SHA-256
    on the grant."""
    outcome = pdf_jobs.make(LETTER, grant_id, digest)
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        return outcome
    _, _, sha = current_letter(grant)
    if sha is not None and grant.letter_sha256 != sha:
        # A plain column write, not a status change: no compare-and-set needed (the next job for
        # a newer letter writes the newer hash).
        db.session.execute(sa.update(Grant).where(Grant.id == grant_id).values(letter_sha256=sha)
                           .execution_options(synchronize_session=False))
    db.session.commit()
    return outcome


def request_letter(grant: Grant, *, again: bool = False) -> bool:
    """Queue the letter of the grant's current state (after the caller's commit)."""
    return pdf_jobs.request(LETTER, render_award_letter, grant, fingerprint(grant), again=again)
