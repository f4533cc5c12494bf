"""The organisation's milestone template, for its program staff: the list in order, and adding,
editing, deleting and moving a milestone. Changes apply to cohorts made after, not to plans
already made. Anyone else gets 404."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.accounts.models import Organisation
from incubator.core.errors import DomainError
from incubator.core.permissions import visible_or_404
from incubator.extensions import db
from incubator.incubation import plans, template_admin
from incubator.incubation.cohort_forms import TemplateItemForm
from incubator.incubation.models import TemplateMilestone
from incubator.incubation.permissions import staff_of
from incubator.incubation.states import MilestoneKind
from incubator.incubation.views import bp


def _organisation_or_404(org_id: int) -> Organisation:
    organisation = db.session.get(Organisation, org_id) if 0 < org_id < 2**31 else None
    if organisation is None or not staff_of(current_user, org_id):
        abort(404)
    return organisation


def _back(organisation_id: int, anchor: str = ""):
    return redirect(url_for("incubation.template", org_id=organisation_id) + anchor)


@bp.get("/organisations/<int:org_id>/template")
@login_required
def template(org_id: int):
    organisation = _organisation_or_404(org_id)
    items = plans.template_of(organisation)
    db.session.commit()  # the default template, made the first time it is looked at
    return render_template("incubation/cohorts_template.html", organisation=organisation, items=items,
                           MilestoneKind=MilestoneKind)


def _data(form: TemplateItemForm) -> template_admin.ItemData:
    return template_admin.ItemData(
        title=form.title.data, guidance=form.guidance.data or "", evidence_needed=form.evidence_needed.data or "",
        due_offset_days=form.due_offset_days.data, required_for_launch=form.required_for_launch.data,
        kind=form.kind.data, required_sessions=form.required_sessions.data)


def _item_form(organisation: Organisation, item: TemplateMilestone | None):
    form = TemplateItemForm(obj=item)
    if form.validate_on_submit():
        try:
            if item is None:
                item = template_admin.add_item(organisation, _data(form), actor=current_user)
            else:
                template_admin.update_item(item, _data(form), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Saved \u201c{item.title}\u201d. Cohorts made from now on get it; plans already made keep theirs.",
                  "success")
            return _back(organisation.id, f"#t{item.id}")
    status = 422 if request.method == "POST" else 200
    return render_template("incubation/cohorts_template_item.html", organisation=organisation, item=item,
                           form=form), status


@bp.route("/organisations/<int:org_id>/template/new", methods=["GET", "POST"])
@login_required
def cohorts_template_new(org_id: int):
    return _item_form(_organisation_or_404(org_id), None)


@bp.route("/template/<int:template_milestone_id>/edit", methods=["GET", "POST"])
@login_required
def cohorts_template_edit(template_milestone_id: int):
    item = visible_or_404(TemplateMilestone, template_milestone_id, "manage")
    return _item_form(item.organisation, item)


@bp.post("/template/<int:template_milestone_id>/delete")
@login_required
def cohorts_template_delete(template_milestone_id: int):
    item = visible_or_404(TemplateMilestone, template_milestone_id, "manage")
    organisation_id, title = item.organisation_id, item.title
    try:
        template_admin.delete_item(item, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Deleted \u201c{title}\u201d from the template. Plans already made keep it.", "success")
    return _back(organisation_id)


@bp.post("/template/<int:template_milestone_id>/move")
@login_required
def cohorts_template_move(template_milestone_id: int):
    item = visible_or_404(TemplateMilestone, template_milestone_id, "manage")
    try:
        template_admin.move_item(item, request.form.get("direction", ""), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    return _back(item.organisation_id, f"#t{item.id}")
