"""Account operations: registration, sign-in, passwords and sessions.

Services take an explicit actor, flush and never commit; the caller commits.
"""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, url_for

from incubator.accounts.models import User, UserSession, hash_password
from incubator.core import audit, tokens
from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.core.mail import queue_mail
from incubator.core.timeutil import utcnow
from incubator.extensions import client_address, db


DEFAULT_SESSION_MAX_AGE = timedelta(days=14)


class SignInFailed(DomainError):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def external_url(endpoint: str, **values) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for(endpoint, **values)


def register(email: str, password: str, name: str = "") -> User | None:
    """Create an account and mail a confirmation link.

    If the address already has an account, that person is told by mail instead,
    and None is returned: the page says the same either way, so the form does not
    reveal who has an account.
    """
    email = normalise_email(email)
    existing = find_user(email)
    if existing is not None:
        # The same slow hash as for a new account, so the answer takes as long either way and its
        # timing does not reveal who has an account.
        hash_password(password)
        queue_mail(existing.email, "You already have an Incubator account", "account_exists",
                   user=existing, login_url=external_url("auth.login"),
                   reset_url=external_url("auth.forgot_password"))
        return None
    user = User(email=email, name=name.strip())
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(user, "user.registered", user)
    send_confirmation(user)
    return user


def send_confirmation(user: User) -> None:
    token = tokens.sign("confirm", {"uid": user.id, "email": user.email})
    queue_mail(user.email, "Confirm your email for Incubator", "confirm_email",
               user=user, confirm_url=external_url("auth.confirm_email", token=token))


def confirm_email(token: str) -> User:
    """:raises ValidationFailed: the link is damaged, expired or for another address."""
    payload = tokens.unsign("confirm", token, current_app.config["CONFIRM_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("uid")) if payload else None
    if user is None or user.email != payload.get("email"):
        raise ValidationFailed("That confirmation link is not valid or has expired. Sign in to ask for a new one.")
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(user, "user.email_confirmed", user)
    return user


def authenticate(email: str, password: str) -> User:
    """:raises SignInFailed: wrong address or password, or a deactivated account."""
    user = find_user(email)
    # Check a hash even for an unknown address so timing does not reveal accounts.
    valid = user.check_password(password) if user else _dummy_check(password)
    if not valid or user is None:
        # The actor is unknown (anyone can type an address); the claimed address is kept.
        audit.record(None, "user.sign_in_failed", user, actor_email=normalise_email(email)[:320])
        raise SignInFailed("That email and password do not match an account.")
    if user.is_deactivated:
        audit.record(None, "user.sign_in_refused", user, actor_email=user.email, reason="deactivated")
        raise SignInFailed("This account has been deactivated. Contact the program team.")
    if user.two_factor_enabled_at is None:  # else signed in only once the code is typed (two_factor)
        audit.record(user, "user.signed_in", user)
    return user


_DUMMY_HASH = None


def _dummy_check(password: str) -> bool:
    global _DUMMY_HASH
    from werkzeug.security import check_password_hash, generate_password_hash

    if _DUMMY_HASH is None:
        _DUMMY_HASH = generate_password_hash(secrets.token_hex(16))
    check_password_hash(_DUMMY_HASH, password)
    return False


def has_signed_in_from(email: str, address: str) -> bool:
    """Whether the account of `email` has ever signed in from this client address."""
    email = normalise_email(email)
    if not email or len(email) > 320 or not address or has_control_characters(email + address):
        return False
    return db.session.scalar(sa.select(sa.exists().where(
        UserSession.user_id == User.id, User.email == email, UserSession.ip_address == address[:64]))) or False


def start_session(user: User, *, second_factor: bool = False) -> UserSession:
    row = UserSession(key=secrets.token_urlsafe(32), user=user, ip_address=client_address()[:64],
                      second_factor_at=utcnow() if second_factor else None)
    db.session.add(row)
    db.session.flush()
    user.current_session_key = row.key
    return row


def load_session(key: str) -> User | None:
    if not key or len(key) > 64:
        return None
    row = db.session.scalar(sa.select(UserSession).where(UserSession.key == key, UserSession.ended_at.is_(None)))
    if row is None or row.user.is_deactivated:
        return None
    if row.created_at < utcnow() - current_app.config.get("SESSION_MAX_AGE", DEFAULT_SESSION_MAX_AGE):
        return None  # a stolen or forgotten cookie stops working after a while, whatever happens
    row.user.current_session_key = row.key
    return row.user


def sign_out(user: User) -> None:
    end_session(user.current_session_key)
    audit.record(user, "user.signed_out", user)


def end_session(key: str | None) -> None:
    if key:
        db.session.execute(sa.update(UserSession).where(UserSession.key == key, UserSession.ended_at.is_(None))
                           .values(ended_at=utcnow()))


def end_all_sessions(user: User, *, except_key: str | None = None) -> None:
    query = sa.update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_key:
        query = query.where(UserSession.key != except_key)
    db.session.execute(query.values(ended_at=utcnow()))


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:20]


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; silent otherwise."""
    user = find_user(email)
    if user is None or user.is_deactivated:
        return
    token = tokens.sign("reset", {"uid": user.id, "pw": _password_fingerprint(user)})
    queue_mail(user.email, "Reset your Incubator password", "reset_password",
               user=user, reset_url=external_url("auth.reset_password", token=token),
               hours=current_app.config["RESET_TOKEN_MAX_AGE"] // 3600)
    audit.record(None, "user.password_reset_requested", user, actor_email=user.email)


def user_for_reset_token(token: str) -> User | None:
    """The user a reset link is for; None once it expired or was used (the password changed)."""
    payload = tokens.unsign("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload.get("uid")) if payload else None
    if user is None or user.is_deactivated or payload.get("pw") != _password_fingerprint(user):
        return None
    return user


def reset_password(token: str, new_password: str) -> User:
    """:raises ValidationFailed: the link expired or was already used."""
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationFailed("That reset link has expired or was already used. Ask for a new one.")
    user.set_password(new_password)
    # Following the link proves the mailbox, so the address counts as confirmed.
    user.email_confirmed_at = user.email_confirmed_at or utcnow()
    end_all_sessions(user)
    audit.record(user, "user.password_reset", user)
    return user


def change_password(user: User, current: str, new_password: str) -> None:
    """:raises ValidationFailed: the current password is wrong."""
    if not user.check_password(current):
        raise ValidationFailed("Your current password is not right.")
    user.set_password(new_password)
    end_all_sessions(user, except_key=user.current_session_key)
    audit.record(user, "user.password_changed", user)
