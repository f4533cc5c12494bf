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

The services below take the user and an explicit actor, flush and never commit.
"""
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta, timezone
from functools import wraps
from urllib.parse import urlsplit

import pyotp
import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_login import current_user
from sqlalchemy.orm.attributes import set_committed_value

from incubator.accounts.models import RecoveryCode, Role, User, UserSession
from incubator.core import audit
from incubator.core.errors import DomainError, ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db

RECENT_FOR = timedelta(minutes=15)
ISSUER = "Incubator"
RECOVERY_CODES = 10
# No 0/o, 1/l/i: a code copied from paper is not misread.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_TOTP_RE = re.compile(r"[0-9]{6}")
_RECOVERY_RE = re.compile(r"[a-z0-9]{12}")


class WrongCode(ValidationFailed):
    pass


# ---- the rules ---------------------------------------------------------------------------------


def required_for(user) -> bool:
    return bool(user.is_admin or user.organisations_with(Role.finance))


def is_enabled(user) -> bool:
    return user.two_factor_enabled_at is not None and bool(user.totp_secret)


def is_recent(user) -> bool:
    """This session (the signed-in row) proved the second factor within RECENT_FOR."""
    key = getattr(user, "current_session_key", None)
    if not key or not is_enabled(user):
        return False
    proved = db.session.scalar(sa.select(UserSession.second_factor_at).where(UserSession.key == key))
    return proved is not None and proved >= utcnow() - RECENT_FOR


def _local_referrer() -> str | None:
    """The page the form was on, if it is one of ours."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if not referrer or parts.netloc != request.host or not parts.path.startswith("/") or parts.path.startswith("//"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _back_here() -> str:
    """Where to come back to: this page for a GET, the page the form was on for a POST."""
    if request.method == "GET":
        return request.full_path.rstrip("?")
    return _local_referrer() or url_for("core.dashboard")


def enrolled_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if needs_enrolment(current_user):
            return send_to_setup()
        return view(*args, **kwargs)

    return wrapper


def needs_enrolment(user) -> bool:
    return bool(user.is_authenticated and required_for(user) and not is_enabled(user))


def send_to_setup():
    flash("Set up two-factor sign-in first: your role needs it.", "info")
    return redirect(url_for("auth.two_factor_setup", next=_back_here()))


def recent_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not is_recent(current_user):
            if not is_enabled(current_user):
                return send_to_setup()
            flash("Confirm it is you with a code from your authenticator app, then press the button again.", "info")
            return redirect(url_for("auth.two_factor_confirm", next=_back_here()))
        return view(*args, **kwargs)

    return wrapper


# ---- secrets, QR codes, codes ------------------------------------------------------------------


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code as inline SVG (the CSP allows no outside images), drawn by segno."""
    import segno

    svg = segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff", title="QR code to scan with your authenticator app")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code to scan with your authenticator app" ', 1)


def grouped(secret: str) -> str:
    """The secret typed out in groups of four, for people who cannot scan."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean(text: str | None) -> str:
    """What was typed, without the spaces and hyphens people add; empty if it is too long."""
    text = (text or "")[:64]
    return re.sub(r"[\s-]", "", text).lower()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _matching_step(secret: str, code: str) -> int | None:
    """The time step (of 30 s) whose code this is, within one step either side (valid_window=1)."""
    if not _TOTP_RE.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(datetime.now(timezone.utc))
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def _claim_step(user: User, step: int) -> bool:
    """Record the step as used, once: a code is never accepted twice, even by two requests at once."""
    result = db.session.execute(
        sa.update(User).where(User.id == user.id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    set_committed_value(user, "totp_last_step", step)
    return True


def verify_totp(user: User, code: str, secret: str | None = None) -> bool:
    secret = secret or user.totp_secret
    step = _matching_step(secret, _clean(code)) if secret else None
    return step is not None and _claim_step(user, step)


def new_recovery_codes(user: User) -> list[str]:
    """Ten new single-use codes (only their hashes are kept); the old ones stop working."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    db.session.flush()
    return codes


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def _use_recovery_code(user: User, code: str) -> bool:
    if not _RECOVERY_RE.fullmatch(code):
        return False
    result = db.session.execute(
        sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code),
                                      RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount == 1


# ---- services ----------------------------------------------------------------------------------


def check_second_factor(user: User, text: str, *, allow_recovery: bool = True, signing_in: bool = False) -> str:
    """Check a 6-digit code (or a recovery code); returns "code" or "recovery".
    `signing_in`: the second step of sign-in, audited as "user.signed_in" (with how) instead of
    "accounts.two_factor.used".

    :raises WrongCode: neither (audited as a failure).
    """
    code = _clean(text)
    if is_enabled(user):
        if verify_totp(user, code):
            if signing_in:
                audit.record(user, "user.signed_in", user, second_factor="code")
            else:
                audit.record(user, "accounts.two_factor.used", user)
            return "code"
        if allow_recovery and _use_recovery_code(user, code):
            audit.record(user, "accounts.two_factor.recovery_code_used", user, left=recovery_codes_left(user))
            if signing_in:
                audit.record(user, "user.signed_in", user, second_factor="recovery code")
            return "recovery"
    audit.record(user, "accounts.two_factor.failed", user)
    raise WrongCode("That code is not right. Type the 6 digits your app shows now"
                    + (", or one of your recovery codes." if allow_recovery else "."))


def enable(user: User, secret: str, code: str, *, actor: User) -> list[str]:
    """Turn two-factor sign-in on with the secret the person's app now has, once they typed a
    right code from it; returns the ten recovery codes to show once.

    :raises WrongCode: the code does not match the secret.
    :raises DomainError: it is on already.
    """
    if is_enabled(user):
        raise DomainError("Two-factor sign-in is already on for this account.")
    if not secret or not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        raise DomainError("The setup expired. Start again.")
    step = _matching_step(secret, _clean(code))
    if step is None:
        audit.record(actor, "accounts.two_factor.failed", user, during="setup")
        raise WrongCode("That code is not right. Check the clock of your phone and type the 6 digits your app shows now.")
    # Compare-and-set: two setup forms sent at once turn it on once.
    now = utcnow()
    done = db.session.execute(
        sa.update(User).where(User.id == user.id, User.two_factor_enabled_at.is_(None))
        .values(totp_secret=secret, two_factor_enabled_at=now, totp_last_step=step)
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise DomainError("Two-factor sign-in is already on for this account.")
    for name, value in (("totp_secret", secret), ("two_factor_enabled_at", now), ("totp_last_step", step)):
        set_committed_value(user, name, value)
    codes = new_recovery_codes(user)
    audit.record(actor, "accounts.two_factor.enabled", user)
    return codes


def regenerate_recovery_codes(user: User, code: str, *, actor: User) -> list[str]:
    """:raises WrongCode: the current 6-digit code is needed (a recovery code will not do)."""
    check_second_factor(user, code, allow_recovery=False)
    codes = new_recovery_codes(user)
    audit.record(actor, "accounts.two_factor.recovery_codes_regenerated", user)
    return codes


def _remove(user: User) -> None:
    user.totp_secret = user.two_factor_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == user.id).values(second_factor_at=None))
    db.session.flush()


def disable(user: User, code: str, *, actor: User) -> None:
    """The person turns it off (a current code, or a recovery code, proves it is them).

    :raises DomainError: their role needs it (only an admin can reset it).
    :raises WrongCode:
    """
    if required_for(user):
        raise DomainError("Your role needs two-factor sign-in, so it cannot be turned off. "
                          "If you lost your phone, ask an admin to reset it.")
    check_second_factor(user, code)
    _remove(user)
    audit.record(actor, "accounts.two_factor.disabled", user)


def reset(user: User, *, actor: User) -> None:
    """An admin removes someone's secret and recovery codes (a lost phone) and ends their
    sessions; they set it up again at their next sign-in.

    :raises DomainError: an admin cannot reset their own.
    """
    from incubator.accounts import services

    if user.id == actor.id:
        raise DomainError("You cannot reset your own two-factor sign-in. Ask another admin.")
    if not is_enabled(user):
        raise DomainError(f"{user.email} has no two-factor sign-in to reset.")
    _remove(user)
    services.end_all_sessions(user)
    audit.record(actor, "accounts.two_factor.reset", user)


def prove(user: User) -> None:
    """This session proved the second factor now."""
    key = getattr(user, "current_session_key", None)
    if key:
        db.session.execute(sa.update(UserSession).where(UserSession.key == key).values(second_factor_at=utcnow()))
