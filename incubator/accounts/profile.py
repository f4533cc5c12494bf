"""A person's own profile: their name, and changing their email address through a link sent to
the new address (the address changes only when that link is followed; the old one is told).

Services take an explicit actor, flush and never commit; the caller commits.
"""
from flask import current_app

from incubator.accounts.models import User
from incubator.accounts.services import external_url, find_user, normalise_email
from incubator.core import audit, tokens
from incubator.core.errors import ValidationFailed
from incubator.core.mail import queue_mail
from incubator.core.timeutil import utcnow
from incubator.extensions import db

EMAIL_CHANGE = "email-change"


class WrongPassword(ValidationFailed):
    pass


def update_name(user: User, name: str, *, actor: User) -> bool:
    """Set the person's name; returns whether it changed (an unchanged name is not audited)."""
    name = (name or "").strip()[:120]
    if name == user.name:
        return False
    audit.record(actor, "user.name_changed", user, changes={"name": [user.name, name]})
    user.name = name
    return True


def request_email_change(user: User, new_email: str, password: str) -> str:
    """Mail a confirmation link to `new_email`; returns the normalised address.

    If the address already belongs to an account, its owner is told instead and no link is sent,
    so the page answers the same and does not reveal who has an account.

    :raises WrongPassword: the password is wrong
    :raises ValidationFailed: the address is already the person's
    """
    if not user.check_password(password or ""):
        raise WrongPassword("Your password is not right.")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise ValidationFailed("That is already your email address.")
    owner = find_user(new_email)
    if owner is not None:
        queue_mail(owner.email, "Someone tried to use your address on Incubator", "email_change_taken",
                   user=owner, login_url=external_url("auth.login"), reset_url=external_url("auth.forgot_password"))
    else:
        token = tokens.sign(EMAIL_CHANGE, {"uid": user.id, "old": user.email, "new": new_email})
        queue_mail(new_email, "Confirm your new email address for Incubator", "email_change_confirm",
                   user=user, confirm_url=external_url("auth.confirm_email_change", token=token),
                   days=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 86400)
    audit.record(user, "user.email_change_requested", user, new_email=new_email)
    return new_email


def pending_email_change(token: str) -> tuple[User, str] | None:
    """The account and the new address a change link is for; None once it expired or was used."""
    payload = tokens.unsign(EMAIL_CHANGE, token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    if not payload or not isinstance(payload.get("new"), str):
        return None
    user = db.session.get(User, payload.get("uid")) if isinstance(payload.get("uid"), int) else None
    # The old address in the link makes it work once: after the change it no longer matches.
    if user is None or user.is_deactivated or user.email != payload.get("old"):
        return None
    return user, payload["new"]


def confirm_email_change(token: str) -> User:
    """Move the account to the new address (which the link proves), and tell the old address.

    :raises ValidationFailed: the link is damaged, expired or used, or the address was taken since
    """
    found = pending_email_change(token)
    if found is None:
        raise ValidationFailed("That link is not valid, has expired or was already used. "
                               "Ask for a new one on your profile page.")
    user, new_email = found
    if find_user(new_email) is not None:
        raise ValidationFailed(f"{new_email} now belongs to another account, so your address was not changed.")
    old_email = user.email
    user.email, user.email_confirmed_at = new_email, utcnow()
    audit.record(user, "user.email_changed", user, actor_email=new_email, changes={"email": [old_email, new_email]})
    queue_mail(old_email, "Your Incubator email address was changed", "email_changed",
               user=user, old_email=old_email, new_email=new_email)
    return user
