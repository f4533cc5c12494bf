"""A small Stripe-compatible HTTP server for tests, on 127.0.0.1, driven only through the real
`stripe` SDK (the portal's `StripeGateway` points at it with STRIPE_API_BASE).

It speaks the parts of Stripe's API the portal uses:

- accounts: POST /v1/accounts (type=express), GET /v1/accounts/<id>
- account links: POST /v1/account_links
- transfers: POST /v1/transfers, GET /v1/transfers/<id>, GET /v1/transfers (transfer_group,
  limit, starting_after; newest first, `has_more`), POST /v1/transfers/<id>/reversals
- balance: GET /v1/balance (transfers debit the available balance; a transfer beyond it is a
  400 `balance_insufficient`, worded as Stripe words it; reversals credit it back)
- events: GET /v1/events/<id>; every change makes an event (`account.updated`,
  `transfer.created`, `transfer.reversed`) and `signed(event)` signs a webhook payload as
  Stripe does (`Stripe-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>">`).

Bodies are form-encoded as the SDK sends them (`metadata[tranche_id]=7`); answers are JSON
shaped like Stripe's; errors are `{"error": {"type", "code", "message", "param"}}`; a wrong
Bearer key is a 401.

Idempotency, as Stripe does it: the first response to a POST with an `Idempotency-Key` is
stored (when the endpoint ran: a success or a 400 such as `balance_insufficient`, not a
validation error, a fault or a 5xx) and replayed for the same key, same status and body, with
`Idempotent-Replayed: true`; the same key with other parameters (or on another endpoint) is a
400 `idempotency_error`; a key whose first request is still executing gets a 409.

Scripted faults, per endpoint (names in ENDPOINTS), consumed in order, one per request:

    server.fault("transfers.create", DROP_BEFORE, 500)    # then requests are handled normally

- DROP_BEFORE: the connection is closed before anything happens (the client sees a network
  error; nothing was done);
- DROP_AFTER: the request is handled and committed (the transfer exists, the idempotent
  response stored), then the connection is closed without an answer;
- 500 / 503: an `api_error`, nothing done, nothing stored;
- 409: a `lock_timeout` conflict, nothing done;
- 429: a `lock_timeout` 429 with `Stripe-Should-Retry: true` (the SDK retries it);
  RATE_LIMIT: a plain `rate_limit` 429 (the SDK does NOT retry a 429 without that header);
- Delay(seconds): wait, then handle normally (for a concurrent request with the same key).

Counters: `transfers_for(tranche_id)`, `total_transferred` (cents, before reversals),
`requests` (every request seen: `Seen(endpoint, method, path, idempotency_key, params,
outcome)`), `count(endpoint)`.

The SDK's own retries sleep 0.5 s and more between attempts; `fast_sdk_retries()` (a context
manager, used by the fixture in tests/grants/stripe_fixtures.py) makes them a few milliseconds
by lowering `stripe._http_client.HTTPClient.INITIAL_DELAY`/`MAX_DELAY`, the SDK's own knobs.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

DROP_BEFORE = "drop_before"
DROP_AFTER = "drop_after"
RATE_LIMIT = "rate_limit"

SECRET_KEY = "sk_test_incubator_stripe_server"
WEBHOOK_SECRET = "whsec_incubator_stripe_server"

INSUFFICIENT = ("You have insufficient available funds in your Stripe account. Try adding funds "
                "directly to your available balance by creating Charges using the "
                "4000000000000077 test card. For more details, see "
                "https://stripe.com/docs/testing#available-balance")

ENDPOINTS = {
    # name: (method, path pattern)
    "accounts.create": ("POST", r"/v1/accounts"),
    "accounts.retrieve": ("GET", r"/v1/accounts/(?P<id>[^/]+)"),
    "account_links.create": ("POST", r"/v1/account_links"),
    "transfers.create": ("POST", r"/v1/transfers"),
    "transfers.list": ("GET", r"/v1/transfers"),
    "transfers.retrieve": ("GET", r"/v1/transfers/(?P<id>[^/]+)"),
    "reversals.create": ("POST", r"/v1/transfers/(?P<id>[^/]+)/reversals"),
    "balance.retrieve": ("GET", r"/v1/balance"),
    "events.retrieve": ("GET", r"/v1/events/(?P<id>[^/]+)"),
}


@dataclass(frozen=True)
class Delay:
    seconds: float


@dataclass
class Seen:
    endpoint: str | None
    method: str
    path: str
    idempotency_key: str | None
    params: dict
    outcome: str = ""   # "ok", "replayed", an error code, or the fault


class StripeError(Exception):
    def __init__(self, status: int, type_: str, message: str, code: str | None = None,
                 param: str | None = None, headers: dict | None = None, store: bool = False):
        super().__init__(message)
        self.status, self.type, self.message, self.code, self.param = status, type_, message, code, param
        self.headers = headers or {}
        self.store = store   # the endpoint ran: the idempotent response is kept

    def body(self) -> dict:
        error = {"type": self.type, "message": self.message}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}


def decode_form(text: str) -> dict:
    """`a[b][c]=1&expand[0]=x` -> {"a": {"b": {"c": "1"}}, "expand": ["x"]}."""
    out: dict = {}
    for key, value in parse_qsl(text, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise StripeError(400, "invalid_request_error", f"Invalid parameter: {key}")
        node[parts[-1] if parts else key] = value

    def lists(node):
        if isinstance(node, dict):
            node = {k: lists(v) for k, v in node.items()}
            if node and all(k.isdigit() for k in node):
                return [node[k] for k in sorted(node, key=int)]
        return node

    return lists(out)


class StripeServer:
    def __init__(self, *, secret_key: str = SECRET_KEY, webhook_secret: str = WEBHOOK_SECRET,
                 balance_cents: int = 10_000_000_00):
        self.secret_key, self.webhook_secret = secret_key, webhook_secret
        self.balance_cents = balance_cents
        self.accounts: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}
        self.events: dict[str, dict] = {}
        self.onboarding_links: dict[str, tuple[str, str]] = {}   # token -> (account id, return_url)
        self.requests: list[Seen] = []
        self._faults: dict[str, list] = {}
        self._idempotent: dict[str, tuple[str, int, dict]] = {}   # key -> (fingerprint, status, body)
        self._executing: set[str] = set()
        self._lock = threading.RLock()
        self._clock = int(time.time()) - 1000   # strictly increasing `created`
        self._connections: set = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life -------------------------------------------------------------------------------

    def start(self) -> "StripeServer":
        server = self

        class Handler(_Handler):
            stripe = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="stripe-server",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        with self._lock:   # kept-alive connections: their threads stop reading
            for connection in list(self._connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
            self._connections.clear()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # -- what a test drives -----------------------------------------------------------------

    def fault(self, endpoint: str, *faults) -> None:
        """Script faults for the next requests to `endpoint` (one per request, in order)."""
        if endpoint not in ENDPOINTS:
            raise KeyError(f"unknown endpoint {endpoint!r}; one of {sorted(ENDPOINTS)}")
        with self._lock:
            self._faults.setdefault(endpoint, []).extend(faults)

    def pending_faults(self, endpoint: str) -> list:
        with self._lock:
            return list(self._faults.get(endpoint, []))

    def count(self, endpoint: str, outcome: str | None = None) -> int:
        with self._lock:
            return sum(1 for seen in self.requests
                       if seen.endpoint == endpoint and (outcome is None or seen.outcome == outcome))

    def transfers_for(self, tranche_id) -> list[dict]:
        with self._lock:
            return [t for t in self.transfers.values()
                    if t["metadata"].get("tranche_id") == str(tranche_id)]

    @property
    def total_transferred(self) -> int:
        with self._lock:
            return sum(t["amount"] for t in self.transfers.values())

    def create_account(self, *, email: str = "lead@example.org", name: str = "A school",
                       ready: bool = True) -> dict:
        """An Express account made straight on the server (as if onboarding were done)."""
        with self._lock:
            account = self._new_account({"email": email, "business_profile": {"name": name}})
            if ready:
                self._set_account(account, payouts_enabled=True, details_submitted=True, event=False)
            return json.loads(json.dumps(account))

    def update_account(self, account_id: str, *, payouts_enabled: bool | None = None,
                       details_submitted: bool | None = None) -> dict:
        """Change an account (onboarding finished, payouts paused); returns the
        `account.updated` event made."""
        with self._lock:
            return self._set_account(self.accounts[account_id], payouts_enabled=payouts_enabled,
                                     details_submitted=details_submitted)

    def reverse(self, transfer_id: str, amount_cents: int | None = None) -> dict:
        """Reverse (part of) a transfer from Stripe's side; returns the `transfer.reversed` event."""
        with self._lock:
            transfer = self.transfers[transfer_id]
            self._reverse(transfer, {"amount": str(amount_cents)} if amount_cents else {})
            return self._last_event

    def make_event(self, type_: str, obj: dict, *, previous: dict | None = None) -> dict:
        with self._lock:
            return self._event(type_, obj, previous)

    def signed(self, event_or_payload, *, secret: str | None = None,
               timestamp: int | None = None) -> tuple[bytes, dict]:
        """(body, headers) of a webhook delivery signed as Stripe signs it."""
        payload = event_or_payload
        if isinstance(payload, dict):
            payload = json.dumps(payload, indent=2)
        if isinstance(payload, str):
            payload = payload.encode()
        timestamp = int(time.time()) if timestamp is None else timestamp
        signature = sign(payload, secret or self.webhook_secret, timestamp)
        return payload, {"Stripe-Signature": f"t={timestamp},v1={signature}",
                         "Content-Type": "application/json"}

    def events_of(self, type_: str) -> list[dict]:
        with self._lock:
            return [e for e in self.events.values() if e["type"] == type_]

    # -- the model --------------------------------------------------------------------------

    def _now(self) -> int:
        self._clock = max(self._clock + 1, int(time.time()))
        return self._clock

    @staticmethod
    def _id(prefix: str) -> str:
        return f"{prefix}_{secrets.token_hex(12)}"

    def _event(self, type_: str, obj: dict, previous: dict | None = None) -> dict:
        event = {"id": self._id("evt"), "object": "event", "api_version": "2025-01-27.acacia",
                 "created": self._now(), "livemode": False, "pending_webhooks": 1, "type": type_,
                 "request": {"id": None, "idempotency_key": None},
                 "data": {"object": json.loads(json.dumps(obj))}}
        if previous:
            event["data"]["previous_attributes"] = previous
        self.events[event["id"]] = event
        self._last_event = event
        return json.loads(json.dumps(event))

    def _new_account(self, params: dict) -> dict:
        profile = params.get("business_profile") or {}
        account = {
            "id": self._id("acct"), "object": "account", "type": params.get("type", "express"),
            "email": params.get("email"), "country": params.get("country", "US"),
            "business_profile": {"name": profile.get("name"), "url": profile.get("url")},
            "charges_enabled": False, "payouts_enabled": False, "details_submitted": False,
            "capabilities": {"transfers": "inactive"}, "created": self._now(),
            "metadata": params.get("metadata") or {}, "default_currency": "usd",
        }
        self.accounts[account["id"]] = account
        return account

    def _set_account(self, account, *, payouts_enabled=None, details_submitted=None, event=True):
        previous = {}
        if payouts_enabled is not None:
            previous["payouts_enabled"] = account["payouts_enabled"]
            account["payouts_enabled"] = bool(payouts_enabled)
            account["capabilities"]["transfers"] = "active" if payouts_enabled else "inactive"
        if details_submitted is not None:
            previous["details_submitted"] = account["details_submitted"]
            account["details_submitted"] = bool(details_submitted)
        return self._event("account.updated", account, previous) if event else None

    def _transfer(self, params: dict) -> dict:
        amount = _amount(params.get("amount"), "amount")
        currency = (params.get("currency") or "").lower()
        if not currency:
            raise StripeError(400, "invalid_request_error", "Missing required param: currency.",
                              "parameter_missing", "currency")
        if currency != "usd":
            raise StripeError(400, "invalid_request_error", f"Invalid currency: {currency}.",
                              "parameter_invalid", "currency")
        destination = params.get("destination")
        if not destination:
            raise StripeError(400, "invalid_request_error", "Missing required param: destination.",
                              "parameter_missing", "destination")
        account = self.accounts.get(destination)
        if account is None:
            raise StripeError(400, "invalid_request_error", f"No such destination: '{destination}'",
                              "resource_missing", "destination", store=True)
        if account["capabilities"]["transfers"] != "active":
            raise StripeError(400, "invalid_request_error",
                              "Your destination account needs to have at least one of the following "
                              "capabilities enabled: transfers, crypto_transfers, legacy_payments",
                              "insufficient_capabilities_for_transfer", "destination", store=True)
        if amount > self.balance_cents:
            raise StripeError(400, "invalid_request_error", INSUFFICIENT, "balance_insufficient",
                              store=True)
        self.balance_cents -= amount
        transfer = {
            "id": self._id("tr"), "object": "transfer", "amount": amount, "amount_reversed": 0,
            "balance_transaction": self._id("txn"), "created": self._now(), "currency": currency,
            "description": params.get("description"), "destination": destination,
            "destination_payment": self._id("py"), "livemode": False,
            "metadata": _strings(params.get("metadata") or {}),
            "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                          "url": ""},
            "reversed": False, "source_transaction": None, "source_type": "card",
            "transfer_group": params.get("transfer_group"),
        }
        transfer["reversals"]["url"] = f"/v1/transfers/{transfer['id']}/reversals"
        self.transfers[transfer["id"]] = transfer
        self._event("transfer.created", transfer)
        return transfer

    def _reverse(self, transfer: dict, params: dict) -> dict:
        left = transfer["amount"] - transfer["amount_reversed"]
        amount = _amount(params["amount"], "amount") if params.get("amount") else left
        if amount > left:
            raise StripeError(400, "invalid_request_error",
                              f"Amount ({amount}) is greater than the amount left to reverse ({left}).",
                              "parameter_invalid", "amount", store=True)
        reversal = {"id": self._id("trr"), "object": "transfer_reversal", "amount": amount,
                    "balance_transaction": self._id("txn"), "created": self._now(),
                    "currency": transfer["currency"], "destination_payment_refund": self._id("pyr"),
                    "metadata": _strings(params.get("metadata") or {}), "source_refund": None,
                    "transfer": transfer["id"]}
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, reversal)
        transfer["reversals"]["total_count"] += 1
        self.balance_cents += amount
        self._event("transfer.reversed", transfer)
        return reversal

    def _not_found(self, kind: str, id_: str):
        return StripeError(404, "invalid_request_error", f"No such {kind}: '{id_}'",
                           "resource_missing", "id")

    def handle(self, endpoint: str, match: dict, params: dict) -> tuple[int, dict]:
        with self._lock:
            if endpoint == "accounts.create":
                if params.get("type", "express") != "express":
                    raise StripeError(400, "invalid_request_error", "Only Express accounts here.",
                                      "parameter_invalid", "type")
                account = self._new_account(params)
                return 200, account
            if endpoint == "accounts.retrieve":
                account = self.accounts.get(match["id"])
                if account is None:
                    raise StripeError(403, "invalid_request_error",
                                      "The provided key does not have access to account "
                                      f"'{match['id']}' (or that account does not exist). "
                                      "Application access may have been revoked.",
                                      "account_invalid")
                return 200, account
            if endpoint == "account_links.create":
                account_id = params.get("account")
                if account_id not in self.accounts:
                    raise StripeError(400, "invalid_request_error", f"No such account: '{account_id}'",
                                      "resource_missing", "account")
                for name in ("refresh_url", "return_url"):
                    if not params.get(name):
                        raise StripeError(400, "invalid_request_error",
                                          f"Missing required param: {name}.", "parameter_missing", name)
                if params.get("type") not in ("account_onboarding", "account_update"):
                    raise StripeError(400, "invalid_request_error", "Invalid type.",
                                      "parameter_invalid", "type")
                now = self._now()
                token = secrets.token_hex(8)
                self.onboarding_links[token] = (account_id, params["return_url"])
                return 200, {"object": "account_link", "created": now, "expires_at": now + 300,
                             "url": f"{self.url}/setup/e/{account_id}/{token}"}
            if endpoint == "transfers.create":
                return 200, self._transfer(params)
            if endpoint == "transfers.retrieve":
                transfer = self.transfers.get(match["id"])
                if transfer is None:
                    raise self._not_found("transfer", match["id"])
                return 200, transfer
            if endpoint == "transfers.list":
                rows = sorted(self.transfers.values(), key=lambda t: (t["created"], t["id"]),
                              reverse=True)
                if params.get("transfer_group"):
                    rows = [t for t in rows if t["transfer_group"] == params["transfer_group"]]
                if params.get("destination"):
                    rows = [t for t in rows if t["destination"] == params["destination"]]
                after = params.get("starting_after")
                if after:
                    ids = [t["id"] for t in rows]
                    if after not in ids:
                        raise self._not_found("transfer", after)
                    rows = rows[ids.index(after) + 1:]
                limit = _amount(params.get("limit") or "10", "limit")
                if limit > 100:
                    raise StripeError(400, "invalid_request_error",
                                      "This value must be less than or equal to 100.",
                                      "parameter_invalid_integer", "limit")
                return 200, {"object": "list", "url": "/v1/transfers", "has_more": len(rows) > limit,
                             "data": rows[:limit]}
            if endpoint == "reversals.create":
                transfer = self.transfers.get(match["id"])
                if transfer is None:
                    raise self._not_found("transfer", match["id"])
                return 200, self._reverse(transfer, params)
            if endpoint == "balance.retrieve":
                return 200, {"object": "balance", "livemode": False,
                             "available": [{"amount": self.balance_cents, "currency": "usd",
                                            "source_types": {"card": self.balance_cents}}],
                             "pending": [{"amount": 0, "currency": "usd",
                                          "source_types": {"card": 0}}]}
            if endpoint == "events.retrieve":
                event = self.events.get(match["id"])
                if event is None:
                    raise self._not_found("event", match["id"])
                return 200, event
        raise StripeError(404, "invalid_request_error", "Unrecognized request URL.")

    def next_fault(self, endpoint: str):
        with self._lock:
            queue = self._faults.get(endpoint)
            return queue.pop(0) if queue else None


def sign(payload: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()


def _amount(value, name: str) -> int:
    if value is None or value == "":
        raise StripeError(400, "invalid_request_error", f"Missing required param: {name}.",
                          "parameter_missing", name)
    if not re.fullmatch(r"\d{1,12}", str(value)) or int(value) <= 0:
        raise StripeError(400, "invalid_request_error", "Invalid positive integer",
                          "parameter_invalid_integer", name)
    return int(value)


def _strings(metadata: dict) -> dict:
    if not isinstance(metadata, dict):
        raise StripeError(400, "invalid_request_error", "Invalid object", "parameter_invalid", "metadata")
    return {str(k): str(v) for k, v in metadata.items()}


def _fingerprint(method: str, path: str, params: dict) -> str:
    return json.dumps([method, path, params], sort_keys=True)


class _Handler(BaseHTTPRequestHandler):
    stripe: StripeServer
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):   # quiet
        pass

    def setup(self):
        super().setup()
        with self.stripe._lock:
            self.stripe._connections.add(self.connection)

    def finish(self):
        with self.stripe._lock:
            self.stripe._connections.discard(self.connection)
        super().finish()

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def do_DELETE(self):
        self._serve("DELETE")

    def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
        if self._drop_answer:   # DROP_AFTER: it happened; the client never hears so
            return self._drop()
        data = json.dumps(body, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Headers and body in one write (two small writes meet delayed ACKs: 40 ms a request).
        self._headers_buffer.append(b"\r\n" + data)
        self.flush_headers()

    def _onboard(self, token: str) -> None:
        """Stripe's hosted onboarding, finished at once: the account can be paid (an
        account.updated event), and the browser goes back to the link's return_url."""
        server = self.stripe
        with server._lock:
            found = server.onboarding_links.pop(token, None)
            if found is not None:
                server._set_account(server.accounts[found[0]], payouts_enabled=True, details_submitted=True)
        if found is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(302)
        self.send_header("Location", found[1])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _serve(self, method: str) -> None:
        self._drop_answer = False
        server = self.stripe
        url = urlsplit(self.path)
        if method == "GET" and url.path.startswith("/setup/e/"):
            return self._onboard(url.path.rsplit("/", 1)[-1])
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        endpoint, match = None, {}
        for name, (verb, pattern) in ENDPOINTS.items():
            found = re.fullmatch(pattern, url.path)
            if verb == method and found:
                endpoint, match = name, found.groupdict()
                break
        try:
            params = decode_form(raw if method == "POST" else url.query)
        except StripeError as error:
            params = {}
            seen = Seen(endpoint, method, url.path, key, params, "invalid_form")
            server.requests.append(seen)
            return self._send(error.status, error.body())
        seen = Seen(endpoint, method, url.path, key, params)
        with server._lock:
            server.requests.append(seen)

        auth = self.headers.get("Authorization", "")
        if auth != f"Bearer {server.secret_key}":
            seen.outcome = "unauthorized"
            shown = auth.removeprefix("Bearer ")[:12]
            return self._send(401, {"error": {"type": "invalid_request_error",
                                              "message": f"Invalid API Key provided: {shown}****"}})
        if endpoint is None:
            seen.outcome = "unrecognized"
            return self._send(404, {"error": {"type": "invalid_request_error",
                                              "message": f"Unrecognized request URL ({method}: {url.path})."}})

        fault = server.next_fault(endpoint)
        delay = 0.0
        if isinstance(fault, Delay):   # waited out while the request executes (its key in use)
            delay, fault = fault.seconds, None
        seen.outcome = str(fault) if fault is not None else ""
        self._drop_answer = fault == DROP_AFTER
        if fault == DROP_BEFORE:
            return self._drop()
        if fault in (500, 503):
            return self._send(fault, {"error": {"type": "api_error",
                                                "message": "An unknown error occurred"}})
        if fault == 409:
            return self._send(409, {"error": {"type": "invalid_request_error", "code": "lock_timeout",
                                              "message": "This object cannot be accessed right now "
                                                         "because another API request or Stripe "
                                                         "process is currently accessing it."}})
        if fault == 429:
            return self._send(429, {"error": {"type": "invalid_request_error", "code": "lock_timeout",
                                              "message": "This object cannot be accessed right now "
                                                         "because another API request or Stripe "
                                                         "process is currently accessing it."}},
                              {"Stripe-Should-Retry": "true"})
        if fault == RATE_LIMIT:
            return self._send(429, {"error": {"type": "invalid_request_error", "code": "rate_limit",
                                              "message": "Too many requests hit the API too quickly."}})

        fingerprint = _fingerprint(method, url.path, params)
        if key is not None:
            with server._lock:
                stored = server._idempotent.get(key)
                if stored is None and key in server._executing:
                    seen.outcome = "idempotency_key_in_use"
                    return self._send(409, {"error": {
                        "type": "idempotency_error", "code": "idempotency_key_in_use",
                        "message": "There is currently another in-progress request using this "
                                   f"Idempotent Key (that probably means you submitted twice, and "
                                   f"the other request is still going through): {key}. Please try "
                                   "again later."}})
                if stored is not None:
                    if stored[0] != fingerprint:
                        seen.outcome = "idempotency_error"
                        return self._send(400, {"error": {
                            "type": "idempotency_error",
                            "message": "Keys for idempotent requests can only be used with the same "
                                       "parameters they were first used with. Try using a key other "
                                       f"than '{key}' if you meant to execute a different request."}})
                    seen.outcome = "replayed"
                    return self._send(stored[1], stored[2], {"Idempotent-Replayed": "true",
                                                             "Idempotency-Key": key})
                server._executing.add(key)
        try:
            if delay:
                time.sleep(delay)
            try:
                status, body = server.handle(endpoint, match, params)
                store = True
            except StripeError as error:
                status, body, store = error.status, error.body(), error.store
                seen.outcome = seen.outcome or (error.code or error.type)
            body = json.loads(json.dumps(body))
            if key is not None and store:
                with server._lock:
                    server._idempotent[key] = (fingerprint, status, body)
        finally:
            if key is not None:
                with server._lock:
                    server._executing.discard(key)
        seen.outcome = seen.outcome or "ok"
        headers = {"Idempotency-Key": key} if key else {}
        return self._send(status, body, headers)


@contextlib.contextmanager
def fast_sdk_retries(seconds: float = 0.005):
    """The SDK sleeps INITIAL_DELAY (0.5 s), doubling up to MAX_DELAY, between its retries; make
    it `seconds` (it never sleeps less than INITIAL_DELAY)."""
    from stripe._http_client import HTTPClient

    saved = HTTPClient.INITIAL_DELAY, HTTPClient.MAX_DELAY
    HTTPClient.INITIAL_DELAY, HTTPClient.MAX_DELAY = seconds, seconds
    try:
        yield
    finally:
        HTTPClient.INITIAL_DELAY, HTTPClient.MAX_DELAY = saved

