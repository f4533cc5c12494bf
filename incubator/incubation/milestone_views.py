"""A milestone's page (the team, the cohort's coaches, staff): what it asks for, the evidence
handed in, the team's submission, staff's decision and reopening, the conversation and history.

Who may post what is decided on the loaded milestone: team members hand in (anyone else gets
404), program staff decide and reopen (anyone else gets 404); a move the milestone's state does
not allow is refused with a message (409), a stale page with the ChangedMeanwhile one."""
import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from incubator.accounts.models import User
from incubator.core.audit import AuditEvent
from incubator.core.errors import DomainError
from incubator.core.permissions import can, visible_or_404
from incubator.core.timeutil import utcnow
from incubator.core.uploads import UploadRefused
from incubator.extensions import db
from incubator.incubation import milestone_evidence, milestone_forms as forms, milestones
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.models import Evidence, Milestone, MilestoneComment
from incubator.incubation.permissions import on_team, staff_of
from incubator.incubation.states import MilestoneKind, MilestoneStatus, REQUIRED_GROUPS
from incubator.incubation.views import bp

HISTORY_SHOWN = 30
# How the milestone's own audit events read in its history (the trail's phrases link staff pages).
HISTORY_WORDS = {
    "incubation.milestone.submitted": "submitted the milestone",
    "incubation.milestone.resubmitted": "submitted the milestone again",
    "incubation.milestone.approved": "approved the milestone",
    "incubation.milestone.changes_requested": "asked for changes",
    "incubation.milestone.reopened": "reopened the milestone",
    "incubation.evidence_added": "added {what}",
    "incubation.evidence_removed": "removed {what}",
}


def _load(milestone_id: int, action: str = "view") -> Milestone:
    return visible_or_404(Milestone, milestone_id, action, options=(
        selectinload(Milestone.evidence).joinedload(Evidence.added_by),
        selectinload(Milestone.comments).joinedload(MilestoneComment.author)))


def _team_member_or_404(milestone_id: int) -> Milestone:
    """The milestone, for a member of its team (coaches and staff see the page but hand in nothing)."""
    milestone = _load(milestone_id)
    if not on_team(current_user, milestone.cohort_team):
        abort(404)
    return milestone


def _history(milestone: Milestone) -> list[tuple]:
    events = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.object_type == "Milestone", AuditEvent.object_id == milestone.id,
                                    AuditEvent.action.in_(list(HISTORY_WORDS)))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc()).limit(HISTORY_SHOWN)).all()
    rows = []
    for event in events:
        words = HISTORY_WORDS[event.action]
        what = str((event.details or {}).get("what", "evidence"))
        rows.append((event.occurred_at, event.actor.display_name if event.actor else "The system",
                     words.replace("{what}", what)))
    return rows


def _page(milestone: Milestone, status: int = 200, **forms_given):
    cohort_team = milestone.cohort_team
    cohort = cohort_team.cohort
    now = utcnow()
    version = {"version": milestone.version}
    page_forms = {
        "text_form": forms.TextEvidenceForm(formdata=None), "link_form": forms.LinkEvidenceForm(formdata=None),
        "file_form": forms.FileEvidenceForm(formdata=None), "submit_form": forms.SubmitForm(formdata=None, data=version),
        "decision_form": forms.DecisionForm(formdata=None, data=version),
        "reopen_form": forms.ReopenForm(formdata=None, data=version), "csrf_form": forms.CsrfForm(formdata=None),
    }
    page_forms.update(forms_given)
    for name in ("submit_form", "decision_form", "reopen_form"):  # a re-shown form asks about the version now
        page_forms[name].version.data = str(milestone.version)
    kind = MilestoneKind(milestone.kind)
    latest_request = next((c for c in reversed(milestone.comments)
                           if c.to_status == MilestoneStatus.changes_requested), None)
    may_hand_in = can(current_user, "hand_in", milestone)
    return render_template(
        "incubation/milestone.html", milestone=milestone, cohort_team=cohort_team, cohort=cohort,
        tz=cohort.organisation.timezone, status=MilestoneStatus(milestone.status), kind=kind,
        is_overdue=milestone.is_overdue(now), is_staff=staff_of(current_user, cohort.organisation_id),
        is_member=on_team(current_user, cohort_team), may_hand_in=may_hand_in,
        may_decide=can(current_user, "decide", milestone), may_see_cohort=can(current_user, "view", cohort),
        blockers=milestones.blockers(milestone) if may_hand_in else [],
        coverage=milestones.stakeholder_coverage(milestone) if kind == MilestoneKind.community_input else None,
        missing=milestones.missing_groups(milestone) if kind == MilestoneKind.community_input else [],
        required_groups=REQUIRED_GROUPS,
        sessions=milestones.sessions_logged(milestone) if kind == MilestoneKind.coaching else None,
        history=_history(milestone), latest_request=latest_request, evidence_bytes=sum(e.size_bytes or 0 for e in milestone.evidence),
        max_total=milestone_evidence.MAX_TOTAL_BYTES, **page_forms), status


def _back(milestone: Milestone, anchor: str = ""):
    return redirect(url_for(".milestone", milestone_id=milestone.id) + anchor)


def _meanwhile(milestone: Milestone) -> str:
    """Why a stale page was refused, with where the milestone stands now (after the rollback)."""
    db.session.expire_all()
    status = MilestoneStatus(milestone.status)
    decided_by = db.session.get(User, milestone.decided_by_id) if milestone.decided_by_id else None
    by = (f" ({decided_by.display_name} decided it)" if decided_by and status in
          (MilestoneStatus.approved, MilestoneStatus.changes_requested) else "")
    return (f"Someone else changed this milestone a moment ago: it is now {status.label.lower()}{by}. "
            "Nothing was saved from your form; look at it again below.")


def _refused(milestone: Milestone, error: DomainError, status: int = 409, **forms_given):
    db.session.rollback()
    flash(_meanwhile(milestone) if isinstance(error, ChangedMeanwhile) else str(error), "error")
    return _page(milestone, status, **forms_given)


@bp.get("/milestones/<int:milestone_id>")
@login_required
def milestone(milestone_id: int):
    return _page(_load(milestone_id))


# ---- evidence ------------------------------------------------------------------------------------


@bp.post("/milestones/<int:milestone_id>/evidence/text")
@login_required
def milestone_add_text(milestone_id: int):
    milestone = _team_member_or_404(milestone_id)
    form = forms.TextEvidenceForm()
    if not form.validate_on_submit():
        return _page(milestone, 422, text_form=form)
    try:
        milestone_evidence.add_text(milestone, form.body.data, label=form.text_label.data, actor=current_user,
                                    now=utcnow())
    except DomainError as error:
        return _refused(milestone, error, 422 if isinstance(error, milestone_evidence.EvidenceRefused) else 409,
                        text_form=form)
    db.session.commit()
    flash("Text added to the evidence.", "success")
    return _back(milestone, "#evidence")


@bp.post("/milestones/<int:milestone_id>/evidence/link")
@login_required
def milestone_add_link(milestone_id: int):
    milestone = _team_member_or_404(milestone_id)
    form = forms.LinkEvidenceForm()
    if not form.validate_on_submit():
        return _page(milestone, 422, link_form=form)
    try:
        milestone_evidence.add_link(milestone, form.url.data, form.link_label.data, actor=current_user, now=utcnow())
    except DomainError as error:
        return _refused(milestone, error, 422 if isinstance(error, milestone_evidence.EvidenceRefused) else 409,
                        link_form=form)
    db.session.commit()
    flash("Link added to the evidence.", "success")
    return _back(milestone, "#evidence")


@bp.post("/milestones/<int:milestone_id>/evidence/file")
@login_required
def milestone_add_file(milestone_id: int):
    milestone = _team_member_or_404(milestone_id)
    form = forms.FileEvidenceForm()
    if not form.validate_on_submit():
        return _page(milestone, 422, file_form=form)
    upload = form.file.data
    if not upload or not getattr(upload, "filename", None):
        form.file.errors = ["Choose a file to upload."]
        return _page(milestone, 422, file_form=form)
    try:
        evidence = milestone_evidence.add_file(milestone, upload.stream, upload.filename, label=form.file_label.data,
                                               actor=current_user, now=utcnow())
    except UploadRefused as error:
        too_big = "20 MB" in str(error) or "100 MB" in str(error)
        return _refused(milestone, error, 413 if too_big else 422, file_form=form)
    except DomainError as error:
        return _refused(milestone, error, 422 if isinstance(error, milestone_evidence.EvidenceRefused) else 409,
                        file_form=form)
    db.session.commit()
    flash(f"{evidence.original_filename} added to the evidence.", "success")
    return _back(milestone, "#evidence")


def _evidence_or_404(milestone_id: int, evidence_id: int) -> Evidence:
    evidence = visible_or_404(Evidence, evidence_id)
    if evidence.milestone_id != milestone_id:
        abort(404)
    return evidence


@bp.get("/milestones/<int:milestone_id>/evidence/<int:evidence_id>")
@login_required
def evidence_file(milestone_id: int, evidence_id: int):
    return milestone_evidence.download(_evidence_or_404(milestone_id, evidence_id))


@bp.post("/milestones/<int:milestone_id>/evidence/<int:evidence_id>/delete")
@login_required
def milestone_remove_evidence(milestone_id: int, evidence_id: int):
    evidence = _evidence_or_404(milestone_id, evidence_id)
    milestone = _team_member_or_404(milestone_id)
    if not forms.CsrfForm().validate_on_submit():
        abort(400)
    what = milestone_evidence.describe(evidence)
    try:
        milestone_evidence.remove(evidence, actor=current_user, now=utcnow())
    except DomainError as error:
        return _refused(milestone, error)
    db.session.commit()
    flash(f"Removed {what} from the evidence.", "success")
    return _back(milestone, "#evidence")


# ---- the moves -------------------------------------------------------------------------------------


@bp.post("/milestones/<int:milestone_id>/submit")
@login_required
def milestone_submit(milestone_id: int):
    milestone = _team_member_or_404(milestone_id)
    form = forms.SubmitForm()
    if not form.validate_on_submit():
        flash(forms.STALE, "error")
        return _page(milestone, 409)
    try:
        milestones.submit(milestone, actor=current_user, now=utcnow(), expected_version=form.expected_version)
    except DomainError as error:
        return _refused(milestone, error)
    db.session.commit()
    flash("Submitted. The program team will review it; you will get an email when they decide.", "success")
    return _back(milestone)


@bp.post("/milestones/<int:milestone_id>/decision")
@login_required
def milestone_decide(milestone_id: int):
    milestone = _load(milestone_id, "decide")
    form = forms.DecisionForm()
    if not form.validate_on_submit():
        if form.version.errors:
            flash(forms.STALE, "error")
        return _page(milestone, 422, decision_form=form)
    try:
        milestones.decide(milestone, form.decision.data, form.comment.data, actor=current_user, now=utcnow(),
                          expected_version=form.expected_version)
    except DomainError as error:
        return _refused(milestone, error, 422 if isinstance(error, milestones.CommentRefused) else 409,
                        decision_form=form)
    db.session.commit()
    flash("Approved. The team is told by email." if milestone.status == MilestoneStatus.approved
          else "Changes requested. The team is told by email, with your comment.", "success")
    return _back(milestone)


@bp.post("/milestones/<int:milestone_id>/reopen")
@login_required
def milestone_reopen(milestone_id: int):
    milestone = _load(milestone_id, "reopen")
    form = forms.ReopenForm()
    if not form.validate_on_submit():
        if form.version.errors:
            flash(forms.STALE, "error")
        return _page(milestone, 422, reopen_form=form)
    try:
        milestones.reopen(milestone, form.reason.data, actor=current_user, now=utcnow(),
                          expected_version=form.expected_version)
    except DomainError as error:
        return _refused(milestone, error, 422 if isinstance(error, milestones.CommentRefused) else 409,
                        reopen_form=form)
    db.session.commit()
    flash("Reopened: the milestone awaits review again, and the team is told why.", "success")
    return _back(milestone)
