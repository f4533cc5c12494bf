"""Registration and sign-in cannot be turned against someone else: registering an address mails it
at most 5 times an hour, an existing address answers with the same work as a new one, and sign-in
counts only failures and never locks the owner out of an address they have signed in from."""
import sqlalchemy as sa

from incubator.accounts.models import User
from incubator.core.mail import OutboxMessage
from incubator.extensions import db
from tests.conftest import PASSWORD

ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}


def register(client, email, **kwargs):
    return client.post("/register", data={"name": "X", "email": email, "password": PASSWORD, "confirm": PASSWORD},
                       **kwargs)


def mails_to(address):
    return db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).filter_by(recipient=address))


def sign_in(client, email, password=PASSWORD, environ_base=None):
    response = client.post("/login", data={"email": email, "password": password}, environ_base=environ_base or {})
    if response.status_code == 302:
        client._csrf = None  # sign-in starts a new session
    return response


# ---- item 3: registration mails an address at most 5 times an hour --------------------------


def test_registering_someone_elses_address_mails_them_at_most_five_times_an_hour(make_client, applicant):
    statuses = [register(make_client(), "Applicant@Example.org", environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})
                .status_code for n in range(8)]  # from many client addresses: the per-address limit never applies
    assert statuses == [200] * 5 + [429] * 3
    assert mails_to(applicant.email) == 5


def test_the_limit_applies_to_a_new_address_too_so_it_reveals_nothing(client):
    statuses = [register(client, "nobody.yet@example.org").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    assert mails_to("nobody.yet@example.org") == 5  # one confirmation, then four "you already have an account"


def test_a_refused_registration_keeps_the_form_and_says_when_to_try_again(client, applicant):
    for _ in range(5):
        register(client, applicant.email)
    page = register(client, applicant.email)
    assert page.status_code == 429
    assert "Too many registrations for this address in the last hour. Try again in" in page.text
    assert f'value="{applicant.email}"' in page.text and "Repeat the password" in page.text


def test_mistakes_in_the_form_do_not_use_up_the_limit(client):
    for _ in range(6):
        assert client.post("/register", data={"email": "new@example.org", "password": PASSWORD,
                                              "confirm": "not the same at all"}).status_code == 422
    assert register(client, "new@example.org").status_code == 200
    assert db.session.scalar(sa.select(User.email)) == "new@example.org"


# ---- item 4: the same work whether or not the address has an account ----------------------------


def test_registration_hashes_the_password_whether_or_not_the_address_is_taken(client, applicant, monkeypatch):
    from incubator.accounts import models

    calls = []
    real = models.generate_password_hash
    monkeypatch.setattr(models, "generate_password_hash", lambda *a, **k: calls.append(1) or real(*a, **k))
    assert register(client, "brand.new@example.org").status_code == 200
    new_account = len(calls)
    assert register(client, applicant.email).status_code == 200
    assert new_account == 1 and len(calls) - new_account == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2  # the taken one was not re-made


# ---- item 5: the sign-in lockout --------------------------------------------------------------


def test_successful_sign_ins_do_not_count_towards_the_lockout(client, applicant):
    for _ in range(15):
        assert sign_in(client, applicant.email).status_code == 302
    assert sign_in(client, applicant.email, "wrong password here").status_code == 401  # not locked


def test_a_stranger_guessing_cannot_lock_the_owner_out_of_a_known_address(make_client, applicant):
    owner = make_client()
    assert sign_in(owner, applicant.email).status_code == 302  # from 127.0.0.1, as usual
    owner.logout()
    owner._csrf = None  # signing out clears the session

    stranger = make_client()
    for _ in range(10):
        assert sign_in(stranger, applicant.email, "guess guess guess", ATTACKER).status_code == 401
    assert sign_in(stranger, applicant.email, "guess guess guess", ATTACKER).status_code == 429
    assert sign_in(stranger, applicant.email, PASSWORD, ATTACKER).status_code == 429  # locked for strangers

    # The owner, from the address they signed in from before, gets in with the right password.
    response = sign_in(owner, applicant.email)
    assert response.status_code == 302
    assert owner.get("/dashboard").status_code == 200
    # From a new address, the account stays locked, and the page says for how long.
    elsewhere = sign_in(make_client(), applicant.email, PASSWORD, {"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 429 and "Try again in" in elsewhere.text


def test_a_known_address_still_has_its_own_limit_on_wrong_passwords(make_client, applicant):
    owner = make_client()
    assert sign_in(owner, applicant.email).status_code == 302
    statuses = [sign_in(owner, applicant.email, "wrong password here").status_code for _ in range(12)]
    assert statuses == [401] * 10 + [429] * 2  # no endless guessing from there either
    assert sign_in(owner, applicant.email).status_code == 429


def test_another_account_that_signed_in_from_the_address_does_not_make_it_known(make_client, make_user, applicant):
    other = make_user("other@example.org")
    assert sign_in(make_client(), other.email, PASSWORD, ATTACKER).status_code == 302  # the attacker's own account
    stranger = make_client()
    for _ in range(10):
        sign_in(stranger, applicant.email, "guess guess guess", ATTACKER)
    assert sign_in(stranger, applicant.email, "guess guess guess", ATTACKER).status_code == 429


def test_the_per_address_limit_counts_only_failures(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_LIMIT_PER_ADDRESS", "5 per 15 minutes")
    people = [make_user(f"p{n}@example.org") for n in range(8)]
    for person in people:  # a school's office behind one address, everyone signing in
        assert sign_in(client, person.email).status_code == 302
    statuses = [sign_in(client, f"nobody{n}@example.org", "wrong password here").status_code for n in range(7)]
    assert statuses == [401] * 5 + [429] * 2
    refused = sign_in(client, "nobody@example.org", "wrong password here")
    assert "Too many failed sign-ins from your network. Try again in" in refused.text


def test_a_hostile_address_typed_in_the_form_is_refused_cleanly(client):
    for value in ["\x00@example.org", "x" * 5000, "a@b\r\nc"]:
        assert sign_in(client, value).status_code == 422
