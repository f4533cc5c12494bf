"""The audit trail reads the grants' events in plain words, naming and linking the grant."""
from incubator.core import audit
from incubator.core.audit_words import known_actions
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import lifecycle, states
from incubator.grants.models import LedgerEntry, Payee
from incubator.grants.states import GrantStatus, LedgerKind, PayeeKind, TrancheStatus


def test_every_move_of_the_lifecycles_has_words():
    actions = set(states.GRANT_MOVES.values()) | set(states.TRANCHE_MOVES.values())
    assert actions <= known_actions()
    assert {"grants.grant.offered", "grants.payee.changed", "grants.ledger.recorded"} <= known_actions()


def test_the_trail_tells_a_grant_from_offer_to_payment(grants_world, make_client, admin):
    world = grants_world
    grant, tranche, second = world.grant, world.tranches[0], world.tranches[1]
    audit.record(world.staff, "grants.grant.offered", grant)
    lifecycle.move_grant(grant, GrantStatus.accepted, actor=world.lead, accepted_at=utcnow(),
                         accepted_name="Lee Lead", accepted_by_id=world.lead.id)
    lifecycle.move_tranche(tranche, TrancheStatus.due, actor=None)
    lifecycle.move_tranche(tranche, TrancheStatus.requested, actor=world.staff, requested_by_id=world.staff.id)
    lifecycle.move_tranche(tranche, TrancheStatus.approved, actor=world.finance, approved_by_id=world.finance.id)
    lifecycle.move_tranche(tranche, TrancheStatus.processing, actor=None)
    lifecycle.move_tranche(tranche, TrancheStatus.failed, actor=None, details={"message": "Insufficient funds"})
    lifecycle.move_tranche(tranche, TrancheStatus.approved, actor=world.finance)
    lifecycle.move_tranche(tranche, TrancheStatus.processing, actor=None)
    lifecycle.move_tranche(tranche, TrancheStatus.paid, actor=None, details={"transfer_id": "tr_123"},
                           paid_at=utcnow(), transfer_id="tr_123")
    lifecycle.move_tranche(second, TrancheStatus.cancelled, actor=world.staff,
                           details={"reason": "Merged into <the> third"})
    payee = Payee(organisation_id=world.org.id, team_id=world.team.id, kind=PayeeKind.manual, name="Bayou School 1")
    db.session.add(payee)
    db.session.flush()
    audit.record(world.finance, "grants.payee.changed", payee)
    line = LedgerEntry(organisation_id=world.org.id, grant_id=grant.id, tranche_id=tranche.id, payee_id=payee.id,
                       kind=LedgerKind.transfer, amount_cents=tranche.amount_cents, transfer_id="tr_123")
    db.session.add(line)
    db.session.flush()
    audit.record(None, "grants.ledger.recorded", line, amount_cents=line.amount_cents, transfer_id="tr_123")
    db.session.commit()

    page = make_client(admin).get("/admin/audit", query_string={"action": "grants."})
    text = page.text
    grant_name = "the planning grant of $100,000 to Bayou School 1"
    tranche_name = f"tranche 1 ($40,000) of {grant_name}"
    for words in (f"Sam Staff</a> offered <a href=\"/grants/{grant.id}\">{grant_name}</a>",
                  f"accepted <a href=\"/grants/{grant.id}\">{grant_name}</a>",
                  f"{tranche_name}</a> became due",
                  f"requested the release of <a href=\"/grants/{grant.id}\">{tranche_name}",
                  f"approved the release of <a href=\"/grants/{grant.id}\">{tranche_name}",
                  "failed: “Insufficient funds”", "retried the payout of",
                  f"{tranche_name}</a> was paid by the Stripe transfer tr_123",
                  "canceled <a", "tranche 2 ($30,000)", "“Merged into &lt;the&gt; third”",
                  "changed the payee to the manual payee “Bayou School 1” of Bayou Lab 1",
                  "wrote to the ledger", "the ledger line of $40,000 (stripe transfer)", "transfer tr_123"):
        assert words in text, words
    assert "recorded <code>" not in text  # no event fell back to the plain sentence
