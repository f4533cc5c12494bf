"""Payees (letter area): the grantee's Stripe Connect Express onboarding, finance's manual payee."""
from urllib.parse import urlsplit

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from incubator.accounts import two_factor
from incubator.core.errors import DomainError
from incubator.core.forms import CsrfForm
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.core.web import csp_sending_forms_to
from incubator.extensions import db
from incubator.grants import payees
from incubator.grants.gateway import GatewayError, NotConfigured, gateway
from incubator.grants.models import Grant
from incubator.grants.payee_forms import ManualPayeeForm
from incubator.grants.states import GrantStatus, PayeeKind
from incubator.grants.views import bp

CONNECTABLE = (GrantStatus.offered, GrantStatus.accepted)


def _grant_or_404(grant_id: int, action: str = "view") -> Grant:
    return visible_or_404(Grant, grant_id, action, options=[joinedload(Grant.organisation)])


def payee_state(payee) -> str:
    """not_connected, manual, pending (details or payouts still to come) or enabled."""
    if payee is None:
        return "not_connected"
    if PayeeKind(payee.kind) is PayeeKind.manual:
        return "manual"
    return "enabled" if payee.payouts_enabled else "pending"


# Stripe's hosted onboarding (account links) lives there; the connect form's answer redirects to it.
STRIPE_ONBOARDING_ORIGIN = "https://connect.stripe.com"


def _onboarding_origins() -> list[str]:
    origins = [STRIPE_ONBOARDING_ORIGIN]
    base = current_app.config.get("STRIPE_API_BASE")
    if base:  # a Stripe-compatible server (the tests'): its account links point at it
        parts = urlsplit(base)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return origins


def _page(grant: Grant, *, status: int = 200, message: str = "", returned: bool = False):
    payee = payees.current_payee(grant)
    response = make_response(render_template(
        "grants/payee_show.html", grant=grant, payee=payee, state=payee_state(payee),
        moves_money=gateway().moves_money, may_connect=can(current_user, "connect", grant)
        and GrantStatus(grant.status) in CONNECTABLE, may_manage=can(current_user, "manual_payee", grant),
        form=CsrfForm(), message=message, returned=returned, tz=grant.organisation.timezone), status)
    response.headers["Content-Security-Policy"] = csp_sending_forms_to(*_onboarding_origins())
    return response


def _gateway_message(error: GatewayError) -> str:
    if isinstance(error, NotConfigured):
        return ("This portal does not pay through Stripe: payments are made outside the portal, "
                "and finance records the payee.")
    return f"Stripe could not be reached or refused the request: {error.message} Try again in a few minutes."


@bp.route("/<int:grant_id>/payee", methods=["GET", "POST"])
def payee(grant_id: int):
    """Where the grant is paid; the grantee's lead connects a bank account through Stripe."""
    grant = _grant_or_404(grant_id)
    if request.method == "GET":
        return _page(grant)
    if not can(current_user, "connect", grant):
        abort(404)
    form = CsrfForm()
    if not form.validate_on_submit():
        return _page(grant, status=400, message="The form expired; please press the button again.")
    if GrantStatus(grant.status) not in CONNECTABLE:
        return _page(grant, status=409, message=f"This grant is {grant.status.label.lower()}: nothing will be paid.")
    try:
        link = payees.start_onboarding(grant, actor=current_user)
        db.session.commit()
    except GatewayError as error:
        db.session.rollback()
        return _page(_grant_or_404(grant_id), status=409 if isinstance(error, NotConfigured) else 502,
                     message=_gateway_message(error))
    return redirect(link)


@bp.get("/<int:grant_id>/payee/return")
def payee_return(grant_id: int):
    """Stripe sends the lead back here: re-read the account and say what is left."""
    grant = _grant_or_404(grant_id, "connect")
    current = payees.current_payee(grant)
    message = ""
    if current is not None and PayeeKind(current.kind) is PayeeKind.stripe:
        try:
            payees.refresh(current)
            db.session.commit()
        except GatewayError as error:
            db.session.rollback()
            message = _gateway_message(error)
    return _page(_grant_or_404(grant_id), message=message, returned=True)


@bp.get("/<int:grant_id>/payee/refresh")
def payee_refresh(grant_id: int):
    """Stripe's link expired or was used: a new one for the same account."""
    grant = _grant_or_404(grant_id, "connect")
    if GrantStatus(grant.status) not in CONNECTABLE:
        return _page(grant, status=409, message=f"This grant is {grant.status.label.lower()}: nothing will be paid.")
    try:
        link = payees.start_onboarding(grant, actor=current_user)
        db.session.commit()
    except GatewayError as error:
        db.session.rollback()
        return _page(_grant_or_404(grant_id), status=409 if isinstance(error, NotConfigured) else 502,
                     message=_gateway_message(error))
    return redirect(link)


@bp.route("/<int:grant_id>/payee/manual", methods=["GET", "POST"])
def payee_manual(grant_id: int):
    """Finance records a manual payee (a money action: two-factor, recently proved)."""
    grant = _grant_or_404(grant_id, "manual_payee")  # 404 for anyone else, before any 2FA step
    return _manual(grant)


@two_factor.enrolled_required
@two_factor.recent_required
def _manual(grant: Grant):
    form = ManualPayeeForm()
    current = payees.current_payee(grant)
    if request.method == "GET" and current is not None and PayeeKind(current.kind) is PayeeKind.manual:
        form.name.data, form.instructions.data = current.name, current.instructions
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                payees.set_manual(grant, name=form.name.data, instructions=form.instructions.data or "",
                                  actor=current_user, now=utcnow())
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "error")
                return _manual_page(grant, form, 422)
            flash(f"{form.name.data} is now the payee of {grant.grantee_name}.", "success")
            return redirect(url_for(".payee_manual", grant_id=grant.id))
        return _manual_page(grant, form, 422)
    return _manual_page(grant, form)


def _manual_page(grant: Grant, form: ManualPayeeForm, status: int = 200):
    current = payees.current_payee(grant)
    return render_template("grants/payee_manual.html", grant=grant, form=form, payee=current,
                           state=payee_state(current), tz=grant.organisation.timezone), status
