"""Challenge pages: the public list and detail, and the program staff's pages.

Staff pages load the challenge with `visible_or_404(..., "manage")`, so anyone who is
not program staff of its organisation (or an admin), signed in or not, gets a 404.
"""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm import contains_eager

from incubator.accounts.models import Organisation
from incubator.accounts.organisations import staff_organisations
from incubator.applications.models import Application, Team, TeamMember
from incubator.applications.states import Status
from incubator.challenges import forms, listing, services
from incubator.challenges.markdown import render_markdown
from incubator.challenges.models import Challenge, ChallengeSlugRedirect, Question, QuestionKind, Track
from incubator.core.errors import DomainError
from incubator.core.money import format_cents
from incubator.core.pagination import paginate
from incubator.core.permissions import visible_or_404
from incubator.core.timeutil import format_local, from_local, local, utcnow
from incubator.extensions import db

bp = Blueprint("challenges", __name__, url_prefix="/challenges")


@bp.app_template_filter("markdown")
def markdown_filter(text):
    return render_markdown(text)


@bp.app_template_filter("plain_number")
def plain_number(value) -> str:
    """200.0000 -> "200", 12.5000 -> "12.5" (Decimal's normalize() alone gives "2E+2")."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


# ---- public ---------------------------------------------------------------------------------------


@bp.get("/")
def public_list():
    now = utcnow()
    return render_template("challenges/public_list.html", page=paginate(listing.open_challenges_query(now)), now=now)


@bp.get("/<slug>")
def public_detail(slug: str):
    now = utcnow()
    if not services.SLUG.match(slug) or len(slug) > 80:
        abort(404)  # never a slug of ours (and NUL would upset PostgreSQL)
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))
    if challenge is None:
        # An old address of a published challenge whose slug changed since.
        moved = db.session.scalar(sa.select(Challenge).join(ChallengeSlugRedirect)
                                  .where(ChallengeSlugRedirect.slug == slug))
        if moved is not None and moved.is_public(now):
            return redirect(url_for(".public_detail", slug=moved.slug), 301)
    # A draft, or a challenge before it opens, is still being prepared: staff preview it.
    if challenge is None or not challenge.is_public(now):
        abort(404)
    return render_template("challenges/public_detail.html", challenge=challenge, now=now,
                           my_teams=_my_teams_for(challenge))


@bp.get("/<int:challenge_id>/preview")
def preview(challenge_id: int):
    """The public page as a team will see it once the challenge is published and open."""
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    now = utcnow()
    return render_template("challenges/public_detail.html", challenge=challenge, now=now, my_teams=[],
                           preview=True, publish_problems=services.publish_problems(challenge, now))


def _my_teams_for(challenge: Challenge) -> list[tuple]:
    """The signed-in person's teams, each with its application to this challenge (or None)."""
    if not current_user.is_authenticated:
        return []
    rows = db.session.execute(
        sa.select(Team, Application)
        .join(TeamMember, TeamMember.team_id == Team.id)
        .outerjoin(Application, sa.and_(Application.team_id == Team.id, Application.challenge_id == challenge.id))
        .where(TeamMember.user_id == current_user.id)
        .order_by(Team.name, Team.id))
    return [(team, application) for team, application in rows]


# ---- staff: the challenge -------------------------------------------------------------------------


def _staff_organisations() -> list[Organisation]:
    return staff_organisations(current_user)


def _challenge_data(form: forms.ChallengeForm, tz_name: str) -> services.ChallengeData:
    return services.ChallengeData(
        title=form.title.data, slug=form.slug.data, track=Track(form.track.data), summary_md=form.summary_md.data or "",
        opens_at=from_local(form.opens_at.data, tz_name), closes_at=from_local(form.closes_at.data, tz_name),
        slots=form.slots.data, grant_pool_cents=form.grant_pool.cents, planning_grant_cents=form.planning_grant.cents,
        required_elements=list(form.required_elements.data or []),
    )


@bp.get("/manage")
def staff_index():
    """Every challenge of the organisations where the person is program staff (all, for admins)."""
    organisations = _staff_organisations()
    if not organisations:
        abort(404)
    now = utcnow()
    query = (sa.select(Challenge).join(Challenge.organisation).options(contains_eager(Challenge.organisation))
             .where(Challenge.organisation_id.in_([o.id for o in organisations]))
             .order_by(Challenge.closes_at.desc(), Challenge.id.desc()))
    page = paginate(query)
    counts = listing.status_counts([c.id for c in page.items])
    return render_template("challenges/staff_index.html", page=page, counts=counts, now=now)


@bp.route("/new", methods=["GET", "POST"])
def new():
    organisations = _staff_organisations()
    if not organisations:
        abort(404)
    form = forms.ChallengeForm()
    form.organisation_id.choices = [(o.id, o.name) for o in organisations]
    if len(organisations) == 1:
        form.show_zone(organisations[0].timezone)
    if form.validate_on_submit():
        organisation = next(o for o in organisations if o.id == form.organisation_id.data)
        try:
            challenge = services.save_challenge(None, _challenge_data(form, organisation.timezone), actor=current_user,
                                                now=utcnow(), organisation=organisation)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Created {challenge.title} as a draft: only your organization's staff can see it. "
                  "Add its questions, preview it, then publish it.", "success")
            return redirect(url_for(".manage", challenge_id=challenge.id))
    status = 422 if request.method == "POST" else 200
    return render_template("challenges/form.html", form=form, challenge=None, organisations=organisations), status


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
def edit(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    tz = challenge.timezone
    form = forms.ChallengeForm(obj=challenge if request.method == "GET" else None)
    del form.organisation_id
    form.show_zone(tz)
    if request.method == "GET":
        form.opens_at.data = local(challenge.opens_at, tz).replace(tzinfo=None)
        form.closes_at.data = local(challenge.closes_at, tz).replace(tzinfo=None)
        form.grant_pool.data = format_cents(challenge.grant_pool_cents).lstrip("$")
        form.planning_grant.data = format_cents(challenge.planning_grant_cents).lstrip("$")
        form.track.data = challenge.track.value
    if form.validate_on_submit():
        try:
            services.save_challenge(challenge, _challenge_data(form, tz), actor=current_user, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Saved the challenge.", "success")
            return redirect(url_for(".manage", challenge_id=challenge.id))
    status = 422 if request.method == "POST" else 200
    return render_template("challenges/form.html", form=form, challenge=challenge, organisations=[challenge.organisation]), status


@bp.get("/<int:challenge_id>/manage")
def manage(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    now = utcnow()
    counts = listing.status_counts([challenge.id])[challenge.id]
    questions = sorted(challenge.questions, key=lambda q: (q.position, q.id))
    return render_template("challenges/manage.html", challenge=challenge, questions=questions, counts=counts,
                           Status=Status, locked=challenge.questions_locked(now), now=now,
                           publish_problems=[] if challenge.is_published else services.publish_problems(challenge, now))


@bp.post("/<int:challenge_id>/publish")
def publish(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    now = utcnow()
    try:
        services.publish(challenge, actor=current_user, now=now)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        when = "It is open to teams now." if challenge.is_open(now) else \
            f"Teams can see it from {format_local(challenge.opens_at, challenge.timezone)}."
        flash(f"Published {challenge.title}. {when}", "success")
    return redirect(url_for(".manage", challenge_id=challenge.id))


# ---- staff: questions -----------------------------------------------------------------------------


def _question_data(form: forms.QuestionForm) -> services.QuestionData:
    return services.QuestionData(
        kind=QuestionKind(form.kind.data), label=form.label.data, help_text=form.help_text.data or "",
        is_required=form.is_required.data, word_limit=form.word_limit.data, min_value=form.min_value.data,
        max_value=form.max_value.data, choices=(form.choices.data or "").splitlines(),
    )


def _question_form(challenge: Challenge, question: Question | None):
    if challenge.questions_locked(utcnow()):
        flash("The challenge has opened, so its questions are locked: teams may already be answering them.", "error")
        return redirect(url_for(".manage", challenge_id=challenge.id))
    form = forms.QuestionForm(obj=question)
    if request.method == "GET" and question is not None:
        form.choices.data = "\n".join(question.choices or [])
    if form.validate_on_submit():
        try:
            if question is None:
                services.add_question(challenge, _question_data(form), actor=current_user, now=utcnow())
            else:
                services.update_question(question, _question_data(form), actor=current_user, now=utcnow())
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash("Question saved.", "success")
            return redirect(url_for(".manage", challenge_id=challenge.id) + "#questions")
    status = 422 if request.method == "POST" else 200
    return render_template("challenges/question_form.html", form=form, challenge=challenge, question=question), status


def _question_or_404(challenge: Challenge, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.challenge_id != challenge.id:
        abort(404)
    return question


@bp.route("/<int:challenge_id>/questions/new", methods=["GET", "POST"])
def question_new(challenge_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    return _question_form(challenge, None)


@bp.route("/<int:challenge_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
def question_edit(challenge_id: int, question_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    return _question_form(challenge, _question_or_404(challenge, question_id))


@bp.post("/<int:challenge_id>/questions/<int:question_id>/delete")
def question_delete(challenge_id: int, question_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    question = _question_or_404(challenge, question_id)
    try:
        services.delete_question(question, actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash("Question deleted.", "success")
    return redirect(url_for(".manage", challenge_id=challenge.id) + "#questions")


@bp.post("/<int:challenge_id>/questions/<int:question_id>/move")
def question_move(challenge_id: int, question_id: int):
    challenge = visible_or_404(Challenge, challenge_id, "manage")
    question = _question_or_404(challenge, question_id)
    try:
        services.move_question(question, request.form.get("direction", ""), actor=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return redirect(url_for(".manage", challenge_id=challenge.id) + "#questions")


# The staff pages of a challenge's applications register on the same blueprint.
from incubator.challenges import application_views  # noqa: E402,F401
