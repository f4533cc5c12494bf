"""A small Stripe-like gateway for the payouts tests: transfers with Stripe's idempotency
semantics (the first answer replayed for the same key, refusals included; the same key with
other parameters refused; a key in flight answers 409), a platform balance debited by
transfers, and scripted faults, each consumed by one `transfer` call:

- "drop_before": the connection drops before the request reaches the server (nothing made);
- "drop_after": the server makes (or replays) the transfer, then the answer is lost;
- "500", "409", "429": the server answers that status (after the SDK's own retries) without
  making anything.

`install(monkeypatch, fake)` makes `grants.gateway.gateway()` return it, and runs RQ's retries of
the payout job at once (no interval) so a burst worker finishes them.
"""
import itertools
import threading
from dataclasses import dataclass, field

from incubator.grants import gateway as gateways
from incubator.grants.gateway import AccountStatus, Refused, TemporaryFailure, Transfer

INSUFFICIENT = ("You have insufficient available funds in your Stripe account. Try adding funds directly to "
                "your available balance by creating Charges using the 4000000000000077 test card.")


@dataclass
class FakeGateway:
    balance_cents: int = 10**12
    faults: list = field(default_factory=list)
    transfers: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    list_calls: int = 0
    unreachable: bool = False
    name: str = "stripe"
    moves_money: bool = True

    def __post_init__(self):
        self._answers: dict[str, tuple] = {}
        self._in_flight: set[str] = set()
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.on_transfer = None  # a hook called inside the request (the server is "working")

    # -- transfers ---------------------------------------------------------------------------
    def transfer(self, *, amount_cents, currency, destination, idempotency_key, transfer_group, metadata):
        self.calls.append(idempotency_key)
        with self._lock:
            fault = self.faults.pop(0) if self.faults else None
        if fault == "drop_before":
            raise TemporaryFailure("Could not connect to Stripe (connection reset before the request was sent).")
        if fault in ("500", "409", "429"):
            raise TemporaryFailure(f"Stripe answered {fault}.")
        params = (amount_cents, currency, destination, transfer_group, tuple(sorted(metadata.items())))
        with self._lock:
            if idempotency_key in self._in_flight:
                raise TemporaryFailure("409: There is currently another in-progress request using this key.")
            answer = self._answers.get(idempotency_key)
            if answer is None:
                self._in_flight.add(idempotency_key)
        if answer is None:
            try:
                if self.on_transfer:
                    self.on_transfer()
                with self._lock:
                    if amount_cents > self.balance_cents:
                        answer = (params, Refused(INSUFFICIENT))
                    else:
                        self.balance_cents -= amount_cents
                        made = Transfer(id=f"tr_fake{next(self._ids):06d}", amount_cents=amount_cents,
                                        currency=currency, destination=destination, transfer_group=transfer_group,
                                        metadata=dict(metadata))
                        self.transfers.append(made)
                        answer = (params, made)
                    self._answers[idempotency_key] = answer
            finally:
                self._in_flight.discard(idempotency_key)
        if answer[0] != params:
            raise Refused("Keys for idempotent requests can only be used with the same parameters they were "
                          "first used with.")
        if fault == "drop_after":
            raise TemporaryFailure("The connection to Stripe dropped before its answer arrived.")
        if isinstance(answer[1], Refused):
            raise answer[1]
        return answer[1]

    def retrieve_transfer(self, transfer_id):
        return next(t for t in self.transfers if t.id == transfer_id)

    def transfers_in_group(self, transfer_group):
        self.list_calls += 1
        if self.unreachable:
            raise TemporaryFailure("Stripe could not be reached.")
        return [t for t in self.transfers if t.transfer_group == transfer_group]

    def make_transfer(self, *, amount_cents, destination, transfer_group, metadata):
        """A transfer made outside the payout job (e.g. by hand in Stripe's dashboard)."""
        made = Transfer(id=f"tr_fake{next(self._ids):06d}", amount_cents=amount_cents, currency="usd",
                        destination=destination, transfer_group=transfer_group, metadata=dict(metadata))
        self.transfers.append(made)
        return made

    # -- the rest of the interface ---------------------------------------------------------------
    def create_account(self, *, email, name):
        return f"acct_fake{next(self._ids):06d}"

    def account_link(self, account_id, *, refresh_url, return_url):
        return return_url

    def account_status(self, account_id):
        return AccountStatus(account_id, True, True)

    def construct_event(self, payload, signature):
        raise NotImplementedError

    def retrieve_event_object(self, event):
        raise NotImplementedError

    # -- what the tests check ------------------------------------------------------------------
    def transfers_for(self, tranche_id) -> list[Transfer]:
        return [t for t in self.transfers if t.metadata.get("tranche_id") == str(tranche_id)]

    def total_for_group(self, transfer_group) -> int:
        return sum(t.amount_cents for t in self.transfers if t.transfer_group == transfer_group)


def install(monkeypatch, app, fake: FakeGateway) -> FakeGateway:
    monkeypatch.setattr(gateways, "gateway", lambda: fake)
    monkeypatch.setitem(app.config, "PAYOUT_RETRY_INTERVALS", [0])
    return fake


# ---- a world ready to pay --------------------------------------------------------------------

def ready_to_pay(world, *, account_id="acct_bayou", payouts_enabled=True, positions=(1,)):
    """Accept the grant, connect a Stripe payee, approve the tranches at `positions` (requested by
    staff, approved by finance). Returns the approved tranches."""
    from incubator.grants.states import PayeeKind, TrancheStatus

    world.lead  # loaded first: GrantsWorld.accept() reads it after setting the status (an autoflush)
    world.accept()
    world.payee(PayeeKind.stripe, account_id=account_id, payouts_enabled=payouts_enabled)
    return [world.put(t, TrancheStatus.approved) for t in world.tranches if t.position in positions]


def queue_and_commit(*tranches):
    from incubator.extensions import db
    from incubator.grants import payouts

    for tranche in tranches:
        payouts.queue_payout(tranche)
    db.session.commit()


def fresh(tranche):
    from incubator.extensions import db
    from incubator.grants.models import Tranche

    db.session.expire_all()
    return db.session.get(Tranche, tranche.id)


def ledger_lines(grant_id=None):
    import sqlalchemy as sa

    from incubator.extensions import db
    from incubator.grants.models import LedgerEntry

    query = sa.select(LedgerEntry).order_by(LedgerEntry.id)
    if grant_id is not None:
        query = query.where(LedgerEntry.grant_id == grant_id)
    return db.session.scalars(query).all()


def assert_exactly_once(fake, world, tranches):
    """The fault matrix's ending: one transfer per tranche, each paid and in the ledger once,
    and the grant's transfers never above the award."""
    for tranche in tranches:
        made = fake.transfers_for(tranche.id)
        assert len(made) == 1, f"tranche {tranche.id}: {len(made)} transfers"
        tranche = fresh(tranche)
        assert tranche.status == "paid" and tranche.transfer_id == made[0].id
    assert fake.total_for_group(world.grant.transfer_group) <= world.grant.amount_cents
    lines = ledger_lines(world.grant.id)
    assert sorted(line.tranche_id for line in lines) == sorted(t.id for t in tranches)
    assert sum(line.amount_cents for line in lines) == sum(t.amount_cents for t in tranches)
