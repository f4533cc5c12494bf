"""People, organisations and the roles that tie them together."""
from datetime import datetime
from email.utils import formataddr
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from incubator.core.invitations import InvitationLink
from incubator.core.timeutil import utcnow
from incubator.extensions import db


class Role(StrEnum):
    program_staff = "program_staff"
    finance = "finance"
    reviewer = "reviewer"
    coach = "coach"  # coaches incubation teams (the cohorts they are named on)

    @property
    def label(self) -> str:
        return {"program_staff": "Program staff", "finance": "Finance", "reviewer": "Reviewer",
                "coach": "Coach"}[self.value]


def hash_password(password: str) -> str:
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so one address is one account.
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_deactivated: Mapped[bool] = mapped_column(default=False)
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Two-factor sign-in (TOTP): the shared secret (base32), when it was turned on, and the
    # last 30-second step used, so one code is never accepted twice.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    two_factor_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Flask-Login: the id kept in the cookie is the server-side session's key,
    # so ending that row ends the session wherever the cookie is.
    current_session_key = None  # set when loaded for a request

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return not self.is_deactivated

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.current_session_key

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def display_name(self) -> str:
        return self.name or self.email

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.password_changed_at = utcnow()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def roles_in(self, organisation_id: int) -> set[Role]:
        return {m.role for m in self.memberships if m.organisation_id == organisation_id}

    def has_role(self, organisation_id: int, *roles: Role) -> bool:
        mine = self.roles_in(organisation_id)
        return any(role in mine for role in roles)

    def organisations_with(self, *roles: Role) -> list[int]:
        return sorted({m.organisation_id for m in self.memberships if not roles or m.role in roles})

    @property
    def all_roles(self) -> set[Role]:
        return {m.role for m in self.memberships}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserSession(db.Model):
    """A signed-in session, kept on the server so it can be ended from there."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    # When this session last proved the second factor (money actions need it within 15 minutes).
    second_factor_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """One of a person's ten single-use recovery codes, stored as a SHA-256 hash (the codes
    are long and random, so a fast hash is enough)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), default="America/Chicago")
    # The program team's own address: Reply-To of every mail sent on the organization's behalf.
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    contact_email: Mapped[str | None] = mapped_column(sa.String(320))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list["Membership"]] = relationship(back_populates="organisation", cascade="all, delete-orphan")

    @property
    def audit_organisation_id(self) -> int:
        return self.id

    @property
    def reply_to(self) -> str | None:
        """The Reply-To header for mail on its behalf, e.g. "NSNO Program Team <apply@nsno.org>"."""
        if not self.contact_email:
            return None
        return formataddr((self.contact_name or f"{self.name} program team", self.contact_email))

    @property
    def contact_label(self) -> str:
        """How a person is told to reach the program team, in a sentence."""
        name = self.contact_name or f"the program team at {self.name}"
        return f"{name} ({self.contact_email})" if self.contact_email else name

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("user_id", "organisation_id", "role", name="one_role_once"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id


class Invitation(InvitationLink, db.Model):
    """An invitation to hold a role in an organisation, accepted through a link."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role]

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys="Invitation.invited_by_id")

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id
