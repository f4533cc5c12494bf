"""Finance (finance area): the dashboard, the grant page, CSV exports of tranches and the ledger."""
from datetime import timedelta

import sqlalchemy as sa
from flask import Response, abort, current_app, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required
from jinja2 import TemplateNotFound
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts import two_factor
from incubator.accounts.models import Organisation, Role
from incubator.core.csv import stream_rows
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db
from incubator.grants import dashboard as queries
from incubator.grants import export, release
from incubator.grants.models import Grant, LedgerEntry, Tranche
from incubator.grants.permissions import finance_of, on_grantee_team, staff_of
from incubator.grants.release_forms import CancelForm
from incubator.grants.states import GrantKind, TrancheStatus
from incubator.grants.views import bp

ACCEPTANCE_RECORD = "grants/letter_acceptance_record.html"


def _finance_org_or_404(org_id: int) -> Organisation:
    if not 0 < org_id < 2**31 or not finance_of(current_user, org_id):
        abort(404)
    org = db.session.get(Organisation, org_id)
    if org is None:
        abort(404)
    return org


def _finance_orgs(user) -> list[Organisation]:
    if user.is_admin:
        return list(db.session.scalars(sa.select(Organisation).order_by(Organisation.name)))
    ids = user.organisations_with(Role.finance)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.name)))


@bp.get("/finance")
@login_required
def finance_home():
    orgs = _finance_orgs(current_user)
    if not orgs:
        abort(404)
    return redirect(url_for(".dashboard", org_id=orgs[0].id))


@bp.get("/finance/<int:org_id>")
@login_required
@two_factor.enrolled_required
def dashboard(org_id: int):
    org = _finance_org_or_404(org_id)
    filters = queries.Filters.parse(request.args)
    today = local(utcnow(), org.timezone).date()
    board = queries.build(org.id, current_user, filters=filters, today=today)
    return render_template("grants/finance_dashboard.html", org=org, board=board, filters=filters,
                           states=list(TrancheStatus), kinds=list(GrantKind), today=today,
                           upcoming_days=queries.UPCOMING_DAYS, other_orgs=_finance_orgs(current_user))


def _csv(org: Organisation, what: str, lines: list[list]) -> Response:
    filename = export.file_name(org, what, now=utcnow())
    return Response(stream_with_context(stream_rows(lines)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/finance/<int:org_id>/tranches.csv")
@login_required
@two_factor.enrolled_required
def tranches_csv(org_id: int):
    org = _finance_org_or_404(org_id)
    return _csv(org, "tranches", export.tranche_lines(org))  # read now, while the session is ours


@bp.get("/finance/<int:org_id>/ledger.csv")
@login_required
@two_factor.enrolled_required
def ledger_csv(org_id: int):
    org = _finance_org_or_404(org_id)
    return _csv(org, "ledger", export.ledger_lines(org))


def _has_template(name: str) -> bool:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        return False
    return True


@bp.get("/<int:grant_id>")
@login_required
@two_factor.enrolled_required  # finance (who must have it) is sent to set it up; a grantee is not
def grant(grant_id: int):
    grant = visible_or_404(Grant, grant_id, options=[
        joinedload(Grant.organisation), joinedload(Grant.challenge), joinedload(Grant.team),
        joinedload(Grant.school), joinedload(Grant.application), joinedload(Grant.accepted_by),
        selectinload(Grant.tranches).joinedload(Tranche.requested_by),
        selectinload(Grant.tranches).joinedload(Tranche.approved_by)])
    org = grant.organisation
    viewer = {"staff": staff_of(current_user, org.id), "finance": finance_of(current_user, org.id),
              "grantee": on_grantee_team(current_user, grant)}
    viewer["lead"] = can(current_user, "connect", grant)
    insider = viewer["staff"] or viewer["finance"]
    payee = release.current_payee(grant)
    ledger_lines = []
    if insider:
        ledger_lines = list(db.session.scalars(
            sa.select(LedgerEntry).where(LedgerEntry.grant_id == grant.id)
            .options(joinedload(LedgerEntry.approved_by), joinedload(LedgerEntry.recorded_by),
                     joinedload(LedgerEntry.tranche))
            .order_by(LedgerEntry.created_at, LedgerEntry.id)))
    paid_cents = sum(t.amount_cents for t in grant.tranches if TrancheStatus(t.status) is TrancheStatus.paid)
    return render_template(
        "grants/finance_grant.html", grant=grant, org=org, viewer=viewer, insider=insider, payee=payee,
        ledger_lines=ledger_lines, paid_cents=paid_cents, cancel_form=CancelForm(),
        may_record=lambda t: release.may_record_payment(t, payee), may_close=release.may_close(grant),
        may_cancel=lambda t: release.may_cancel(current_user, t),
        has_acceptance_record=_has_template(ACCEPTANCE_RECORD), acceptance_record=ACCEPTANCE_RECORD,
        soon=utcnow() + timedelta(days=7))
