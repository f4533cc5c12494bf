"""The append-only ledger (payouts area): one line per money movement.

Each function adds one `LedgerEntry` and flushes (the caller commits with the tranche's change):
the amount, the tranche and grant, the payee it went to, the transfer id or the outside payment's
reference, who approved the release (the tranche's approver) and who recorded it (None: the
system, a payout job or the reconciler). The database keeps one payment line per tranche (a
partial unique index) and refuses updates and deletes; a reversal is a new, negative line.

`paid_for_grant`, `paid_by_grant` and `paid_for_challenge` sum the lines (net of reversals).
"""
import sqlalchemy as sa

from incubator.core.errors import DomainError
from incubator.extensions import db
from incubator.grants.models import Grant, LedgerEntry, Payee, Tranche
from incubator.grants.states import LedgerKind

REFERENCE_MAX = 200


_CURRENT = object()  # no payee given: the grantee's current payee


def _line(tranche: Tranche, kind: LedgerKind, amount_cents: int, *, payee, transfer_id: str | None = None,
          reference: str | None = None, actor=None, now=None) -> LedgerEntry:
    grant = tranche.grant
    if payee is _CURRENT:
        from incubator.grants.payouts import current_payee

        payee = current_payee(grant)
    entry = LedgerEntry(organisation_id=grant.organisation_id, grant_id=grant.id, tranche_id=tranche.id,
                        payee_id=payee.id if payee is not None else None, kind=kind, amount_cents=amount_cents,
                        currency=grant.currency, transfer_id=transfer_id, reference=reference,
                        approved_by_id=tranche.approved_by_id,
                        recorded_by_id=actor.id if actor is not None else None)
    if now is not None:
        entry.created_at = now
    db.session.add(entry)
    db.session.flush()
    return entry


def record_transfer(tranche: Tranche, transfer_id: str, *, payee: Payee | None = _CURRENT) -> LedgerEntry:
    """The tranche was paid by the gateway's transfer `transfer_id` (recorded by the system)."""
    if not transfer_id:
        raise DomainError("A transfer without an id cannot be recorded.")
    return _line(tranche, LedgerKind.transfer, tranche.amount_cents, payee=payee, transfer_id=transfer_id)


def clean_reference(reference: str | None) -> str:
    """The outside payment's reference as typed, trimmed; refused when empty, too long or
    carrying control characters."""
    text = (reference or "").strip()
    if not text:
        raise DomainError("Type the payment's reference (for example the check or wire number).")
    if len(text) > REFERENCE_MAX:
        raise DomainError(f"A payment reference has at most {REFERENCE_MAX} characters.")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise DomainError("A payment reference cannot contain control characters.")
    return text


def record_manual(tranche: Tranche, reference: str, *, payee: Payee | None = _CURRENT, actor,
                  now=None) -> LedgerEntry:
    """Finance paid the tranche outside the portal; `reference` as they typed it (payee: the
    grantee's current one unless given)."""
    return _line(tranche, LedgerKind.manual_payment, tranche.amount_cents, payee=payee,
                 reference=clean_reference(reference), actor=actor, now=now)


def record_reversal(tranche: Tranche, transfer, amount_cents: int, *, payee: Payee | None = _CURRENT,
                    actor=None, now=None) -> LedgerEntry:
    """Money of `transfer` (a gateway Transfer or its id) came back (a transfer reversal): a
    negative line of `amount_cents`. Never more than the tranche's payments still standing.
    The payee, unless given, is the one the transfer went to (else the current one)."""
    transfer_id = transfer if isinstance(transfer, str) else transfer.id
    if payee is _CURRENT:
        payee = db.session.scalar(sa.select(LedgerEntry.payee_id).where(
            LedgerEntry.tranche_id == tranche.id, LedgerEntry.transfer_id == transfer_id,
            LedgerEntry.kind == LedgerKind.transfer).limit(1))
        payee = db.session.get(Payee, payee) if payee else _CURRENT
    amount = abs(int(amount_cents))
    if amount == 0:
        raise DomainError("A reversal of nothing is not recorded.")
    standing = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0))
                                 .where(LedgerEntry.tranche_id == tranche.id))
    if amount > standing:
        raise DomainError("A reversal cannot return more than was paid for this tranche.")
    return _line(tranche, LedgerKind.reversal, -amount, payee=payee, transfer_id=transfer_id, actor=actor, now=now)


def _net():
    return sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0)


def paid_for_grant(grant_id: int) -> int:
    """Cents paid on the grant so far, net of reversals."""
    return int(db.session.scalar(sa.select(_net()).where(LedgerEntry.grant_id == grant_id)))


def paid_by_grant(grant_ids) -> dict[int, int]:
    """{grant id: cents paid, net} for many grants in one statement (grants with no line: 0)."""
    ids = list(grant_ids)
    found = dict(db.session.execute(sa.select(LedgerEntry.grant_id, _net()).where(LedgerEntry.grant_id.in_(ids))
                                    .group_by(LedgerEntry.grant_id)).all()) if ids else {}
    return {i: int(found.get(i, 0)) for i in ids}


def paid_for_challenge(challenge_id: int) -> int:
    """Cents paid from the challenge's grant pool, net of reversals."""
    return int(db.session.scalar(sa.select(_net()).join(Grant, Grant.id == LedgerEntry.grant_id)
                                 .where(Grant.challenge_id == challenge_id)))
