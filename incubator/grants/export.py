"""An organisation's tranches and ledger as CSV rows (finance area). Amounts in dollars, times
in the organisation's timezone; `core.csv.stream_rows` makes every cell formula-safe. One
query each, whatever the number of rows."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from incubator.accounts.models import Organisation, User
from incubator.applications.models import Application, Team
from incubator.core.timeutil import format_local, local
from incubator.extensions import db
from incubator.grants.dashboard import GRANTEE, tranche_rows_select
from incubator.grants.models import Grant, LedgerEntry, Tranche
from incubator.grants.states import DueCondition, GrantKind, LedgerKind, TrancheStatus
from incubator.incubation.models import School

TIME_FORMAT = "%Y-%m-%d %H:%M"

TRANCHE_HEADER = ["Grant", "Grantee", "Challenge", "Kind", "Tranche", "Amount (USD)", "Condition", "Due",
                  "Status", "Requested by", "Requested at", "Approved by", "Approved at", "Paid at",
                  "Transfer id or reference"]
LEDGER_HEADER = ["Date", "Grant", "Grantee", "Tranche", "Kind", "Amount (USD)", "Transfer id or reference",
                 "Approved by", "Recorded by"]


def dollars(cents: int) -> str:
    """12345 -> "123.45" (plain, for a spreadsheet: no sign, no thousands separator)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(int(cents)), 100)
    return f"{sign}{whole}.{rest:02d}"


def _when(moment: datetime | None, tz: str | None) -> str:
    return format_local(moment, tz, TIME_FORMAT) if moment else ""


def _condition(tranche: Tranche) -> str:
    condition = DueCondition(tranche.condition)
    if condition is DueCondition.on_milestone and tranche.milestone_title:
        return f"{condition.label}: {tranche.milestone_title}"
    return condition.label


def tranche_lines(org: Organisation) -> list[list]:
    tz = org.timezone
    rows = db.session.execute(tranche_rows_select().where(Grant.organisation_id == org.id)
                              .order_by(Grant.id, Tranche.position)).all()
    out = [TRANCHE_HEADER]
    for tranche, grant_id, kind, _, grantee, _, challenge, r_name, r_email, a_name, a_email in rows:
        out.append([grant_id, grantee or "", challenge, GrantKind(kind).label, tranche.position,
                    dollars(tranche.amount_cents), _condition(tranche),
                    tranche.due_on.isoformat() if tranche.due_on else "", TrancheStatus(tranche.status).label,
                    (r_name or r_email) if r_email else "", _when(tranche.requested_at, tz),
                    (a_name or a_email) if a_email else "", _when(tranche.approved_at, tz),
                    _when(tranche.paid_at, tz), tranche.transfer_id or tranche.manual_reference or ""])
    return out


def ledger_lines(org: Organisation) -> list[list]:
    tz = org.timezone
    approver, recorder = aliased(User), aliased(User)
    rows = db.session.execute(
        sa.select(LedgerEntry, Tranche.position, GRANTEE, approver.name, approver.email, recorder.name,
                  recorder.email)
        .join(Tranche, Tranche.id == LedgerEntry.tranche_id)
        .join(Grant, Grant.id == LedgerEntry.grant_id)
        .outerjoin(School, School.id == Grant.school_id)
        .outerjoin(Application, Application.id == Grant.application_id)
        .outerjoin(Team, Team.id == Grant.team_id)  # a school grant is named by its school
        .outerjoin(approver, approver.id == LedgerEntry.approved_by_id)
        .outerjoin(recorder, recorder.id == LedgerEntry.recorded_by_id)
        .where(LedgerEntry.organisation_id == org.id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id)).all()
    out = [LEDGER_HEADER]
    for entry, position, grantee, a_name, a_email, r_name, r_email in rows:
        out.append([_when(entry.created_at, tz), entry.grant_id, grantee or "", position,
                    LedgerKind(entry.kind).label, dollars(entry.amount_cents),
                    entry.transfer_id or entry.reference or "", (a_name or a_email) if a_email else "",
                    (r_name or r_email) if r_email else ("system" if entry.kind is LedgerKind.transfer else "")])
    return out


def file_name(org: Organisation, what: str, *, now: datetime) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in (org.slug or org.name).lower())[:40].strip("-") or "org"
    return f"{slug}-grant-{what}-{local(now, org.timezone):%Y%m%d}.csv"
