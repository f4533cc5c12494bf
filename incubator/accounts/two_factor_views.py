"""Two-factor sign-in pages (2FA area): set up, the sign-in step, confirm again, recovery codes,
and the admin reset.

Admins must have two-factor sign-in before any admin page (`/admin/...`, whichever blueprint
serves it): `_admins_enrolled` below sends one without it to set it up first.
"""
import time

from flask import abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, logout_user

from incubator.accounts import services
from incubator.accounts import two_factor as tf
from incubator.accounts.admin_views import admin_bp
from incubator.accounts.models import User
from incubator.accounts.two_factor_forms import CodeForm, DisableForm, RegenerateForm, SetupForm
from incubator.accounts.views import _sign_in, auth_bp, safe_next
from incubator.core.errors import DomainError
from incubator.core.forms import CsrfForm
from incubator.core.permissions import admin_required
from incubator.core.views import viewer_timezone
from incubator.extensions import client_address, db, limiter, minutes_until_reset

PENDING = "two_factor_pending"  # the half-signed-in marker: {"uid", "at", "next"}
PENDING_FOR = 5 * 60  # seconds
SETUP = "two_factor_setup_secret"
WRONG_CODES_PER_ACCOUNT = "5 per 15 minutes"


# ---- admins need it before any admin page --------------------------------------------------


@auth_bp.before_app_request
def _admins_enrolled():
    if request.path.startswith("/admin/") and current_user.is_authenticated and current_user.is_admin \
            and tf.needs_enrolment(current_user):
        return tf.send_to_setup()
    return None


# ---- rate limits: wrong codes per account and per address --------------------------------------


def _pending() -> dict | None:
    """The half-signed-in marker, if it is still fresh (5 minutes)."""
    marker = session.get(PENDING)
    if not isinstance(marker, dict) or not isinstance(marker.get("uid"), int) or not 0 < marker["uid"] < 2**31 \
            or not isinstance(marker.get("at"), (int, float)) or not -60 <= time.time() - marker["at"] <= PENDING_FOR:
        return None
    return marker


def _code_account_key() -> str:
    if current_user.is_authenticated:
        return f"two-factor:{current_user.id}"
    marker = _pending()
    return f"two-factor:{marker['uid']}" if marker else f"two-factor:address:{client_address()}"


def _wrong_code(response) -> bool:
    return response.status_code == 401


def _refused(request_limit):
    """The page the code was typed on again, saying when to try again (nothing was checked)."""
    minutes = minutes_until_reset(request_limit)
    flash(f"Too many wrong codes. Try again in {minutes} minute{'s' if minutes != 1 else ''}.", "error")
    if request.endpoint == "auth.two_factor_sign_in":
        return _page("accounts/two_factor_sign_in.html", 429, form=CodeForm(formdata=None), next="")
    if request.endpoint == "auth.two_factor_confirm":
        return _page("accounts/two_factor_confirm.html", 429, form=CodeForm(formdata=None), next=safe_next())
    return make_response(redirect(request.full_path.rstrip("?"), 303))


def _limited(view):
    """Wrong codes are counted for the account (5 per 15 minutes, shared by every page that asks
    for a code) and for the client address (as sign-in is)."""
    view = limiter.shared_limit(WRONG_CODES_PER_ACCOUNT, scope="two-factor-account", key_func=_code_account_key,
                                methods=["POST"], deduct_when=_wrong_code, on_breach=_refused)(view)
    view = limiter.shared_limit(lambda: current_app.config["SIGNIN_LIMIT_PER_ADDRESS"], scope="two-factor-address",
                                methods=["POST"], deduct_when=_wrong_code, on_breach=_refused)(view)
    return view


def _page(template: str, status: int = 200, **context):
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _status(form) -> int:
    return 422 if form.errors else 200


# ---- the account page: on or off, turn off, new recovery codes --------------------------------


@auth_bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@_limited
def two_factor():
    disable_form = DisableForm(formdata=None, prefix="disable")
    regenerate_form = RegenerateForm(formdata=None, prefix="regenerate")
    status = 200
    if request.method == "POST":
        action = request.form.get("action")
        form = DisableForm(prefix="disable") if action == "disable" else \
            RegenerateForm(prefix="regenerate") if action == "regenerate" else None
        if form is None:
            abort(400)
        if action == "disable":
            disable_form = form
        else:
            regenerate_form = form
        if form.validate_on_submit():
            try:
                if action == "disable":
                    tf.disable(current_user, form.code.data, actor=current_user)
                else:
                    codes = tf.regenerate_recovery_codes(current_user, form.code.data, actor=current_user)
            except tf.WrongCode as error:
                db.session.commit()  # keep the audit record of the failure
                form.code.errors.append(str(error))
                status = 401
            except DomainError as error:
                db.session.rollback()
                form.form_errors.append(str(error))
                status = 409
            else:
                db.session.commit()
                if action == "disable":
                    flash("Two-factor sign-in is off.", "success")
                    return redirect(url_for("auth.two_factor"))
                return _codes_page(codes, url_for("auth.two_factor"), regenerated=True)
        else:
            status = 422
    return _page("accounts/two_factor_account.html", status, disable_form=disable_form,
                 regenerate_form=regenerate_form, required=tf.required_for(current_user),
                 enabled=tf.is_enabled(current_user), left=tf.recovery_codes_left(current_user),
                 tz=viewer_timezone(current_user))


def _codes_page(codes: list[str], next_url: str, regenerated: bool = False):
    """The recovery codes, shown this once."""
    return _page("accounts/two_factor_codes.html", codes=codes, next=next_url, regenerated=regenerated)


# ---- setting it up -------------------------------------------------------------------------------


@auth_bp.route("/account/two-factor/setup", methods=["GET", "POST"])
@login_required
@_limited
def two_factor_setup():
    if tf.is_enabled(current_user):
        flash("Two-factor sign-in is already on.", "info")
        return redirect(url_for("auth.two_factor"))
    # The secret stays in this session until a code from it is typed (a reload keeps it, so a
    # code from the app that just scanned it still works).
    secret = session.get(SETUP)
    if not isinstance(secret, str) or not 16 <= len(secret) <= 64:
        secret = session[SETUP] = tf.new_secret()
    form = SetupForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = tf.enable(current_user, secret, form.code.data, actor=current_user)
            tf.prove(current_user)  # typing the code proved the second factor
        except tf.WrongCode as error:
            db.session.commit()  # keep the audit record
            form.code.errors.append(str(error))
            status = 401
        except DomainError as error:
            db.session.rollback()
            session.pop(SETUP, None)
            flash(str(error), "error")
            return redirect(url_for("auth.two_factor_setup", next=safe_next()))
        else:
            db.session.commit()
            session.pop(SETUP, None)
            flash("Two-factor sign-in is on.", "success")
            return _codes_page(codes, safe_next("auth.two_factor"))
    elif form.errors:
        status = 422
    uri = tf.provisioning_uri(current_user, secret)
    return _page("accounts/two_factor_setup.html", status, form=form, qr=tf.qr_svg(uri),
                 secret=tf.grouped(secret), next=safe_next("auth.two_factor"),
                 required=tf.required_for(current_user))


# ---- the second step of sign-in -------------------------------------------------------------------


def start_second_step(user: User, next_url: str):
    """After a right password: a half-signed-in marker (no session row yet), then the code page.
    Whoever was signed in in this browser before is signed out."""
    services.end_session(session.get("_user_id"))
    db.session.commit()
    logout_user()
    session.clear()
    session[PENDING] = {"uid": user.id, "at": time.time(), "next": next_url}
    return redirect(url_for("auth.two_factor_sign_in"))


@auth_bp.route("/login/two-factor", methods=["GET", "POST"])
@_limited
def two_factor_sign_in():
    marker = _pending()
    user = db.session.get(User, marker["uid"]) if marker else None
    if user is None or user.is_deactivated or not tf.is_enabled(user):
        session.pop(PENDING, None)
        flash("Sign in again: the code must be typed within 5 minutes of the password.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            how = tf.check_second_factor(user, form.code.data, signing_in=True)
        except tf.WrongCode as error:
            db.session.commit()
            form.code.errors.append(str(error))
            status = 401
        else:
            next_url = marker.get("next") or url_for("core.dashboard")
            _sign_in(user, second_factor=True)
            flash(f"Welcome, {user.display_name}.", "success")
            if how == "recovery":
                left = tf.recovery_codes_left(user)
                flash(f"You used a recovery code: {left} left. "
                      + ("Make new ones on the two-factor page." if left < 4 else ""), "info")
            return redirect(next_url)
    elif form.errors:
        status = 422
    return _page("accounts/two_factor_sign_in.html", status, form=form, next="")


# ---- asking again before a money action ------------------------------------------------------------


@auth_bp.route("/account/two-factor/confirm", methods=["GET", "POST"])
@login_required
@_limited
def two_factor_confirm():
    if not tf.is_enabled(current_user):
        return redirect(url_for("auth.two_factor_setup", next=safe_next()))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            how = tf.check_second_factor(current_user, form.code.data)
        except tf.WrongCode as error:
            db.session.commit()
            form.code.errors.append(str(error))
            status = 401
        else:
            tf.prove(current_user)
            db.session.commit()
            flash("Confirmed: you can approve for the next 15 minutes.", "success")
            if how == "recovery":
                flash(f"You used a recovery code: {tf.recovery_codes_left(current_user)} left.", "info")
            return redirect(safe_next())
    elif form.errors:
        status = 422
    return _page("accounts/two_factor_confirm.html", status, form=form, next=safe_next())


# ---- an admin resets someone's (a lost phone) -----------------------------------------------------


@admin_bp.post("/users/<int:user_id>/two-factor/reset")
@admin_required
@tf.recent_required
def two_factor_reset(user_id: int):
    user = db.session.get(User, user_id) if 0 < user_id < 2**31 else None
    if user is None:
        abort(404)
    if not CsrfForm().validate_on_submit():
        abort(400)
    try:
        tf.reset(user, actor=current_user)
    except DomainError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Two-factor sign-in of {user.email} is reset; their sessions have ended. "
              "They set it up again when they next sign in.", "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
