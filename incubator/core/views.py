"""The landing page, the dashboard, and the admin's audit trail and outbox."""
import re
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from incubator.accounts.models import Organisation, Role
from incubator.accounts.organisations import pending_invitations_for
from incubator.core import audit_words
from incubator.core import dashboard as panels
from incubator.core import mail
from incubator.core.audit import AuditEvent
from incubator.core.errors import DomainError
from incubator.core.forms import query_arg
from incubator.core.mail import STATUSES, OutboxMessage
from incubator.core.pagination import paginate
from incubator.core.permissions import admin_required
from incubator.core.timeutil import zone
from incubator.extensions import db

core_bp = Blueprint("core", __name__)


@core_bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    return render_template("core/index.html", public=panels.public_panels())


@core_bp.get("/dashboard")
@login_required
def dashboard():
    org_ids = current_user.organisations_with()
    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(org_ids)).order_by(Organisation.name)).all() if org_ids else []
    return render_template("core/dashboard.html", orgs=orgs, panels=panels.panels_for(current_user), Role=Role,
                           invitations=pending_invitations_for(current_user))


@core_bp.get("/healthz")
def healthz():
    db.session.execute(sa.text("SELECT 1"))
    return {"status": "ok"}


def _parse_day(value: str) -> date | None:
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        return None
    return day if date(1970, 1, 1) <= day <= date(9000, 1, 1) else None


def _start_of(day: date, tz_name: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone(tz_name)).astimezone(timezone.utc)


def viewer_timezone(user) -> str:
    """The timezone of the viewer's organization (the first by name, if several). Someone
    with none (an admin, say) gets the zone the portal's organizations share, else UTC."""
    org_ids = user.organisations_with()
    if org_ids:
        first = db.session.scalar(sa.select(Organisation.timezone).where(Organisation.id.in_(org_ids))
                                  .order_by(Organisation.name, Organisation.id).limit(1))
        return first or "UTC"
    zones = db.session.scalars(sa.select(Organisation.timezone).distinct().limit(2)).all()
    return zones[0] if len(zones) == 1 else "UTC"


AUDIT_FILTERS = ("action", "actor", "object_type", "object_id", "since", "until")


@core_bp.get("/admin/audit")
@admin_required
def audit_trail():
    args = {name: query_arg(name) for name in AUDIT_FILTERS}
    tz = viewer_timezone(current_user)
    query = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if args["action"]:
        query = query.where(AuditEvent.action.startswith(args["action"], autoescape=True))
    if args["actor"]:
        query = query.where(AuditEvent.actor_email.contains(args["actor"].lower(), autoescape=True))
    if args["object_type"]:
        query = query.where(AuditEvent.object_type == args["object_type"])
    if re.fullmatch(r"[0-9]{1,9}", args["object_id"]):
        query = query.where(AuditEvent.object_id == int(args["object_id"]))
    if since := _parse_day(args["since"]):
        query = query.where(AuditEvent.occurred_at >= _start_of(since, tz))
    if until := _parse_day(args["until"]):
        query = query.where(AuditEvent.occurred_at < _start_of(until + timedelta(days=1), tz))
    actions = db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    page = paginate(query)
    return render_template("core/audit.html", page=page, rows=zip(page.items, audit_words.sentences(page.items)),
                           args=args, actions=actions, tz=tz)


@core_bp.get("/admin/outbox")
@admin_required
def outbox():
    status = request.args.get("status", "")
    query = sa.select(OutboxMessage).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
    if status in STATUSES:
        query = query.where(OutboxMessage.status == status)
    return render_template("core/outbox.html", page=paginate(query), status=status, statuses=STATUSES)


@core_bp.get("/admin/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    return render_template("core/outbox_message.html", message=message)


@core_bp.post("/admin/outbox/<int:message_id>/resend")
@admin_required
def outbox_resend(message_id: int):
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    try:
        mail.resend(message, actor=current_user)
    except DomainError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"The message to {message.recipient} is queued again.", "success")
    return redirect(url_for("core.outbox_message", message_id=message.id))


from incubator.core import notification_views  # noqa: E402,F401  (the notification settings page)
from incubator.core import mail_template_views  # noqa: E402,F401  (an organisation's mail templates)
