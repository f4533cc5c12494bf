"""The award letter and the grantee's answer (letter area): the letter PDF (made by a job, a
"being prepared" page until it exists), the offer page where the grantee's lead accepts (others
who may view the grant read it), and declining."""
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from incubator.core.errors import DomainError
from incubator.core.pdf import download_name
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import client_address, db
from incubator.grants import acceptance, letter_jobs
from incubator.grants.acceptance_forms import AcceptForm, DeclineForm
from incubator.grants.models import Grant
from incubator.grants.permissions import leads_grantee
from incubator.grants.states import GrantStatus
from incubator.grants.views import bp


def _grant_or_404(grant_id: int) -> Grant:
    return visible_or_404(Grant, grant_id, "view",
                          options=[joinedload(Grant.organisation), joinedload(Grant.challenge)])


@bp.get("/<int:grant_id>/letter")
def letter(grant_id: int):
    """The award letter of the grant's current state, or a page that waits while it is made."""
    grant = _grant_or_404(grant_id)
    _, path, _ = letter_jobs.current_letter(grant)
    if path is not None:
        response = send_file(path, mimetype="application/pdf", as_attachment=False, max_age=0,
                             download_name=download_name(grant.grantee_name, f"award-letter-{grant.id}"))
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    letter_jobs.request_letter(grant, again=request.args.get("again") == "1")
    db.session.commit()  # nothing of ours to save: the commit is what queues the job
    return render_template("grants/letter_pending.html", grant=grant)


def _offer_page(grant: Grant, form: AcceptForm | None = None, decline_form: DeclineForm | None = None,
                status: int = 200):
    _, path, sha = letter_jobs.current_letter(grant)
    may_answer = leads_grantee(current_user, grant) and GrantStatus(grant.status) is GrantStatus.offered
    if path is None:
        letter_jobs.request_letter(grant)
        db.session.commit()  # queues the letter
    if may_answer:
        if form is None or form.letter_sha256.data is None:
            # A fresh form carries the letter shown now; a form sent back with errors keeps the
            # hash of the letter the person read (a changed letter is still refused next time).
            form = form or AcceptForm(grantee=grant.grantee_name)
            form.letter_sha256.data = sha or ""
        decline_form = decline_form or DeclineForm()
    expired = GrantStatus(grant.status) is GrantStatus.offered and utcnow() >= grant.expires_at
    return render_template("grants/letter_offer.html", grant=grant, form=form if may_answer else None,
                           decline_form=decline_form if may_answer else None, letter_ready=path is not None,
                           letter_sha=sha, expired=expired, lead=grant.grantee_team.lead if grant.grantee_team else None,
                           tz=grant.organisation.timezone), status


@bp.route("/<int:grant_id>/accept", methods=["GET", "POST"])
def accept(grant_id: int):
    """The offer: terms, schedule, expiry and the letter; the grantee's lead accepts it here."""
    grant = _grant_or_404(grant_id)
    if request.method == "GET":
        return _offer_page(grant)
    if not leads_grantee(current_user, grant):
        abort(404)  # only the grantee's lead answers the offer
    form = AcceptForm(grantee=grant.grantee_name)
    if not form.validate_on_submit():
        return _offer_page(grant, form, status=422)
    _, _, sha = letter_jobs.current_letter(grant)
    try:
        acceptance.accept(grant, actor=current_user, full_name=form.full_name.data, ip=client_address(),
                          letter_sha256=form.letter_sha256.data or "", now=utcnow(),
                          current_letter_sha256=sha or "")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _offer_page(_grant_or_404(grant_id), AcceptForm(grantee=grant.grantee_name,
                                                               formdata=None, full_name=form.full_name.data),
                           status=409)
    flash(f"You accepted the {grant.kind.label.lower()} on behalf of {grant.grantee_name}.", "success")
    return redirect(url_for(".accept", grant_id=grant.id))


@bp.post("/<int:grant_id>/decline")
def decline(grant_id: int):
    grant = _grant_or_404(grant_id)
    if not leads_grantee(current_user, grant):
        abort(404)
    form = DeclineForm()
    if not form.validate_on_submit():
        return _offer_page(grant, decline_form=form, status=422)
    try:
        acceptance.decline(grant, actor=current_user, reason=form.reason.data or "", now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for(".accept", grant_id=grant_id))
    flash("You declined the offer. The program staff have been told.", "success")
    return redirect(url_for(".accept", grant_id=grant.id))
