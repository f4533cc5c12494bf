"""The Stripe gateway: Connect Express accounts and transfers through the official SDK. The only
module of the portal that imports `stripe`.

The client retries network errors, 409s, 5xx and 429s Stripe marks `Stripe-Should-Retry: true`
itself (`max_network_retries=2`), always with the idempotency key we give, so a retry replays
rather than pays again. What outlasts those retries is a `TemporaryFailure` (try later with the
same key); any other 4xx is `Refused` with Stripe's message for finance to read (an
`idempotency_error` too: our key reused with other parameters is a bug finance must see).
"""
from __future__ import annotations

import stripe

from incubator.grants.gateway import AccountStatus, GatewayError, Refused, TemporaryFailure, Transfer

MAX_NETWORK_RETRIES = 2


def _message(error: stripe.StripeError) -> str:
    return (getattr(error, "user_message", None) or str(error._message or "")
            or f"Stripe answered {error.http_status or 'nothing'}")


def _translate(error: stripe.StripeError) -> GatewayError:
    status = error.http_status
    message = _message(error)
    if isinstance(error, (stripe.APIConnectionError, stripe.RateLimitError)):
        return TemporaryFailure(message)
    if status is None or status == 409 or status == 429 or status >= 500:
        return TemporaryFailure(message)
    return Refused(message)


class _Translated:
    """A context in which every Stripe error becomes a gateway error."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, tb):
        if error is not None and isinstance(error, stripe.StripeError):
            raise _translate(error) from error
        return False


def _plain(obj) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _transfer(obj) -> Transfer:
    obj = _plain(obj)
    metadata = obj.get("metadata") or {}
    return Transfer(
        id=obj["id"], amount_cents=int(obj["amount"]), currency=obj["currency"],
        destination=obj.get("destination") if isinstance(obj.get("destination"), str)
        else (obj.get("destination") or {}).get("id"),
        transfer_group=obj.get("transfer_group"),
        metadata={str(k): str(v) for k, v in dict(metadata).items()},
        reversed_cents=int(obj.get("amount_reversed") or 0),
    )


class StripeGateway:
    name = "stripe"
    moves_money = True

    def __init__(self, secret_key: str, *, webhook_secret: str | None = None,
                 api_base: str | None = None, max_network_retries: int = MAX_NETWORK_RETRIES):
        options = {"max_network_retries": max_network_retries}
        if api_base:
            options["base_addresses"] = {"api": api_base.rstrip("/")}
        self.client = stripe.StripeClient(secret_key, **options)
        self.webhook_secret = webhook_secret

    @classmethod
    def from_config(cls, config) -> "StripeGateway":
        return cls(config["STRIPE_SECRET_KEY"], webhook_secret=config.get("STRIPE_WEBHOOK_SECRET"),
                   api_base=config.get("STRIPE_API_BASE"))

    # -- accounts ---------------------------------------------------------------------------

    def create_account(self, *, email: str, name: str) -> str:
        with _Translated():
            account = self.client.v1.accounts.create(params={
                "type": "express", "email": email, "business_profile": {"name": name[:200]},
                "capabilities": {"transfers": {"requested": True}},
            })
        return account.id

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        with _Translated():
            link = self.client.v1.account_links.create(params={
                "account": account_id, "refresh_url": refresh_url, "return_url": return_url,
                "type": "account_onboarding",
            })
        return link.url

    def account_status(self, account_id: str) -> AccountStatus:
        with _Translated():
            account = _plain(self.client.v1.accounts.retrieve(account_id))
        return AccountStatus(account_id=account["id"], payouts_enabled=bool(account.get("payouts_enabled")),
                             details_submitted=bool(account.get("details_submitted")))

    # -- transfers --------------------------------------------------------------------------

    def transfer(self, *, amount_cents: int, currency: str, destination: str, idempotency_key: str,
                 transfer_group: str, metadata: dict) -> Transfer:
        if not idempotency_key:
            raise ValueError("a transfer needs the tranche's idempotency key")
        with _Translated():
            obj = self.client.v1.transfers.create(
                params={"amount": int(amount_cents), "currency": currency.lower(),
                        "destination": destination, "transfer_group": transfer_group,
                        "metadata": {str(k): str(v) for k, v in metadata.items()}},
                options={"idempotency_key": idempotency_key},
            )
        return _transfer(obj)

    def retrieve_transfer(self, transfer_id: str) -> Transfer:
        with _Translated():
            return _transfer(self.client.v1.transfers.retrieve(transfer_id))

    def transfers_in_group(self, transfer_group: str) -> list[Transfer]:
        with _Translated():
            page = self.client.v1.transfers.list(params={"transfer_group": transfer_group, "limit": 100})
            return [_transfer(obj) for obj in page.auto_paging_iter()]

    # -- webhooks ---------------------------------------------------------------------------

    def construct_event(self, payload: bytes, signature: str) -> dict:
        """The event of a webhook delivery, or `Refused` when its signature is missing, wrong or
        too old (Stripe's default tolerance, five minutes)."""
        if not self.webhook_secret:
            raise Refused("STRIPE_WEBHOOK_SECRET is not set: webhook deliveries cannot be verified.")
        try:
            event = stripe.Webhook.construct_event(payload, signature or "", self.webhook_secret)
        except stripe.SignatureVerificationError as error:
            raise Refused(f"Bad signature: {error._message}") from error
        except ValueError as error:
            raise Refused(f"Not a Stripe event: {error}") from error
        return _plain(event)

    def retrieve_event_object(self, event: dict):
        """Re-read the event's object from the API (never trust the payload): an `AccountStatus`
        for an account, a `Transfer` for a transfer, else the event re-read from the API."""
        obj = (event.get("data") or {}).get("object") or {}
        kind, object_id = obj.get("object"), obj.get("id")
        if kind == "account" and object_id:
            return self.account_status(object_id)
        if kind == "transfer" and object_id:
            return self.retrieve_transfer(object_id)
        with _Translated():
            return _plain(self.client.v1.events.retrieve(event["id"]))
