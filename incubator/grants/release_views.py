"""Releasing a tranche (finance area): staff request, finance approves (not the requester, with
a recent second factor), cancel, record an outside payment, retry a failed payout, close a
settled grant. Each loads its object through `visible_or_404` (404 for anyone who may not do
it), calls one service, commits or rolls back, and goes back to the grant page with a flash."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from incubator.accounts import two_factor
from incubator.core.errors import DomainError
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import payouts, release
from incubator.grants.lifecycle import ChangedMeanwhile
from incubator.grants.models import Grant, Tranche
from incubator.grants.release_forms import CancelForm, PaymentForm, VersionForm
from incubator.grants.views import bp
from incubator.core.money import format_cents


def _tranche_or_404(tranche_id: int, action: str) -> Tranche:
    return visible_or_404(Tranche, tranche_id, action,
                          options=[joinedload(Tranche.grant).joinedload(Grant.organisation)])


def _back(tranche: Tranche):
    return redirect(url_for(".grant", grant_id=tranche.grant_id) + f"#tranche-{tranche.id}")


def _stale(form, tranche: Tranche) -> bool:
    """The page showed another version of the tranche than the one stored now."""
    shown = (form.version.data or "").strip()
    return bool(shown) and shown != str(tranche.version)


def _run(form, tranche: Tranche, service, success: str):
    """Validate the form, refuse a stale page, run the service; commit or roll back; flash."""
    if not form.validate():
        if "csrf_token" in form.errors:
            flash("The form expired; please send it again.", "error")
        else:
            flash(" ".join(m for errors in form.errors.values() for m in errors), "error")
        return _back(tranche)
    if _stale(form, tranche):
        flash(str(ChangedMeanwhile()), "error")
        return _back(tranche)
    try:
        outcome = service()
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(tranche)
    db.session.commit()
    flash(success(outcome) if callable(success) else success, "success")
    return _back(tranche)


def _label(tranche: Tranche) -> str:
    return f"Tranche {tranche.position} ({format_cents(tranche.amount_cents)})"


@bp.post("/tranches/<int:tranche_id>/request")
@login_required
def request_release(tranche_id: int):
    tranche = _tranche_or_404(tranche_id, "request")
    return _run(VersionForm(), tranche,
                lambda: release.request_release(tranche, actor=current_user, now=utcnow()),
                f"{_label(tranche)}: release requested. Finance has been told; another person approves it.")


@bp.post("/tranches/<int:tranche_id>/approve")
@login_required
def approve(tranche_id: int):
    return _approve(_tranche_or_404(tranche_id, "approve"))


@two_factor.enrolled_required
@two_factor.recent_required
def _approve(tranche: Tranche):
    label = _label(tranche)

    def said(outcome):
        if outcome == "queued":
            return f"{label}: release approved. The payout is queued and will show here once Stripe has paid it."
        return f"{label}: release approved. Pay it outside the portal, then record the payment's reference here."

    return _run(VersionForm(), tranche, lambda: release.approve_release(tranche, actor=current_user, now=utcnow()),
                said)


@bp.post("/tranches/<int:tranche_id>/cancel")
@login_required
def cancel(tranche_id: int):
    tranche = _tranche_or_404(tranche_id, "view")
    if not release.may_cancel(current_user, tranche):
        abort(404)
    form = CancelForm()
    return _run(form, tranche,
                lambda: release.cancel(tranche, actor=current_user, reason=form.reason.data, now=utcnow()),
                f"{_label(tranche)} canceled.")


@bp.route("/tranches/<int:tranche_id>/payment", methods=["GET", "POST"])
@login_required
def record_payment(tranche_id: int):
    return _record_payment(_tranche_or_404(tranche_id, "record_payment"))


@two_factor.enrolled_required
@two_factor.recent_required
def _record_payment(tranche: Tranche):
    form = PaymentForm()
    payee = release.current_payee(tranche.grant)
    if request.method == "POST":
        if _stale(form, tranche):
            flash(str(ChangedMeanwhile()), "error")
            return _back(tranche)
        if form.validate():
            try:
                release.record_manual_payment(tranche, reference=form.reference.data, actor=current_user,
                                              now=utcnow())
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "error")
                if not release.may_record_payment(tranche, payee):
                    return _back(tranche)
            else:
                db.session.commit()
                flash(f"{_label(tranche)}: payment recorded as paid, with reference {form.reference.data}.",
                      "success")
                return _back(tranche)
        status = 422
    else:
        if not release.may_record_payment(tranche, payee):
            flash("Only an approved tranche to a payee paid outside the portal can be recorded as paid.", "error")
            return _back(tranche)
        form.version.data = str(tranche.version)
        status = 200
    return render_template("grants/finance_payment.html", form=form, tranche=tranche, grant=tranche.grant,
                           payee=payee), status


@bp.post("/tranches/<int:tranche_id>/retry")
@login_required
def retry(tranche_id: int):
    return _retry(_tranche_or_404(tranche_id, "retry"))


@two_factor.enrolled_required
@two_factor.recent_required
def _retry(tranche: Tranche):
    return _run(VersionForm(), tranche, lambda: payouts.retry(tranche, actor=current_user, now=utcnow()),
                f"{_label(tranche)}: payout queued again (the next attempt).")


@bp.post("/<int:grant_id>/close")
@login_required
def close(grant_id: int):
    grant = visible_or_404(Grant, grant_id, "finance")
    form = VersionForm()
    back = redirect(url_for(".grant", grant_id=grant.id))
    if not form.validate():
        flash("The form expired; please send it again.", "error")
        return back
    try:
        release.close_grant(grant, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    db.session.commit()
    flash("The grant is closed: every tranche is paid or canceled.", "success")
    return back
