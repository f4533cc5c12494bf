"""A tiny gateway implementing the protocol (accounts and links only) for the payee tests; the
stripe area's Stripe-compatible server comes later."""
from incubator.grants.gateway import AccountStatus, NotConfigured


class FakeGateway:
    name = "stripe"
    moves_money = True

    def __init__(self):
        self.accounts: dict[str, AccountStatus] = {}
        self.links: list[tuple[str, str, str]] = []
        self.fail_next: Exception | None = None

    def _maybe_fail(self):
        if self.fail_next is not None:
            error, self.fail_next = self.fail_next, None
            raise error

    def create_account(self, *, email: str, name: str) -> str:
        self._maybe_fail()
        account_id = f"acct_fake{len(self.accounts) + 1}"
        self.accounts[account_id] = AccountStatus(account_id, False, False)
        return account_id

    def account_link(self, account_id: str, *, refresh_url: str, return_url: str) -> str:
        self._maybe_fail()
        self.links.append((account_id, refresh_url, return_url))
        return f"https://connect.stripe.test/setup/{account_id}/{len(self.links)}"

    def account_status(self, account_id: str) -> AccountStatus:
        self._maybe_fail()
        return self.accounts[account_id]

    def finish(self, account_id: str, *, enabled=True):
        self.accounts[account_id] = AccountStatus(account_id, enabled, True)

    def _no(self, *args, **kwargs):
        raise NotConfigured("not in the fake")

    transfer = retrieve_transfer = transfers_in_group = construct_event = retrieve_event_object = _no


def install_fake_gateway(monkeypatch) -> FakeGateway:
    from incubator.grants import payee_views, payees

    fake = FakeGateway()
    monkeypatch.setattr(payees, "gateway", lambda: fake)
    monkeypatch.setattr(payee_views, "gateway", lambda: fake)
    return fake


