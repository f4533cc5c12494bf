"""The grants' mail: who is told of an offer, an answer, a release to approve, a payment and a
failed payout; in the organisation's wording, with absolute links and its Reply-To; each once."""
import sqlalchemy as sa

from incubator.accounts.models import Role
from incubator.core import digests, mail_templates
from incubator.core.digests import DigestItem
from incubator.core.mail import OutboxMessage
from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import notify
from incubator.grants.states import GrantStatus, TrancheStatus


def outbox(recipient=None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient)
    return list(db.session.scalars(query))


def accept(world):
    """grants_world.accept() without autoflush: it loads the team after setting the status, and that
    autoflush would write an acceptance without its record (which the database refuses)."""
    with db.session.no_autoflush:
        return world.accept()


def put(world, tranche, status, **values):
    with db.session.no_autoflush:  # as accept(): put() reads the people after setting the status
        return world.put(tranche, status, **values)


def _contact(org):
    org.contact_name, org.contact_email = "NSNO Program Team", "apply@nsno.org"
    db.session.commit()


def test_an_offer_tells_every_member_of_the_team_once_with_the_amount_expiry_and_accept_link(grants_world):
    world = grants_world
    _contact(world.org)
    notify.offer_made(world.grant)
    notify.offer_made(world.grant)  # reported twice: told once
    db.session.commit()
    sent = outbox()
    assert sorted(m.recipient for m in sent) == sorted([world.lead.email, world.member.email])
    mail = outbox(world.lead.email)[0]
    assert mail.subject == "New Schools for New Orleans offers Bayou School 1 a planning grant of $100,000"
    assert f"http://localhost/grants/{world.grant.id}/accept" in mail.body_text
    assert f"{world.grant.expires_on:%-d %B %Y}" in mail.body_text and "America/Chicago" in mail.body_text
    assert "$40,000 on acceptance" in mail.body_text and "Prototype" in mail.body_text
    assert mail.reply_to == "NSNO Program Team <apply@nsno.org>"


def test_an_offer_uses_the_organisations_own_wording(grants_world):
    world = grants_world
    mail_templates.save(world.org, notify.OFFER_MADE, subject="Money for {grantee}: {amount}",
                        body="Dear {team}, see {link}", actor=world.staff)
    notify.offer_made(world.grant)
    db.session.commit()
    mail = outbox(world.lead.email)[0]
    assert mail.subject == "Money for Bayou School 1: $100,000"
    assert mail.body_text.strip() == f"Dear Bayou Lab 1, see http://localhost/grants/{world.grant.id}/accept"


def test_a_member_who_chose_a_daily_digest_gets_the_offer_there_and_a_deactivated_one_not_at_all(grants_world):
    world = grants_world
    digests.set_mode(world.member, "daily", actor=world.member)
    world.lead.is_deactivated = True
    db.session.commit()
    notify.offer_made(world.grant)
    db.session.commit()
    assert outbox() == []
    kept = db.session.scalars(sa.select(DigestItem)).all()
    assert [(k.user_id, k.kind) for k in kept] == [(world.member.id, notify.OFFER_MADE)]


def test_an_acceptance_tells_the_staff_who_offered_and_the_program_staff_not_finance(grants_world, make_user,
                                                                                       grant_role):
    world = grants_world
    colleague = grant_role(make_user("colleague@example.org", name="Cole League"), world.org, Role.program_staff)
    accept(world)
    notify.grant_answered(world.grant)
    notify.grant_answered(world.grant)
    db.session.commit()
    assert sorted(m.recipient for m in outbox()) == sorted([world.staff.email, colleague.email])
    mail = outbox(world.staff.email)[0]
    assert mail.subject == "Bayou School 1 accepted the planning grant of $100,000"
    assert world.lead.name in mail.body_text and f"http://localhost/grants/{world.grant.id}" in mail.body_text


def test_a_decline_carries_the_reason(grants_world):
    world = grants_world
    world.grant.status, world.grant.ended_by_id = GrantStatus.declined, world.lead.id
    world.grant.end_reason = "We found <b>another</b> funder."
    db.session.commit()
    notify.grant_answered(world.grant)
    db.session.commit()
    mail = outbox(world.staff.email)[0]
    assert mail.subject == "Bayou School 1 declined the planning grant of $100,000"
    assert "We found <b>another</b> funder." in mail.body_text and world.lead.name in mail.body_text


def test_an_offer_still_open_tells_nobody_it_was_answered(grants_world):
    notify.grant_answered(grants_world.grant)
    db.session.commit()
    assert outbox() == []


def test_a_release_request_tells_finance_but_never_the_requester(grants_world):
    world = grants_world
    accept(world)
    tranche = world.tranches[0]
    put(world, tranche, TrancheStatus.requested, requested_by_id=world.finance2.id)
    notify.release_requested(tranche)
    notify.release_requested(tranche)
    db.session.commit()
    assert [m.recipient for m in outbox()] == [world.finance.email]
    mail = outbox()[0]
    assert mail.subject == "Approval needed: $40,000 to Bayou School 1"
    assert "tranche 1 of 3" in mail.body_text and world.finance2.name in mail.body_text
    assert f"http://localhost/grants/{world.grant.id}" in mail.body_text


def test_a_paid_tranche_tells_the_team_the_amount_date_and_reference(grants_world):
    world = grants_world
    accept(world)
    tranche = world.tranches[0]
    put(world, tranche, TrancheStatus.paid, manual_reference="ACH 2027-0142")
    notify.payout_paid(tranche)
    notify.payout_paid(tranche)
    db.session.commit()
    assert sorted(m.recipient for m in outbox()) == sorted([world.lead.email, world.member.email])
    mail = outbox(world.lead.email)[0]
    assert mail.subject == "New Schools for New Orleans paid $40,000 of your planning grant"
    assert "ACH 2027-0142" in mail.body_text
    assert f"{utcnow().astimezone(__import__('zoneinfo').ZoneInfo('America/Chicago')):%-d %B %Y}" in mail.body_text


def test_a_tranche_not_paid_tells_the_team_nothing(grants_world):
    notify.payout_paid(grants_world.tranches[0])
    db.session.commit()
    assert outbox() == []


def test_a_failed_payout_tells_finance_stripes_message_once_per_attempt(grants_world):
    world = grants_world
    accept(world)
    tranche = world.tranches[0]
    put(world, tranche, TrancheStatus.failed, failed_at=utcnow(),
              failure_message="Insufficient funds in Stripe account.")
    notify.payout_failed(tranche)
    notify.payout_failed(tranche)
    db.session.commit()
    assert sorted(m.recipient for m in outbox()) == sorted([world.finance.email, world.finance2.email])
    assert "Insufficient funds in Stripe account." in outbox(world.finance.email)[0].body_text
    assert outbox(world.finance.email)[0].subject == "Payout failed: $40,000 to Bayou School 1"
    put(world, tranche, TrancheStatus.failed, payout_attempt=2)  # retried, failed again: a new event
    notify.payout_failed(tranche)
    db.session.commit()
    assert len(outbox(world.finance.email)) == 2


def test_a_payout_the_reconciler_cannot_settle_tells_finance_what_needs_attention(grants_world):
    world = grants_world
    accept(world)
    tranche = world.tranches[0]
    put(world, tranche, TrancheStatus.processing, processing_at=utcnow(),
              needs_attention="Two transfers in the grant's group name this tranche.")
    notify.payout_failed(tranche)
    db.session.commit()
    mail = outbox(world.finance.email)[0]
    assert mail.subject == "Payout needs attention: $40,000 to Bayou School 1"
    assert "Two transfers in the grant's group name this tranche." in mail.body_text


def test_every_grants_kind_is_on_the_organisations_mail_template_page(grants_world, make_client):
    assert len({k for k in mail_templates.KINDS if k.startswith("grants.")}) == 7
    page = make_client(grants_world.staff).get(f"/organisations/{grants_world.org.id}/mail-templates")
    assert page.status_code == 200
    assert "Grants: an offer to the grantee" in page.text and "Grants: a payout failed (to finance)" in page.text


def test_a_notice_rolled_back_with_its_transaction_is_sent_when_the_event_happens_again(grants_world):
    world = grants_world
    notify.offer_made(world.grant)
    db.session.rollback()  # the offer failed to save: neither the mail nor its claim remains
    assert outbox() == []
    notify.offer_made(world.grant)
    db.session.commit()
    assert len(outbox()) == 2


def test_names_typed_by_people_are_text_in_the_mail_never_placeholders_or_headers(grants_world):
    world = grants_world
    world.application.school_name = "Evil {link} <b>School</b>\r\nBcc: all@example.org"
    db.session.commit()
    notify.offer_made(world.grant)
    db.session.commit()
    mail = outbox(world.lead.email)[0]
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert mail.subject.startswith("New Schools for New Orleans offers Evil {link} <b>School</b> Bcc:")
    assert "Evil {link} <b>School</b>" in mail.body_text  # not filled in, not escaped: plain text
