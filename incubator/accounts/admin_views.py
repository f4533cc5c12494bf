"""The admin pages: organisations, invitations, roles and people.

Every page answers 404 to anyone who is not a signed-in admin (`admin_required`),
so their existence does not leak.
"""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from incubator.accounts import forms, organisations
from incubator.accounts.models import Invitation, Membership, Organisation, Role, User
from incubator.core.errors import DomainError
from incubator.core.forms import query_arg
from incubator.core.pagination import paginate
from incubator.core.permissions import admin_required
from incubator.extensions import db

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")


# ---- organisations ------------------------------------------------------------------------


@admin_bp.get("/organisations")
@admin_required
def organisations_list():
    page = paginate(sa.select(Organisation).order_by(Organisation.name))
    return render_template("admin/organisations.html", page=page)


@admin_bp.route("/organisations/new", methods=["GET", "POST"])
@admin_required
def organisation_new():
    return _organisation_form(None)


@admin_bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@admin_required
def organisation_edit(org_id: int):
    return _organisation_form(db.get_or_404(Organisation, org_id))


def _organisation_form(org: Organisation | None):
    form = forms.OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            saved = organisations.save_organisation(org, name=form.name.data, slug=form.slug.data,
                                                    timezone=form.timezone.data, actor=current_user,
                                                    contact_name=form.contact_name.data or "",
                                                    contact_email=form.contact_email.data or "")
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        except IntegrityError:  # another admin took the slug a moment ago
            db.session.rollback()
            form.slug.errors.append("That slug was just taken by another organization. Choose another.")
        else:
            flash(f"Saved {saved.name}.", "success")
            return redirect(url_for("admin.organisation_detail", org_id=saved.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("admin/organisation_form.html", form=form, org=org), status


def _organisation_page(org: Organisation, invite_form=None, status: int = 200):
    members = db.session.execute(
        sa.select(User, Membership.role).join(Membership).where(Membership.organisation_id == org.id)
        .order_by(User.email, Membership.role)).all()
    people: dict[int, tuple[User, list[Role]]] = {}
    for user, role in members:
        people.setdefault(user.id, (user, []))[1].append(role)
    invitations = paginate(sa.select(Invitation).where(Invitation.organisation_id == org.id)
                           .order_by(Invitation.created_at.desc(), Invitation.id.desc()), per_page=25)
    return render_template("admin/organisation_detail.html", org=org, people=list(people.values()),
                           invitations=invitations, invite_form=invite_form or forms.InvitationForm(formdata=None),
                           roles=list(Role)), status


@admin_bp.get("/organisations/<int:org_id>")
@admin_required
def organisation_detail(org_id: int):
    return _organisation_page(db.get_or_404(Organisation, org_id))


@admin_bp.post("/organisations/<int:org_id>/invitations")
@admin_required
def invite(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = forms.InvitationForm()
    if not form.validate_on_submit():
        return _organisation_page(org, form, 422)
    try:
        organisations.invite(org, email=form.email.data, role=Role(form.role.data), actor=current_user)
    except DomainError as error:
        db.session.rollback()
        form.email.errors.append(str(error))
        return _organisation_page(org, form, 409)
    db.session.commit()
    flash(f"Invitation sent to {form.email.data}.", "success")
    return redirect(url_for("admin.organisation_detail", org_id=org.id))


@admin_bp.post("/invitations/<int:invitation_id>/revoke")
@admin_required
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    try:
        organisations.revoke_invitation(invitation, actor=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Invitation to {invitation.email} revoked.", "success")
    return redirect(url_for("admin.organisation_detail", org_id=invitation.organisation_id))


@admin_bp.post("/organisations/<int:org_id>/members/<int:user_id>/roles")
@admin_required
def set_roles(org_id: int, user_id: int):
    org = db.get_or_404(Organisation, org_id)
    user = db.get_or_404(User, user_id)
    form = forms.RolesForm()
    if not form.validate_on_submit():
        flash("Choose roles from the list.", "error")
        return _organisation_page(org, status=422)
    roles = {Role(r) for r in form.roles.data}
    organisations.set_roles(org, user, roles, actor=current_user)
    db.session.commit()
    if roles:
        flash(f"Roles of {user.email} in {org.name} saved.", "success")
    else:
        flash(f"{user.email} no longer holds a role in {org.name}.", "success")
    return redirect(url_for("admin.organisation_detail", org_id=org.id))


# ---- people -------------------------------------------------------------------------------------


@admin_bp.get("/users")
@admin_required
def users_list():
    q = query_arg("q")
    query = sa.select(User).order_by(User.email)
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(User.email.like(like, escape="\\"), sa.func.lower(User.name).like(like, escape="\\")))
    return render_template("admin/users.html", page=paginate(query), q=q)


@admin_bp.get("/users/<int:user_id>")
@admin_required
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template("admin/user_detail.html", user=user, form=forms.ConfirmForm(formdata=None))


@admin_bp.post("/users/<int:user_id>/active")
@admin_required
def user_set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = forms.ActivationForm()
    if not form.validate_on_submit():
        abort(400)
    active = form.active.data == "1"
    if not active and not form.confirm.data:
        flash("Check the box to confirm the deactivation.", "error")
        return render_template("admin/user_detail.html", user=user, form=form), 422
    try:
        organisations.set_active(user, active=active, actor=current_user)
    except DomainError as error:
        flash(str(error), "error")
        return render_template("admin/user_detail.html", user=user, form=form), 409
    db.session.commit()
    flash(f"{user.email} is {'active again' if active else 'deactivated; their sessions have ended'}.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
