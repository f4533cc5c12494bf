"""Two-factor sign-in (TOTP, RFC 6238, with pyotp) and the rules built on it (2FA area).

Required for finance staff and admins, optional for everyone else. Money actions need a
second factor proved by this session within the last RECENT_FOR.

The contract other domains use (the grants views):

- `required_for(user)`: must this person have two-factor sign-in (finance somewhere, or admin)?
- `is_enabled(user)`.
- `enrolled_required(view)`: a decorator; a person who must have two-factor sign-in and has
  not set it up is sent to set it up (then back to the page).
- `is_recent(user)`: this session proved the second factor within RECENT_FOR.
- `recent_required(view)`: a decorator for money actions; without a recent second factor the
  person is asked for a code (then sent back to the page they were on, to press again).
"""
from datetime import timedelta
from functools import wraps

from flask import redirect, request, url_for
from flask_login import current_user

from incubator.accounts.models import Role

RECENT_FOR = timedelta(minutes=15)


def required_for(user) -> bool:
    return bool(user.is_admin or user.organisations_with(Role.finance))


def is_enabled(user) -> bool:
    return user.two_factor_enabled_at is not None


def is_recent(user) -> bool:
    """This session (the signed-in row) proved the second factor within RECENT_FOR."""
    import sqlalchemy as sa

    from incubator.accounts.models import UserSession
    from incubator.core.timeutil import utcnow
    from incubator.extensions import db

    key = getattr(user, "current_session_key", None)
    if not key or not is_enabled(user):
        return False
    proved = db.session.scalar(sa.select(UserSession.second_factor_at).where(UserSession.key == key))
    return proved is not None and proved >= utcnow() - RECENT_FOR


def enrolled_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and required_for(current_user) and not is_enabled(current_user):
            return redirect(url_for("auth.two_factor_setup", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def recent_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not is_recent(current_user):
            return redirect(url_for("auth.two_factor_confirm", next=request.referrer or "/"))
        return view(*args, **kwargs)

    return wrapper
