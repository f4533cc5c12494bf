"""The signed-in person's profile page: their name and their email address (on the auth blueprint)."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from incubator.accounts import forms, profile
from incubator.accounts.views import auth_bp
from incubator.core.errors import DomainError
from incubator.extensions import db, limiter, minutes_until_reset


def _page(name_form=None, email_form=None, status=200):
    name_form = name_form or forms.ProfileForm(formdata=None, name=current_user.name)
    return render_template("accounts/profile.html", name_form=name_form,
                           email_form=email_form or forms.EmailChangeForm(formdata=None)), status


@auth_bp.route("/account", methods=["GET", "POST"])
@login_required
def profile_page():
    if request.method == "GET":
        return _page()
    form = forms.ProfileForm()
    if not form.validate_on_submit():
        return _page(name_form=form, status=422)
    if profile.update_name(current_user, form.name.data, actor=current_user):
        db.session.commit()
        flash("Your name is saved.", "success")
    return redirect(url_for(".profile_page"))


def _too_many_changes(request_limit):
    form = forms.EmailChangeForm()
    form.email.errors = [f"Too many address changes asked for in a short time. Try again in "
                         f"{minutes_until_reset(request_limit)} minutes."]
    page, _ = _page(email_form=form)
    return current_app.make_response((page, 429))


@auth_bp.post("/account/email")
@login_required
# Every try counts (a wrong password too), so a borrowed session cannot guess the password here.
@limiter.limit("5 per hour", key_func=lambda: f"email-change:{current_user.id}", scope="email-change",
               on_breach=_too_many_changes)
def request_email_change():
    form = forms.EmailChangeForm()
    if not form.validate_on_submit():
        return _page(email_form=form, status=422)
    try:
        new_email = profile.request_email_change(current_user, form.email.data, form.password.data)
    except DomainError as error:
        db.session.rollback()
        (form.password if isinstance(error, profile.WrongPassword) else form.email).errors.append(str(error))
        return _page(email_form=form, status=422)
    db.session.commit()
    flash(f"We sent a link to {new_email}. Your address changes when you follow it; until then, "
          f"sign in with {current_user.email}.", "success")
    return redirect(url_for(".profile_page"))


@auth_bp.route("/account/email/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    """The link from the mail shows what will change; the button changes it (a mail scanner
    that opens the link changes nothing)."""
    found = profile.pending_email_change(token)
    if found is None:
        flash("That link is not valid, has expired or was already used. Ask for a new one on your profile page.",
              "error")
        return redirect(url_for(".profile_page" if current_user.is_authenticated else ".login"))
    user, new_email = found
    form = forms.ConfirmForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            profile.confirm_email_change(token)
            db.session.commit()
        except (DomainError, IntegrityError) as error:
            db.session.rollback()
            message = str(error) if isinstance(error, DomainError) else \
                f"{new_email} now belongs to another account, so your address was not changed."
            flash(message, "error")
            return render_template("accounts/confirm_email_change.html", user=user, new_email=new_email,
                                   form=form), 409
        flash(f"Your email address is now {new_email}.", "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for(".profile_page"))
        return redirect(url_for(".login", email=new_email))
    return render_template("accounts/confirm_email_change.html", user=user, new_email=new_email, form=form)
