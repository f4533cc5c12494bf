"""Sign-in, registration, passwords, invitations and the admin pages for people."""
import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from incubator.accounts import forms, organisations, services
from incubator.accounts.models import Invitation, Membership, Organisation, Role, User
from incubator.core.errors import DomainError
from incubator.core.pagination import paginate
from incubator.core.permissions import admin_required
from incubator.core.timeutil import utcnow
from incubator.extensions import db, limiter, login_manager

auth_bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
invitations_bp = Blueprint("invitations", __name__, url_prefix="/invitations")

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side session row is the protection


@login_manager.user_loader
def load_user(key: str):
    return services.load_session(key)


def safe_next(default: str = "core.dashboard") -> str:
    target = request.args.get("next") or request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500:
        return target
    return url_for(default)


def _sign_in(user: User) -> None:
    row = services.start_session(user)
    db.session.commit()
    session.clear()  # a fresh session at sign-in: nothing carries over
    login_user(user)
    session["sid"] = row.key


# ---- registration and email confirmation -------------------------------------------------


@auth_bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = forms.RegisterForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:320]
    if form.validate_on_submit():
        services.register(form.email.data, form.password.data, form.name.data or "")
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalise_email(form.email.data),
                               next=safe_next())
    return render_template("accounts/register.html", form=form, next=request.args.get("next", "")), (422 if form.errors else 200)


@auth_bp.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        user = services.confirm_email(token)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("auth.login"))
    db.session.commit()
    flash("Thank you, your email is confirmed.", "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("core.dashboard"))
    return redirect(url_for("auth.login", email=user.email))


@auth_bp.post("/confirm/resend")
@login_required
def resend_confirmation():
    form = forms.ResendConfirmationForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        services.send_confirmation(current_user)
        db.session.commit()
        flash(f"We sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("core.dashboard"))


# ---- sign-in and sign-out -----------------------------------------------------------------


def _account_key() -> str:
    return "account:" + services.normalise_email(request.form.get("email", ""))[:320]


@auth_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], methods=["POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"], key_func=_account_key, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next())
    form = forms.SignInForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:320]
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.SignInFailed as error:
            db.session.commit()  # keep the audit record of the failure
            flash(str(error), "error")
            status = 401
        else:
            _sign_in(user)
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(safe_next())
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form, next=request.args.get("next", "")), status


@auth_bp.post("/logout")
def logout():
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        services.end_session(current_user.get_id())
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


# ---- passwords ------------------------------------------------------------------------------


@auth_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], methods=["POST"])
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalise_email(form.email.data), reset=True)
    return render_template("accounts/forgot_password.html", form=form), (422 if form.errors else 200)


@auth_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.user_for_reset_token(token) is None:
        flash("That reset link has expired or was already used. Ask for a new one.", "error")
        return redirect(url_for("auth.forgot_password"))
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(token, form.password.data)
        except DomainError as error:
            flash(str(error), "error")
            return redirect(url_for("auth.forgot_password"))
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password is changed. Sign in with the new one.", "success")
        return redirect(url_for("auth.login", email=user.email))
    return render_template("accounts/reset_password.html", form=form), (422 if form.errors else 200)


@auth_bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    status = 422 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except DomainError as error:
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password is changed. Your other sessions were signed out.", "success")
            return redirect(url_for("core.dashboard"))
    return render_template("accounts/change_password.html", form=form), status


# ---- invitations (the person invited) ---------------------------------------------------------


@invitations_bp.route("/<token>", methods=["GET", "POST"])
def show(token: str):
    invitation = organisations.find_invitation(token)
    if invitation is None:
        abort(404)
    status = invitation.status(utcnow())
    form = forms.ConfirmForm()
    if request.method == "POST":
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        if form.validate_on_submit():
            try:
                organisations.accept_invitation(invitation, user=current_user)
            except DomainError as error:
                flash(str(error), "error")
            else:
                db.session.commit()
                flash(f"You are now {invitation.role.label.lower()} in {invitation.organisation.name}.", "success")
                return redirect(url_for("core.dashboard"))
    has_account = services.find_user(invitation.email) is not None
    return render_template("accounts/invitation.html", invitation=invitation, status=status, form=form,
                           has_account=has_account)


# ---- admin: organisations ------------------------------------------------------------------


@admin_bp.get("/organisations")
@login_required
@admin_required
def organisations_list():
    page = paginate(sa.select(Organisation).order_by(Organisation.name))
    return render_template("admin/organisations.html", page=page)


@admin_bp.route("/organisations/new", methods=["GET", "POST"])
@login_required
@admin_required
def organisation_new():
    return _organisation_form(None)


@admin_bp.route("/organisations/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
@admin_required
def organisation_edit(org_id: int):
    return _organisation_form(db.get_or_404(Organisation, org_id))


def _organisation_form(org: Organisation | None):
    form = forms.OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            org = organisations.save_organisation(org, name=form.name.data, slug=form.slug.data,
                                                  timezone=form.timezone.data, actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Saved {org.name}.", "success")
            return redirect(url_for("admin.organisation_detail", org_id=org.id))
    status = 422 if request.method == "POST" else 200
    return render_template("admin/organisation_form.html", form=form, org=org), status


@admin_bp.get("/organisations/<int:org_id>")
@login_required
@admin_required
def organisation_detail(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    members = db.session.execute(
        sa.select(User, Membership.role).join(Membership).where(Membership.organisation_id == org.id)
        .order_by(User.email, Membership.role)).all()
    people: dict[int, tuple[User, list[Role]]] = {}
    for user, role in members:
        people.setdefault(user.id, (user, []))[1].append(role)
    invitations = db.session.scalars(sa.select(Invitation).where(Invitation.organisation_id == org.id)
                                     .order_by(Invitation.created_at.desc()).limit(100)).all()
    return render_template("admin/organisation_detail.html", org=org, people=list(people.values()),
                           invitations=invitations, invite_form=forms.InvitationForm(),
                           action_form=forms.ConfirmForm(), roles=list(Role))


@admin_bp.post("/organisations/<int:org_id>/invitations")
@login_required
@admin_required
def invite(org_id: int):
    org = db.get_or_404(Organisation, org_id)
    form = forms.InvitationForm()
    if form.validate_on_submit():
        try:
            organisations.invite(org, email=form.email.data, role=Role(form.role.data), actor=current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Invitation sent to {form.email.data}.", "success")
            return redirect(url_for("admin.organisation_detail", org_id=org.id))
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "error")
    return redirect(url_for("admin.organisation_detail", org_id=org.id)), 303


@admin_bp.post("/invitations/<int:invitation_id>/revoke")
@login_required
@admin_required
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            organisations.revoke_invitation(invitation, actor=current_user)
        except DomainError as error:
            flash(str(error), "error")
        else:
            db.session.commit()
            flash(f"Invitation to {invitation.email} revoked.", "success")
    return redirect(url_for("admin.organisation_detail", org_id=invitation.organisation_id))


@admin_bp.post("/organisations/<int:org_id>/members/<int:user_id>/roles")
@login_required
@admin_required
def set_roles(org_id: int, user_id: int):
    org = db.get_or_404(Organisation, org_id)
    user = db.get_or_404(User, user_id)
    form = forms.RolesForm()
    if not form.validate_on_submit():
        flash("Choose roles from the list.", "error")
    else:
        organisations.set_roles(org, user, {Role(r) for r in form.roles.data}, actor=current_user)
        db.session.commit()
        flash(f"Roles of {user.email} in {org.name} saved.", "success")
    return redirect(url_for("admin.organisation_detail", org_id=org.id))


# ---- admin: users -------------------------------------------------------------------------------


@admin_bp.get("/users")
@login_required
@admin_required
def users_list():
    q = (request.args.get("q") or "").strip()[:200]
    query = sa.select(User).order_by(User.email)
    if q:
        like = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(sa.or_(User.email.like(like, escape="\\"), sa.func.lower(User.name).like(like, escape="\\")))
    return render_template("admin/users.html", page=paginate(query), q=q)


@admin_bp.get("/users/<int:user_id>")
@login_required
@admin_required
def user_detail(user_id: int):
    user = db.get_or_404(User, user_id)
    return render_template("admin/user_detail.html", user=user, form=forms.ConfirmForm())


@admin_bp.post("/users/<int:user_id>/active")
@login_required
@admin_required
def user_set_active(user_id: int):
    user = db.get_or_404(User, user_id)
    form = forms.ConfirmForm()
    active = request.form.get("active") == "1"
    if not form.validate_on_submit():
        abort(400)
    if not active and not form.confirm.data:
        flash("Tick the box to confirm the deactivation.", "error")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    try:
        organisations.set_active(user, active=active, actor=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"{user.email} is {'active again' if active else 'deactivated; their sessions have ended'}.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
