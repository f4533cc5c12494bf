"""Offers (offers area): the grants list, a challenge's grant pool, making an offer, withdrawing one."""
from datetime import timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from incubator.accounts.models import Role
from incubator.applications.models import Application, TeamMember
from incubator.applications.states import Status as ApplicationStatus
from incubator.challenges.models import Challenge
from incubator.core.errors import DomainError
from incubator.core.forms import is_plain_id, query_arg
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import offers, pool as pools
from incubator.grants.models import Grant
from incubator.grants.offer_forms import OfferForm, WithdrawForm
from incubator.grants.permissions import finance_of, staff_of
from incubator.grants.states import DueCondition, GrantKind, GrantStatus
from incubator.grants.views import bp
from incubator.incubation import plans
from incubator.incubation.models import School, TemplateMilestone

DEFAULT_TERMS = """\
This grant supports the planning of a new school: staff time, community engagement, design work
and the preparation of the school's charter or launch application.

- The grantee uses the funds only for the purposes of this grant and keeps records of how they were spent.
- Each tranche is paid when its condition is met: on acceptance, on its date, or when its milestone is approved.
- The grantee reports on its progress at each milestone of the incubation plan.
- Funds not used for these purposes are returned.
"""
BLANK_ROWS = 3


def _challenge_for_pool(challenge_id: int) -> Challenge:
    """The challenge, for its organisation's program staff and finance (everyone else: 404)."""
    challenge = visible_or_404(Challenge, challenge_id, "view")
    if not (staff_of(current_user, challenge.organisation_id) or finance_of(current_user, challenge.organisation_id)):
        abort(404)
    return challenge


def _grants_of(where) -> sa.Select:
    return (sa.select(Grant).where(where)
            .options(joinedload(Grant.application), joinedload(Grant.team), joinedload(Grant.school),
                     joinedload(Grant.challenge))
            .order_by(Grant.offered_at.desc(), Grant.id.desc()))


# ---- the grants a person may see -------------------------------------------------------------

@bp.get("/")
@login_required
def index():
    if current_user.is_admin:
        org_ids = None
    else:
        org_ids = current_user.organisations_with(Role.program_staff, Role.finance)
    my_teams = sa.select(TeamMember.team_id).where(TeamMember.user_id == current_user.id)
    as_grantee = sa.or_(Grant.team_id.in_(my_teams),
                        Grant.school_id.in_(sa.select(School.id).where(School.team_id.in_(my_teams))))
    as_staff = sa.true() if org_ids is None else Grant.organisation_id.in_(org_ids or [-1])
    status, kind = query_arg("status", 20), query_arg("kind", 20)
    status = status if status in GrantStatus.__members__ else ""
    kind = kind if kind in GrantKind.__members__ else ""
    staff_where = [as_staff]
    if status:
        staff_where.append(Grant.status == GrantStatus(status))
    if kind:
        staff_where.append(Grant.kind == GrantKind(kind))
    is_staff = org_ids is None or bool(org_ids)
    staff_page = paginate(_grants_of(sa.and_(*staff_where))) if is_staff else None
    own = list(db.session.scalars(_grants_of(as_grantee).limit(50)).unique())
    return render_template("grants/offers_index.html", staff_page=staff_page, own=own, status=status, kind=kind,
                           GrantStatus=GrantStatus, GrantKind=GrantKind, now=utcnow())


# ---- a challenge's grant pool ----------------------------------------------------------------

@bp.get("/challenges/<int:challenge_id>/pool")
@login_required
def pool(challenge_id: int):
    challenge = _challenge_for_pool(challenge_id)
    figures = pools.figures(challenge)
    grants = paginate(_grants_of(Grant.challenge_id == challenge.id))
    with_open = sa.select(Grant.application_id).where(Grant.challenge_id == challenge.id,
                                                      Grant.application_id.is_not(None),
                                                      Grant.kind == GrantKind.planning,
                                                      Grant.status.in_(offers.OPEN))
    waiting = list(db.session.scalars(
        sa.select(Application).where(Application.challenge_id == challenge.id,
                                     Application.status == ApplicationStatus.selected,
                                     Application.id.not_in(with_open))
        .options(joinedload(Application.team)).order_by(Application.school_name, Application.id)))
    schools = list(db.session.scalars(sa.select(School).where(School.organisation_id == challenge.organisation_id)
                                      .order_by(School.name, School.id)))
    return render_template("grants/offers_pool.html", challenge=challenge, figures=figures, grants=grants,
                           waiting=waiting, schools=schools, can_offer=staff_of(current_user, challenge.organisation_id),
                           now=utcnow())


# ---- making an offer -------------------------------------------------------------------------

def _grantee_from_args(challenge: Challenge):
    """The application (planning) or school (launch, transition) named in the query string; 404
    for anything that is not one of this challenge's selected applications or this organisation's
    schools."""
    application_id, school_id = request.args.get("application_id", ""), request.args.get("school_id", "")
    if is_plain_id(application_id) and not school_id:
        application = db.session.get(Application, int(application_id))
        if application is None or application.challenge_id != challenge.id:
            abort(404)
        return application, None
    if is_plain_id(school_id) and not application_id:
        school = db.session.get(School, int(school_id))
        if school is None or school.organisation_id != challenge.organisation_id:
            abort(404)
        return None, school
    abort(404)


def _prefill(form: OfferForm, challenge: Challenge, milestones: list[TemplateMilestone], today):
    amount = challenge.planning_grant_cents or 100_000_00
    form.amount.data = f"{amount / 100:.2f}"
    form.terms.data = DEFAULT_TERMS
    form.expires_on.data = today + timedelta(days=30)
    first, second = amount * 4 // 10, amount * 3 // 10
    prototype = next((m for m in milestones if "rototype" in m.title), milestones[-1] if milestones else None)
    rows = [(first, DueCondition.on_acceptance, None, None),
            (second, DueCondition.on_date, today + timedelta(days=91), None),
            (amount - first - second, DueCondition.on_milestone, None, prototype)]
    while len(form.tranches):
        form.tranches.pop_entry()
    for cents, condition, due_on, milestone in rows:
        row = form.append_row()
        row.form.amount.data = f"{cents / 100:.2f}"
        row.form.condition.data = condition.value
        row.form.due_on.data = due_on
        row.form.milestone.data = str(milestone.id) if milestone else ""


def _specs(form: OfferForm, milestones: dict[int, TemplateMilestone]) -> list[offers.TrancheSpec]:
    specs = []
    for row in form.filled_rows:
        condition = DueCondition(row.condition.data)
        milestone = None
        if condition is DueCondition.on_milestone:
            # An id of another organisation's template is looked up too, and the service refuses it.
            milestone = milestones.get(int(row.milestone.data)) or db.session.get(TemplateMilestone,
                                                                                   int(row.milestone.data))
        specs.append(offers.TrancheSpec(amount_cents=row.cents, condition=condition,
                                        due_on=row.due_on.data if condition is DueCondition.on_date else None,
                                        template_milestone=milestone))
    return specs


@bp.route("/challenges/<int:challenge_id>/offer", methods=["GET", "POST"])
@login_required
def offer_new(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    application, school = _grantee_from_args(challenge)
    milestones = plans.template_of(challenge.organisation)
    if request.method == "GET":
        db.session.commit()  # a template made on first use is kept, so the milestone ids on the page exist
    kinds = [GrantKind.planning] if application is not None else [GrantKind.launch, GrantKind.transition]
    form = OfferForm(kinds=kinds, milestones=milestones)
    now = utcnow()
    today = offers.today_of(challenge.organisation, now)
    status = 200
    if request.method == "GET":
        _prefill(form, challenge, milestones, today)
        if request.args.get("kind") in [k.value for k in kinds]:
            form.kind.data = request.args["kind"]
    elif form.validate():
        try:
            grant = offers.offer_grant(
                challenge, kind=form.kind.data, application=application, school=school, amount_cents=form.cents,
                terms=form.terms.data, expires_on=form.expires_on.data,
                tranches=_specs(form, {m.id: m for m in milestones}), actor=current_user, now=now)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 422
        else:
            db.session.commit()
            flash(f"{grant.kind.label} of {offers.dollars(grant.amount_cents)} offered to {grant.grantee_name}. "
                  "The team is told by email.", "success")
            return redirect(url_for(".grant", grant_id=grant.id))
    else:
        status = 422
    form.add_blank_rows(len(form.tranches) + BLANK_ROWS if status == 200 and request.method == "GET"
                        else len(form.tranches))
    figures = pools.figures(challenge)
    return render_template("grants/offers_new.html", challenge=challenge, form=form, application=application,
                           school=school, figures=figures, today=today), status


# ---- withdrawing an offer --------------------------------------------------------------------

@bp.post("/<int:grant_id>/withdraw")
@login_required
def withdraw(grant_id: int):
    grant = visible_or_404(Grant, grant_id, "withdraw", options=[selectinload(Grant.tranches)])
    form = WithdrawForm()
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "error")
        return redirect(url_for(".pool", challenge_id=grant.challenge_id))
    try:
        offers.withdraw(grant, actor=current_user, reason=form.reason.data, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"The offer to {grant.grantee_name} is withdrawn; its amount is back in the pool.", "success")
    return redirect(url_for(".pool", challenge_id=grant.challenge_id))
