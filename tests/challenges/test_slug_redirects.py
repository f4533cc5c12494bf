"""Changing the slug of a published challenge keeps its old address working."""
from datetime import timedelta

import sqlalchemy as sa

from incubator.challenges import services
from incubator.challenges.models import ChallengeSlugRedirect
from incubator.challenges.states import ChallengeStatus
from incubator.core.timeutil import local, utcnow
from incubator.extensions import db


def edit_form(challenge, **overrides):
    tz = challenge.timezone
    data = {"title": challenge.title, "slug": challenge.slug, "track": challenge.track.value,
            "summary_md": challenge.summary_md, "opens_at": local(challenge.opens_at, tz).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": local(challenge.closes_at, tz).strftime("%Y-%m-%dT%H:%M"), "slots": "3",
            "grant_pool": "0", "planning_grant": "100000"}
    data.update(overrides)
    return data


def test_the_old_address_of_a_published_challenge_redirects_to_the_new_one(staff_client, client, open_challenge):
    response = staff_client.post(f"/challenges/{open_challenge.id}/edit", data=edit_form(open_challenge, slug="nola-2027"))
    assert response.status_code == 302

    old = client.get("/challenges/future-of-school")
    assert old.status_code == 301 and old.location.endswith("/challenges/nola-2027")
    assert client.get("/challenges/nola-2027").status_code == 200

    # A second rename: both earlier addresses lead to the current one.
    staff_client.post(f"/challenges/{open_challenge.id}/edit", data=edit_form(open_challenge, slug="nola-2028"))
    for slug in ("future-of-school", "nola-2027"):
        response = client.get(f"/challenges/{slug}")
        assert response.status_code == 301 and response.location.endswith("/challenges/nola-2028")


def test_going_back_to_an_old_slug_makes_it_the_address_again(staff_client, client, open_challenge):
    staff_client.post(f"/challenges/{open_challenge.id}/edit", data=edit_form(open_challenge, slug="nola-2027"))
    staff_client.post(f"/challenges/{open_challenge.id}/edit", data=edit_form(open_challenge, slug="future-of-school"))
    assert client.get("/challenges/future-of-school").status_code == 200
    redirect = client.get("/challenges/nola-2027")
    assert redirect.status_code == 301 and redirect.location.endswith("/challenges/future-of-school")
    assert db.session.scalars(sa.select(ChallengeSlugRedirect.slug)).all() == ["nola-2027"]


def test_another_challenge_cannot_take_an_old_address(staff, staff_client, open_challenge, make_challenge, org):
    staff_client.post(f"/challenges/{open_challenge.id}/edit", data=edit_form(open_challenge, slug="nola-2027"))
    other = make_challenge(slug="other")
    response = staff_client.post(f"/challenges/{other.id}/edit", data=edit_form(other, slug="future-of-school"))
    assert response.status_code == 422 and "is taken by another challenge" in response.text
    response = staff_client.post("/challenges/new", data=dict(edit_form(other, slug="future-of-school"),
                                                              organisation_id=org.id))
    assert response.status_code == 422 and "is taken by another challenge" in response.text


def test_a_draft_renamed_keeps_no_old_address(staff, make_challenge, client):
    draft = make_challenge(status=ChallengeStatus.draft, slug="working-title")
    data = services.ChallengeData(title=draft.title, slug="final-title", track=draft.track, summary_md="Hi",
                                  opens_at=draft.opens_at, closes_at=draft.closes_at, slots=3, grant_pool_cents=0,
                                  planning_grant_cents=0)
    services.save_challenge(draft, data, actor=staff, now=utcnow())
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ChallengeSlugRedirect.id))) == 0
    assert client.get("/challenges/working-title").status_code == 404


def test_an_old_address_of_a_challenge_not_open_yet_is_not_found(staff, make_challenge, client):
    upcoming = make_challenge(slug="soon", opens_in=timedelta(days=3))
    data = services.ChallengeData(title=upcoming.title, slug="sooner", track=upcoming.track, summary_md="",
                                  opens_at=upcoming.opens_at, closes_at=upcoming.closes_at, slots=3,
                                  grant_pool_cents=0, planning_grant_cents=0)
    services.save_challenge(upcoming, data, actor=staff, now=utcnow())
    db.session.commit()
    assert client.get("/challenges/soon").status_code == 404  # it does not reveal the new address early
