"""Stripe's webhook deliveries (stripe area): the signature checked, each event handled once,
the object re-read from the API.

`handle_delivery(payload, signature)` is what the view calls; it returns a `Delivery` (the HTTP
status and a short word for the log) and leaves the session ready to commit (the view commits):

1. the signature is verified with STRIPE_WEBHOOK_SECRET (missing, wrong or older than Stripe's
   five-minute tolerance: 400, nothing changes, logged);
2. an event id already stored is a 200 with no effect;
3. the event's object is re-read from the API (`gateway.retrieve_event_object`), never taken
   from the payload: a payload that lies changes nothing the API does not say, and an older
   event delivered after a newer one applies the object as it is now;
4. `StripeEvent(id)` is inserted (the transaction's first write) in the same transaction as the
   effect: two deliveries of one event racing each other have one effect (the second one's
   insert fails on the primary key, or waits for the first to commit and then fails; it rolls
   back and answers 200);
5. the effect:
   - `account.updated`: `payees.update_from_account(status)` (the current payee with that
     account: payouts enabled, details submitted);
   - `transfer.created` / `transfer.updated` / `transfer.reversed`: the tranche named by the
     transfer's metadata `tranche_id`: if it is `processing` with no transfer id, and the
     transfer is its grant's (`transfer_group`, destination of course checked by the gateway's
     own records) for its amount, `payouts.settle(tranche, transfer)`; a transfer that does
     not match its tranche, or a second transfer for a tranche already paid with another, is
     flagged for finance (`needs_attention`), never settled;
     and when the transfer's reversed amount is more than the ledger holds for it,
     `ledger.record_reversal(tranche, transfer, amount_cents)` with the difference (so each
     reversal is recorded once, whatever order or number of events told of it), and the
     tranche is flagged for finance.
   Other types: 200, stored, no effect.

A temporary failure re-reading the object is a 503 with nothing stored: Stripe delivers again.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from incubator.core import audit
from incubator.core.money import format_cents
from incubator.extensions import db
from incubator.grants import gateway as gateways
from incubator.grants.gateway import AccountStatus, GatewayError, NotConfigured, Refused, Transfer
from incubator.grants.models import LedgerEntry, StripeEvent, Tranche
from incubator.grants.states import LedgerKind, TrancheStatus

TRANSFER_EVENTS = {"transfer.created", "transfer.updated", "transfer.reversed"}
HANDLED = TRANSFER_EVENTS | {"account.updated"}
ATTENTION_MAX = 500


@dataclass(frozen=True)
class Delivery:
    status: int
    outcome: str      # "handled", "duplicate", "ignored", "bad_signature", "not_configured", "retry"
    event_id: str = ""


def handle_delivery(payload: bytes, signature: str | None) -> Delivery:
    log = current_app.logger
    gateway = gateways.gateway()
    try:
        event = gateway.construct_event(payload, signature or "")
    except NotConfigured:
        log.warning("Stripe webhook refused: Stripe is not configured on this portal")
        return Delivery(400, "not_configured")
    except Refused as error:
        log.warning("Stripe webhook refused: %s", error.message)
        return Delivery(400, "bad_signature")
    event_id, type_ = str(event.get("id") or ""), str(event.get("type") or "")
    if not event_id.startswith("evt_"):
        log.warning("Stripe webhook refused: a signed payload without an event id")
        return Delivery(400, "bad_signature")
    if db.session.get(StripeEvent, event_id) is not None:
        return Delivery(200, "duplicate", event_id)

    obj = None
    if type_ in HANDLED:
        try:
            obj = gateway.retrieve_event_object(event)
        except GatewayError as error:
            log.warning("Stripe webhook %s (%s): could not re-read its object: %s", event_id, type_, error.message)
            return Delivery(503, "retry", event_id)

    object_id = str(((event.get("data") or {}).get("object") or {}).get("id") or "")[:255]
    # The event row is this transaction's first write (a plain flush, not a savepoint: SQLite's
    # driver would make an outermost SAVEPOINT's release a commit); a duplicate rolls it all back.
    try:
        db.session.add(StripeEvent(id=event_id[:255], type=type_[:100], object_id=object_id))
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return Delivery(200, "duplicate", event_id)

    if isinstance(obj, AccountStatus) and type_ == "account.updated":
        _account_updated(obj)
    elif isinstance(obj, Transfer) and type_ in TRANSFER_EVENTS:
        _transfer_changed(obj, event_id)
    else:
        return Delivery(200, "ignored", event_id)
    log.info("Stripe webhook %s (%s) handled", event_id, type_)
    return Delivery(200, "handled", event_id)


def _account_updated(status: AccountStatus) -> None:
    from incubator.grants import payees

    payees.update_from_account(status)


def _flag(tranche: Tranche, message: str, event_id: str) -> None:
    message = message[:ATTENTION_MAX]
    if tranche.needs_attention == message:
        return
    tranche.needs_attention = message
    audit.record(None, "grants.tranche.flagged", tranche, grant_id=tranche.grant_id,
                 reason=message, stripe_event=event_id)
    db.session.flush()


def _transfer_changed(transfer: Transfer, event_id: str) -> None:
    tranche_id = transfer.tranche_id
    tranche = db.session.get(Tranche, tranche_id) if tranche_id else None
    if tranche is None:
        current_app.logger.info("Stripe webhook %s: transfer %s names no tranche of ours", event_id, transfer.id)
        return
    db.session.refresh(tranche)   # the row as it is now, not as this session last saw it
    grant = tranche.grant
    if transfer.transfer_group != grant.transfer_group or transfer.amount_cents != tranche.amount_cents:
        _flag(tranche, f"Stripe transfer {transfer.id} names this tranche but is for "
                       f"{format_cents(transfer.amount_cents)} in group {transfer.transfer_group or 'none'}; "
                       f"the tranche is {format_cents(tranche.amount_cents)} of {grant.transfer_group}. "
                       "Check it in Stripe.", event_id)
        return
    if TrancheStatus(tranche.status) is TrancheStatus.processing and not tranche.transfer_id:
        from incubator.grants import payouts

        payouts.settle(tranche, transfer, actor=None)
        db.session.flush()
    elif tranche.transfer_id and tranche.transfer_id != transfer.id:
        _flag(tranche, f"A second Stripe transfer {transfer.id} names this tranche, already paid by "
                       f"{tranche.transfer_id}. Reverse one of them in Stripe.", event_id)
        return
    if tranche.transfer_id == transfer.id and transfer.reversed_cents:
        _reconcile_reversal(tranche, transfer, event_id)


def _reconcile_reversal(tranche: Tranche, transfer: Transfer, event_id: str) -> None:
    # Reversal lines are negative (a payment back); the absolute value tolerates either sign.
    recorded = abs(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_cents), 0))
        .where(LedgerEntry.transfer_id == transfer.id, LedgerEntry.kind == LedgerKind.reversal)) or 0)
    missing = transfer.reversed_cents - recorded
    if missing <= 0:
        return
    from incubator.grants import ledger

    ledger.record_reversal(tranche, transfer, missing)
    _flag(tranche, f"Stripe reversed {format_cents(transfer.reversed_cents)} of transfer {transfer.id} "
                   f"({format_cents(transfer.amount_cents)}). Decide with the grantee what happens next.",
          event_id)
