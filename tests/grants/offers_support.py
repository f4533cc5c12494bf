"""Helpers of the offers tests (tests/grants/test_offers_*.py): an offer made through the service
with sensible defaults, and the form's fields as a browser posts them."""
from datetime import timedelta

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.grants import offers
from incubator.grants.offers import TrancheSpec
from incubator.grants.states import DueCondition, GrantKind
from incubator.incubation import plans


def prototype_of(org):
    return next(t for t in plans.template_of(org) if "rototype" in t.title)


def specs(amount_cents, org, today=None):
    today = today or utcnow().date()
    first, second = amount_cents * 4 // 10, amount_cents * 3 // 10
    return [TrancheSpec(first, DueCondition.on_acceptance),
            TrancheSpec(second, DueCondition.on_date, today + timedelta(days=90)),
            TrancheSpec(amount_cents - first - second, DueCondition.on_milestone, template_milestone=prototype_of(org))]


def offer(world, *, application=None, school=None, kind=None, amount_cents=100_000_00, tranches=None, actor=None,
          expires_in_days=30, commit=True, **overrides):
    now = overrides.pop("now", utcnow())
    if school is None and application is None:
        application = world.application
    kind = kind or (GrantKind.planning if application is not None else GrantKind.launch)
    grant = offers.offer_grant(
        world.challenge, kind=kind, application=application, school=school, amount_cents=amount_cents,
        terms=overrides.pop("terms", "The grant pays for **planning**."),
        expires_on=overrides.pop("expires_on", (now + timedelta(days=expires_in_days)).date()),
        tranches=tranches if tranches is not None else specs(amount_cents, world.org),
        actor=actor or world.staff, now=now)
    if commit:
        db.session.commit()
    return grant


def form_data(org, *, amount="100000", rows=None, expires_on=None, terms="The grant pays for planning.",
              kind="planning"):
    today = utcnow().date()
    rows = rows if rows is not None else [
        ("40000", "on_acceptance", "", ""),
        ("30000", "on_date", (today + timedelta(days=90)).isoformat(), ""),
        ("30000", "on_milestone", "", str(prototype_of(org).id)),
    ]
    data = {"kind": kind, "amount": amount, "terms": terms,
            "expires_on": expires_on or (today + timedelta(days=30)).isoformat()}
    for n, (row_amount, condition, due_on, milestone) in enumerate(rows):
        data.update({f"tranches-{n}-amount": row_amount, f"tranches-{n}-condition": condition,
                     f"tranches-{n}-due_on": due_on, f"tranches-{n}-milestone": milestone})
    return data


def accept(world, grant=None):
    """world.accept(), with the lead loaded first: the fixture reads `self.lead` after setting the
    status, and a lazy load there autoflushes a half-made acceptance (the CHECK refuses it)."""
    assert world.lead is not None
    return world.accept(grant)


def put(world, tranche, status, **values):
    """world.put() without autoflush: it reads the users' ids after setting the status, and a
    refresh there would flush a half-made state (the CHECKs refuse it)."""
    with db.session.no_autoflush:
        return world.put(tranche, status, **values)
