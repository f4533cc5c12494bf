"""Sign-in, registration, passwords, and accepting invitations.

The admin pages for organisations and people are in `admin_views`.
"""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from incubator.accounts import forms, organisations, services, two_factor
from incubator.accounts.admin_views import admin_bp  # noqa: F401  (registered by create_app)
from incubator.accounts.models import Invitation, User
from incubator.core.errors import DomainError
from incubator.core.forms import has_control_characters
from incubator.core.timeutil import utcnow
from incubator.extensions import client_address, db, limiter, login_manager, minutes_until_reset

auth_bp = Blueprint("auth", __name__)
invitations_bp = Blueprint("invitations", __name__, url_prefix="/invitations")

login_manager.login_view = "auth.login"
login_manager.login_message = "Sign in to see that page."
login_manager.login_message_category = "info"
login_manager.session_protection = None  # the server-side session row is the protection


@login_manager.user_loader
def load_user(key: str):
    return services.load_session(key)


@login_manager.unauthorized_handler
def signed_out_visitor():
    """A page about one object (an id in its URL) answers 404 to a signed-out visitor, as to
    anyone who may not see it, so its existence does not leak; the 404 page offers to sign in
    and come back. Other private pages (the dashboard, the password page) go to sign-in."""
    if request.view_args:
        abort(404)
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def safe_next(default: str = "core.dashboard") -> str:
    """The local page to go back to after a form, never another site."""
    target = request.args.get("next") or request.form.get("next") or ""
    # Browsers drop tabs and line breaks in URLs, so "/\t/evil.org" would become "//evil.org".
    if (target.startswith("/") and not target.startswith("//") and "\\" not in target and len(target) < 500
            and not has_control_characters(target) and not any(c.isspace() for c in target)):
        return target
    return url_for(default)


def _sign_in(user: User, *, second_factor: bool = False) -> None:
    """Start a new server-side session; whatever session the browser had is ended.
    `second_factor`: a code was typed too (two-factor sign-in), so the session proved it now."""
    services.end_session(session.get("_user_id"))
    services.start_session(user, second_factor=second_factor)
    db.session.commit()
    session.clear()  # a fresh session at sign-in: nothing carries over
    login_user(user)


def _render(template: str, form, **context):
    return render_template(template, form=form, **context), (422 if form.errors else 200)


# ---- registration and email confirmation -------------------------------------------------


def _answered(response) -> bool:
    return response.status_code == 200  # a form that was accepted (and so mailed someone)


def _failed_sign_in(response) -> bool:
    return response.status_code == 401  # only failures count: signing in often is no attack


def _refused_page(template: str, form_class, message: str, **context):
    """`on_breach` for a form: the same page with what was typed, saying when to try again."""
    def on_breach(request_limit):
        form = form_class()
        minutes = minutes_until_reset(request_limit)
        flash(f"{message} Try again in {minutes} minute{'s' if minutes != 1 else ''}.", "error")
        return current_app.make_response((render_template(template, form=form, next=safe_next(), **context), 429))
    return on_breach


@auth_bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], methods=["POST"])
# Each registration for an address mails it (a confirmation link, or "you already have an account").
@limiter.limit("5 per hour", key_func=lambda: "register:" + _typed_email(), methods=["POST"], scope="register-account",
               deduct_when=_answered,
               on_breach=_refused_page("accounts/register.html", forms.RegisterForm,
                                       "Too many registrations for this address in the last hour."))
def register():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = forms.RegisterForm()
    if request.method == "GET" and request.args.get("email"):
        form.email.data = request.args["email"][:320]
    if form.validate_on_submit():
        try:
            services.register(form.email.data, form.password.data, form.name.data or "")
            db.session.commit()
        except IntegrityError:
            # Two registrations for one address at once: the other one won; say the same.
            db.session.rollback()
        return render_template("accounts/check_email.html", email=services.normalise_email(form.email.data),
                               next=safe_next())
    return _render("accounts/register.html", form, next=safe_next())


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
@limiter.limit("5 per hour", key_func=lambda: f"resend:{current_user.get_id() or client_address()}")
def resend_confirmation():
    form = forms.ResendConfirmationForm()
    if form.validate_on_submit() and not current_user.is_confirmed:
        services.send_confirmation(current_user)
        db.session.commit()
        flash(f"We sent a new confirmation link to {current_user.email}.", "success")
    return redirect(url_for("core.dashboard"))


# ---- sign-in and sign-out -----------------------------------------------------------------


def _typed_email() -> str:
    return services.normalise_email(request.form.get("email", ""))[:320]


def _account_key() -> str:
    return "account:" + _typed_email()


def _sign_in_key() -> str:
    """Failed sign-ins are counted per account; an address the account has signed in from before
    has a count of its own, so someone guessing from elsewhere cannot lock the owner out."""
    email, address = _typed_email(), client_address()
    if services.has_signed_in_from(email, address):
        return f"account:{email}:known:{address}"
    return f"account:{email}"


@auth_bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], methods=["POST"], scope="login-address",
               deduct_when=_failed_sign_in,
               on_breach=_refused_page("accounts/login.html", forms.SignInForm,
                                       "Too many failed sign-ins from your network."))
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ACCOUNT"], key_func=_sign_in_key, methods=["POST"],
               scope="login-account", deduct_when=_failed_sign_in,
               on_breach=_refused_page("accounts/login.html", forms.SignInForm,
                                       "Too many attempts to sign in to this account with a wrong password."))
def login():
    if current_user.is_authenticated and request.method == "GET":
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
            if two_factor.is_enabled(user):
                return two_factor_views.start_second_step(user, safe_next())
            _sign_in(user)
            flash(f"Welcome, {user.display_name}.", "success")
            return redirect(safe_next())
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form, next=safe_next()), status


@auth_bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        services.sign_out(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


# ---- passwords ------------------------------------------------------------------------------


@auth_bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], methods=["POST"], scope="forgot-address")
@limiter.limit("5 per hour", key_func=_account_key, methods=["POST"], scope="forgot-account")
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        return render_template("accounts/check_email.html", email=services.normalise_email(form.email.data), reset=True)
    return _render("accounts/forgot_password.html", form)


@auth_bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.user_for_reset_token(token) is None:
        flash("That reset link has expired or was already used. Ask for a new one.", "error")
        return redirect(url_for("auth.forgot_password"))
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        user = services.reset_password(token, form.password.data)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your password is changed. Sign in with the new one.", "success")
        return redirect(url_for("auth.login", email=user.email))
    return _render("accounts/reset_password.html", form)


@auth_bp.route("/password/change", methods=["GET", "POST"])
@login_required
def change_password():
    form = forms.ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current.data, form.password.data)
        except DomainError as error:
            form.current.errors.append(str(error))
        else:
            db.session.commit()
            flash("Your password is changed. Your other sessions were signed out.", "success")
            return redirect(url_for("core.dashboard"))
    return _render("accounts/change_password.html", form)


# ---- invitations (the person invited) ---------------------------------------------------------


def _accept(invitation: Invitation):
    try:
        organisations.accept_invitation(invitation, user=current_user)
    except DomainError as error:
        flash(str(error), "error")
        return None
    db.session.commit()
    flash(f"You are now {invitation.role.label.lower()} in {invitation.organisation.name}.", "success")
    return redirect(url_for("core.dashboard"))


@invitations_bp.route("/<token>", methods=["GET", "POST"])
def show(token: str):
    invitation = organisations.find_invitation(token)
    if invitation is None:
        abort(404)
    form = forms.ConfirmForm()
    status = invitation.status(utcnow())
    # Signed in with another address: the page says so, and nothing can be accepted from here.
    wrong_account = current_user.is_authenticated and not invitation.is_addressed_to(current_user)
    if request.method == "POST" and not wrong_account:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        if form.validate_on_submit() and (done := _accept(invitation)):
            return done
    has_account = services.find_user(invitation.email) is not None
    code = 410 if status != "pending" else 403 if wrong_account else 200
    return render_template("accounts/invitation.html", invitation=invitation, status=status, form=form,
                           has_account=has_account, wrong_account=wrong_account), code


@invitations_bp.post("/pending/<int:invitation_id>/accept")
@login_required
def accept_pending(invitation_id: int):
    """Accept from the dashboard an invitation sent to the signed-in person's confirmed address."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not current_user.is_confirmed or invitation.email != current_user.email:
        abort(404)
    return _accept(invitation) or redirect(url_for("core.dashboard"))


from incubator.accounts import profile_views  # noqa: E402,F401  (the profile pages, on the same blueprint)
from incubator.accounts import two_factor_views  # noqa: E402,F401  (two-factor sign-in, on the same blueprints)
