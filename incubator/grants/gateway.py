"""One payment gateway interface, two implementations: Stripe (`stripe_gateway`, Connect
transfers through the official SDK; the only module of the portal that imports `stripe`) and
manual (finance pays outside the portal and types the reference).

`gateway()` picks Stripe when STRIPE_SECRET_KEY is set, else the manual gateway (the embedded
default of `make run`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from flask import current_app


class GatewayError(Exception):
    """The gateway did not do what was asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TemporaryFailure(GatewayError):
    """A network error, a 5xx, a 409 or a 429 that outlasted the SDK's own retries: try again
    later with the same idempotency key (it may have happened)."""


class Refused(GatewayError):
    """A 4xx (for example an insufficient platform balance): it did not happen and will not by
    retrying the same request. `message` is the gateway's, for finance to read."""


class NotConfigured(GatewayError):
    """This gateway cannot do that (the manual gateway has no accounts or transfers)."""


@dataclass(frozen=True)
class AccountStatus:
    account_id: str
    payouts_enabled: bool
    details_submitted: bool


@dataclass(frozen=True)
class Transfer:
    id: str
    amount_cents: int
    currency: str
    destination: str
    transfer_group: str | None
    metadata: dict = field(default_factory=dict)
    reversed_cents: int = 0

    @property
    def tranche_id(self) -> int | None:
        value = self.metadata.get("tranche_id")
        return int(value) if value and str(value).isdigit() else None


class Gateway(Protocol):
    name: str          # "stripe" or "manual"
    moves_money: bool  # True: approval queues a payout job; False: finance records the payment

    def create_account(self, *, email: str, name: str) -> str: ...

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str: ...

    def account_status(self, account_id: str) -> AccountStatus: ...

    def transfer(self, *, amount_cents: int, currency: str, destination: str, idempotency_key: str,
                 transfer_group: str, metadata: dict) -> Transfer: ...

    def retrieve_transfer(self, transfer_id: str) -> Transfer: ...

    def transfers_in_group(self, transfer_group: str) -> list[Transfer]: ...

    def construct_event(self, payload: bytes, signature: str) -> dict: ...

    def retrieve_event_object(self, event: dict): ...


class ManualGateway:
    """No money moves through the portal: a payee is paid outside it and finance records the
    reference. Everything that would call Stripe says it is not configured."""

    name = "manual"
    moves_money = False

    def _no(self, *args, **kwargs):
        raise NotConfigured("Stripe is not configured on this portal (STRIPE_SECRET_KEY is unset): "
                            "payees are paid outside the portal and finance records each payment.")

    create_account = account_link = account_status = transfer = retrieve_transfer = _no
    transfers_in_group = construct_event = retrieve_event_object = _no


def gateway() -> Gateway:
    if current_app.config.get("STRIPE_SECRET_KEY"):
        from incubator.grants.stripe_gateway import StripeGateway

        return StripeGateway.from_config(current_app.config)
    return ManualGateway()
