"""The stakeholder input log and the coaching log of a team.

Every page loads the team's place in the cohort through `visible_or_404` (the team, the cohort's
coaches, staff); an entry or a session is also checked to belong to the team in the URL.
"""
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from incubator.core.errors import DomainError, NotAllowed
from incubator.core.forms import query_arg
from incubator.core.pagination import paginate
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import coaching as coaching_log
from incubator.incubation import stakeholders as stakeholder_log
from incubator.incubation.log_forms import CoachingSessionForm, CsrfForm, ReplyForm, StakeholderEntryForm, duration_text
from incubator.incubation.models import CoachingSession, CohortTeam, StakeholderEntry
from incubator.incubation.states import REQUIRED_GROUPS, MilestoneKind, StakeholderGroup
from incubator.incubation.views import bp

PER_PAGE = 50


def _team(cohort_team_id: int) -> CohortTeam:
    return visible_or_404(CohortTeam, cohort_team_id, "view")


def _entry(cohort_team: CohortTeam, entry_id: int) -> StakeholderEntry:
    entry = visible_or_404(StakeholderEntry, entry_id, "view")
    if entry.cohort_team_id != cohort_team.id:
        abort(404)
    return entry


def _session(cohort_team: CohortTeam, coaching_id: int) -> CoachingSession:
    coaching = visible_or_404(CoachingSession, coaching_id, "view")
    if coaching.cohort_team_id != cohort_team.id:
        abort(404)
    return coaching


def _dated(form_class, cohort_team: CohortTeam, **kwargs):
    earliest, latest = stakeholder_log.date_range(cohort_team, utcnow())
    return form_class(earliest=earliest, latest=latest, **kwargs)


def _refused(error: DomainError):
    """A service refused: nothing is kept. NotAllowed on an object the person can see is still 404."""
    db.session.rollback()
    if isinstance(error, NotAllowed):
        abort(404)
    flash(str(error), "error")


def _read_only(endpoint: str, cohort_team: CohortTeam):
    flash(stakeholder_log.TeamNotActive().args[0], "error")
    return redirect(url_for(endpoint, cohort_team_id=cohort_team.id))


# ---- the stakeholder input log ---------------------------------------------------------------------


def _group_filter() -> StakeholderGroup | None:
    value = query_arg("group", 40)
    return StakeholderGroup(value) if value in StakeholderGroup.__members__ else None


def _stakeholders_page(cohort_team: CohortTeam, form=None, status: int = 200):
    group = _group_filter()
    coverage = stakeholder_log.coverage_of(cohort_team)
    can_add = cohort_team.is_active and can(current_user, "hand_in", cohort_team)
    if can_add and form is None:
        form = _dated(StakeholderEntryForm, cohort_team, formdata=None)
    milestones = [m for m in cohort_team.milestones if m.kind == MilestoneKind.community_input]
    return render_template(
        "incubation/logs_stakeholders.html", cohort_team=cohort_team, coverage=coverage,
        missing=stakeholder_log.missing_of(coverage), milestones=milestones,
        groups_in_words=stakeholder_log.groups_in_words,
        page=paginate(stakeholder_log.entries(cohort_team, group), per_page=PER_PAGE), group=group,
        form=form if can_add else None, can_edit=can_add, required=REQUIRED_GROUPS), status


@bp.get("/teams/<int:cohort_team_id>/stakeholders")
@login_required
def stakeholders(cohort_team_id: int):
    return _stakeholders_page(_team(cohort_team_id))


@bp.post("/teams/<int:cohort_team_id>/stakeholders")
@login_required
def stakeholder_add(cohort_team_id: int):
    cohort_team = _team(cohort_team_id)
    if not cohort_team.is_active:
        return _read_only(".stakeholders", cohort_team)
    if not can(current_user, "hand_in", cohort_team):
        abort(404)
    form = _dated(StakeholderEntryForm, cohort_team)
    if not form.validate_on_submit():
        return _stakeholders_page(cohort_team, form, 422)
    try:
        entry = stakeholder_log.add_entry(cohort_team, actor=current_user, now=utcnow(), **form.values())
    except DomainError as error:
        _refused(error)
        return _stakeholders_page(cohort_team, form, 422)
    db.session.commit()
    flash(f"Logged the session with {entry.group.label.lower()}.", "success")
    return redirect(url_for(".stakeholders", cohort_team_id=cohort_team.id) + f"#entry-{entry.id}")


def _entry_page(cohort_team: CohortTeam, entry: StakeholderEntry, form=None, status: int = 200):
    if form is None:
        form = _dated(StakeholderEntryForm, cohort_team, formdata=None, obj=entry,
                      data={"fingerprint": stakeholder_log.fingerprint_of(entry)})
    return render_template("incubation/logs_stakeholder_edit.html", cohort_team=cohort_team, entry=entry,
                           form=form), status


def _editable_entry(cohort_team_id: int, entry_id: int) -> tuple[CohortTeam, StakeholderEntry]:
    cohort_team = _team(cohort_team_id)
    entry = _entry(cohort_team, entry_id)
    if not cohort_team.is_active:
        return cohort_team, None
    if not can(current_user, "edit", entry):
        abort(404)
    return cohort_team, entry


@bp.route("/teams/<int:cohort_team_id>/stakeholders/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def stakeholder_edit(cohort_team_id: int, entry_id: int):
    cohort_team, entry = _editable_entry(cohort_team_id, entry_id)
    if entry is None:
        return _read_only(".stakeholders", cohort_team)
    form = _dated(StakeholderEntryForm, cohort_team)
    if not form.is_submitted():
        return _entry_page(cohort_team, entry)
    if not form.validate():
        return _entry_page(cohort_team, entry, form, 422)
    try:
        stakeholder_log.edit_entry(entry, actor=current_user, now=utcnow(), seen=form.fingerprint.data,
                                   **form.values())
    except stakeholder_log.ChangedMeanwhile as error:
        _refused(error)
        current = db.session.get(StakeholderEntry, entry.id)
        if current is None:  # deleted meanwhile
            return redirect(url_for(".stakeholders", cohort_team_id=cohort_team.id))
        return _entry_page(cohort_team, current, status=409)
    except DomainError as error:
        _refused(error)
        return _entry_page(cohort_team, entry, form, 422)
    db.session.commit()
    flash("Saved the entry.", "success")
    return redirect(url_for(".stakeholders", cohort_team_id=cohort_team.id) + f"#entry-{entry.id}")


@bp.post("/teams/<int:cohort_team_id>/stakeholders/<int:entry_id>/delete")
@login_required
def stakeholder_delete(cohort_team_id: int, entry_id: int):
    cohort_team, entry = _editable_entry(cohort_team_id, entry_id)
    if entry is None:
        return _read_only(".stakeholders", cohort_team)
    if CsrfForm().validate_on_submit():
        group = entry.group.label.lower()
        try:
            stakeholder_log.delete_entry(entry, actor=current_user, now=utcnow())
        except DomainError as error:
            _refused(error)
        else:
            db.session.commit()
            flash(f"Deleted the entry on {group}.", "success")
    return redirect(url_for(".stakeholders", cohort_team_id=cohort_team.id))


# ---- the coaching log ------------------------------------------------------------------------------


def _coaching_page(cohort_team: CohortTeam, form=None, reply_form=None, reply_to: int | None = None,
                   status: int = 200):
    can_log = cohort_team.is_active and can(current_user, "coach", cohort_team)
    if can_log and form is None:
        form = _dated(CoachingSessionForm, cohort_team, formdata=None)
    page = paginate(coaching_log.sessions(cohort_team), per_page=PER_PAGE)
    reply_forms = {s.id: ReplyForm(prefix=f"reply-{s.id}", formdata=None) for s in page.items}
    if reply_form is not None and reply_to in reply_forms:
        reply_forms[reply_to] = reply_form
    return render_template(
        "incubation/logs_coaching.html", cohort_team=cohort_team, summary=coaching_log.summary_of(cohort_team),
        page=page, form=form if can_log else None, reply_forms=reply_forms, can_reply=cohort_team.is_active,
        can=can, duration_text=duration_text, timezone=cohort_team.cohort.timezone), status


@bp.get("/teams/<int:cohort_team_id>/coaching")
@login_required
def coaching(cohort_team_id: int):
    return _coaching_page(_team(cohort_team_id))


@bp.post("/teams/<int:cohort_team_id>/coaching")
@login_required
def coaching_log_session(cohort_team_id: int):
    cohort_team = _team(cohort_team_id)
    if not cohort_team.is_active:
        return _read_only(".coaching", cohort_team)
    if not can(current_user, "coach", cohort_team):
        abort(404)
    form = _dated(CoachingSessionForm, cohort_team)
    if not form.validate_on_submit():
        return _coaching_page(cohort_team, form, status=422)
    try:
        coaching = coaching_log.log_session(cohort_team, coach=current_user, now=utcnow(), **form.values())
    except DomainError as error:
        _refused(error)
        return _coaching_page(cohort_team, form, status=422)
    db.session.commit()
    flash("Logged the session. The team has been told.", "success")
    return redirect(url_for(".coaching", cohort_team_id=cohort_team.id) + f"#session-{coaching.id}")


def _editable_session(cohort_team_id: int, coaching_id: int):
    cohort_team = _team(cohort_team_id)
    coaching = _session(cohort_team, coaching_id)
    if not cohort_team.is_active:
        return cohort_team, None
    if not can(current_user, "edit", coaching):
        abort(404)
    return cohort_team, coaching


def _session_page(cohort_team, coaching, form=None, status: int = 200):
    if form is None:
        form = _dated(CoachingSessionForm, cohort_team, formdata=None, obj=coaching,
                      data={"fingerprint": coaching_log.fingerprint_of(coaching),
                            "duration": duration_text(coaching.duration_minutes)})
    return render_template("incubation/logs_coaching_edit.html", cohort_team=cohort_team, coaching=coaching,
                           form=form), status


@bp.route("/teams/<int:cohort_team_id>/coaching/<int:coaching_id>/edit", methods=["GET", "POST"])
@login_required
def coaching_edit(cohort_team_id: int, coaching_id: int):
    cohort_team, coaching = _editable_session(cohort_team_id, coaching_id)
    if coaching is None:
        return _read_only(".coaching", cohort_team)
    form = _dated(CoachingSessionForm, cohort_team)
    if not form.is_submitted():
        return _session_page(cohort_team, coaching)
    if not form.validate():
        return _session_page(cohort_team, coaching, form, 422)
    try:
        coaching_log.edit_session(coaching, actor=current_user, now=utcnow(), seen=form.fingerprint.data,
                                  **form.values())
    except stakeholder_log.ChangedMeanwhile as error:
        _refused(error)
        current = db.session.get(CoachingSession, coaching.id)
        if current is None:  # deleted meanwhile
            return redirect(url_for(".coaching", cohort_team_id=cohort_team.id))
        return _session_page(cohort_team, current, status=409)
    except DomainError as error:
        _refused(error)
        return _session_page(cohort_team, coaching, form, 422)
    db.session.commit()
    flash("Saved the session.", "success")
    return redirect(url_for(".coaching", cohort_team_id=cohort_team.id) + f"#session-{coaching.id}")


@bp.post("/teams/<int:cohort_team_id>/coaching/<int:coaching_id>/delete")
@login_required
def coaching_delete(cohort_team_id: int, coaching_id: int):
    cohort_team, coaching = _editable_session(cohort_team_id, coaching_id)
    if coaching is None:
        return _read_only(".coaching", cohort_team)
    if CsrfForm().validate_on_submit():
        try:
            coaching_log.delete_session(coaching, actor=current_user, now=utcnow())
        except DomainError as error:
            _refused(error)
        else:
            db.session.commit()
            flash("Deleted the session and its replies.", "success")
    return redirect(url_for(".coaching", cohort_team_id=cohort_team.id))


@bp.post("/teams/<int:cohort_team_id>/coaching/<int:coaching_id>/replies")
@login_required
def coaching_reply(cohort_team_id: int, coaching_id: int):
    cohort_team = _team(cohort_team_id)
    coaching = _session(cohort_team, coaching_id)
    if not cohort_team.is_active:
        return _read_only(".coaching", cohort_team)
    if not can(current_user, "reply", coaching):
        abort(404)
    form = ReplyForm(prefix=f"reply-{coaching.id}")
    if not form.validate_on_submit():
        return _coaching_page(cohort_team, reply_form=form, reply_to=coaching.id, status=422)
    try:
        coaching_log.reply(coaching, actor=current_user, now=utcnow(), body=form.body.data)
    except DomainError as error:
        _refused(error)
        return _coaching_page(cohort_team, reply_form=form, reply_to=coaching.id, status=422)
    db.session.commit()
    flash("Sent your reply.", "success")
    return redirect(url_for(".coaching", cohort_team_id=cohort_team.id) + f"#session-{coaching.id}")
