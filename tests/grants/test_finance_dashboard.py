"""The finance dashboard (pools, tranches by state, awaiting approval, failures, upcoming due
dates, filters, the paginated list), its CSV exports (formula-safe), who may see them, and the
statement count that does not grow with the number of tranches."""
import csv
import io
from datetime import timedelta

import pytest

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import dashboard
from incubator.grants.models import LedgerEntry
from incubator.grants.states import GrantStatus, LedgerKind, PayeeKind, TrancheStatus
from tests.grants import finance_fakes
from tests.grants.finance_fakes import accept, put

# Fixtures of the fakes (see finance_fakes).
payouts_contract = finance_fakes.payouts_contract


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.fixture
def busy(grants_world, make_grants_world):
    """The world's grant accepted with its first tranche paid by hand (and its ledger line) and
    its second requested by program staff."""
    accept(grants_world)
    first, second, third = grants_world.tranches
    put(grants_world, first, TrancheStatus.paid, manual_reference="Cheque 1")
    put(grants_world, second, TrancheStatus.requested, due_on=(utcnow() + timedelta(days=10)).date())
    payee = grants_world.payee(PayeeKind.manual)
    db.session.add(LedgerEntry(organisation_id=grants_world.org.id, grant_id=grants_world.grant.id,
                               tranche_id=first.id, payee_id=payee.id, kind=LedgerKind.manual_payment,
                               amount_cents=first.amount_cents, reference="Cheque 1",
                               approved_by_id=grants_world.finance.id, recorded_by_id=grants_world.finance2.id))
    db.session.commit()
    return grants_world


def test_the_dashboard_shows_pools_states_and_what_awaits_approval(busy, make_client):
    page = make_client(busy.finance2).get(f"/grants/finance/{busy.org.id}")
    assert page.status_code == 200
    text = page.text
    # The pool: $500,000 budget, $100,000 committed, $40,000 paid, $400,000 available.
    assert busy.challenge.title in text
    for figure in ("$500,000", "$100,000", "$40,000", "$400,000"):
        assert figure in text
    assert "Awaiting your approval (1)" in text and "requested by Sam Staff" in text


def test_the_figures_are_the_sums_by_state(busy, make_grants_world):
    other = make_grants_world(busy.org, busy.staff, busy.finance)  # an offer, three scheduled tranches
    states = {s.status: (s.count, s.amount_cents) for s in dashboard.by_state(busy.org.id)}
    assert states[TrancheStatus.paid] == (1, 40_000_00)
    assert states[TrancheStatus.requested] == (1, 30_000_00)
    assert states[TrancheStatus.scheduled] == (4, 30_000_00 + 100_000_00)
    assert states[TrancheStatus.failed] == (0, 0)
    pools = {p.challenge_id: p for p in dashboard.pools(busy.org.id)}
    assert (pools[busy.challenge.id].committed_cents, pools[busy.challenge.id].paid_cents) == (100_000_00, 40_000_00)
    assert pools[other.challenge.id].available_cents == 400_000_00
    put(busy, busy.tranches[2], TrancheStatus.cancelled)
    assert {p.challenge_id: p for p in dashboard.pools(busy.org.id)}[busy.challenge.id].committed_cents == 70_000_00
    db.session.refresh(other.grant)
    other.grant.status = GrantStatus.withdrawn
    db.session.commit()
    assert {p.challenge_id: p for p in dashboard.pools(busy.org.id)}[other.challenge.id].committed_cents == 0


def test_the_requester_does_not_see_their_own_request_as_awaiting_them(busy):
    awaiting, total = dashboard.awaiting_approval(busy.org.id, busy.staff)
    assert total == 0 and awaiting == []
    awaiting, total = dashboard.awaiting_approval(busy.org.id, busy.finance)
    assert total == 1 and awaiting[0].tranche.id == busy.tranches[1].id and awaiting[0].requested_by == "Sam Staff"


def test_failures_show_stripe_message_and_needs_attention_and_upcoming_due(grants_world, make_client):
    accept(grants_world)
    first, second, third = grants_world.tranches
    put(grants_world, first, TrancheStatus.failed, failure_message="Your platform balance is insufficient.",
        failed_at=utcnow())
    put(grants_world, third, TrancheStatus.scheduled, needs_attention="Two transfers found in grant-1")
    put(grants_world, second, TrancheStatus.scheduled, due_on=(utcnow() + timedelta(days=20)).date())
    text = make_client(grants_world.finance).get(f"/grants/finance/{grants_world.org.id}").text
    assert "Your platform balance is insufficient." in text
    assert "Needs attention:</strong> Two transfers found in grant-1" in text
    assert "Due in the next 60 days" in text and f"tranche {second.position}" in text
    put(grants_world, second, TrancheStatus.scheduled, due_on=(utcnow() + timedelta(days=90)).date())
    assert dashboard.upcoming(grants_world.org.id, utcnow().date()) == []


def test_filters_narrow_the_counts_and_the_list_and_hostile_values_are_ignored(busy, make_client):
    client = make_client(busy.finance)
    base = f"/grants/finance/{busy.org.id}"
    filtered = client.get(f"{base}?state=paid")
    assert filtered.status_code == 200 and "(filtered)" in filtered.text and "Clear filters" in filtered.text
    assert [s.count for s in dashboard.by_state(busy.org.id, dashboard.Filters(state=TrancheStatus.paid))
            if s.count] == [1]
    for query in ("state=%00x", "challenge=99999999999999", "challenge=%D9%A1", "kind=<script>", "page=-4",
                  "state=paid&challenge=1&kind=launch&page=999999999"):
        response = client.get(f"{base}?{query}")
        assert response.status_code == 200, query
        assert "<script>" not in response.text


def test_the_list_is_paginated(busy, make_client, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    text = make_client(busy.finance).get(f"/grants/finance/{busy.org.id}").text
    assert "Page 1 of 2" in text and "Next" in text


def test_an_empty_organisation_shows_empty_states(org, finance, make_client):
    text = make_client(finance).get(f"/grants/finance/{org.id}").text
    assert "Nothing awaits your approval" in text and "No grant of this organization has tranches yet." in text


def test_finance_home_sends_finance_to_their_dashboard_and_others_get_404(busy, make_client, make_user):
    response = make_client(busy.finance).get("/grants/finance")
    assert response.status_code == 302 and response.location.endswith(f"/grants/finance/{busy.org.id}")
    for user in (busy.staff, busy.lead, make_user("nobody@example.org")):
        assert make_client(user).get("/grants/finance").status_code == 404


def test_only_finance_of_the_organisation_and_admins_see_the_dashboard_and_csv(busy, make_client, make_user,
                                                                               make_org, make_grants_world, admin):
    elsewhere = make_grants_world(make_org("Elsewhere", slug="elsewhere"))
    for suffix in ("", "/tranches.csv", "/ledger.csv"):
        url = f"/grants/finance/{busy.org.id}{suffix}"
        for user in (elsewhere.finance, busy.staff, busy.lead, make_user(f"n{suffix}@example.org")):
            assert make_client(user).get(url).status_code == 404, (user.email, url)
        assert make_client(admin).get(url).status_code == 200
        assert make_client(busy.finance).get(url).status_code == 200
    assert make_client().get(f"/grants/finance/{busy.org.id}").status_code in (302, 404)
    assert make_client(busy.finance).get("/grants/finance/99999999999").status_code == 404


def test_a_finance_user_without_two_factor_is_sent_to_set_it_up(busy, make_client):
    client = make_client(busy.finance)
    busy.finance.two_factor_enabled_at = None
    db.session.commit()
    response = client.get(f"/grants/finance/{busy.org.id}")
    assert response.status_code == 302 and "/account/two-factor/setup" in response.location


def test_the_tranche_csv_has_every_tranche_in_dollars_and_is_formula_safe(busy, make_client):
    busy.application.school_name = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    rows = _rows(make_client(busy.finance).get(f"/grants/finance/{busy.org.id}/tranches.csv"))
    assert rows[0][:6] == ["Grant", "Grantee", "Challenge", "Kind", "Tranche", "Amount (USD)"]
    assert len(rows) == 4
    first = rows[1]
    assert first[1] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert first[4:6] == ["1", "40000.00"] and first[8] == "Paid" and first[-1] == "Cheque 1"
    assert rows[2][8] == "Awaiting approval" and rows[2][9] == "Sam Staff"


def test_the_ledger_csv_has_each_movement_with_who_approved_and_recorded_it(busy, make_client):
    response = make_client(busy.finance).get(f"/grants/finance/{busy.org.id}/ledger.csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert rows[0] == ["Date", "Grant", "Grantee", "Tranche", "Kind", "Amount (USD)", "Transfer id or reference",
                       "Approved by", "Recorded by"]
    line = rows[1]
    assert line[3:] == ["1", "Outside payment", "40000.00", "Cheque 1", busy.finance.name, busy.finance2.name]


def test_the_statement_count_does_not_grow_with_the_number_of_tranches(grants_world, make_grants_world,
                                                                      make_client, count_statements):
    """5 grants then 50 (15 then 150 tranches, in every state): the same statements per page."""
    client = make_client(grants_world.finance2)
    states = list(TrancheStatus)

    def add(n):
        for i in range(n):
            world = make_grants_world(grants_world.org, grants_world.staff, grants_world.finance)
            accept(world)
            for j, tranche in enumerate(world.tranches):
                put(world, tranche, states[(i + j) % len(states)], failure_message="No balance",
                    needs_attention="Look" if (i + j) % 7 == 0 else "")

    urls = [f"/grants/finance/{grants_world.org.id}", f"/grants/finance/{grants_world.org.id}?state=paid",
            f"/grants/finance/{grants_world.org.id}/tranches.csv", f"/grants/{grants_world.grant.id}"]
    add(4)
    small = [count_statements(lambda u=u: client.get(u)) for u in urls]
    add(45)
    large = [count_statements(lambda u=u: client.get(u)) for u in urls]
    assert small == large, (small, large)
    assert all(n < 40 for n in small), small
