"""The organization's timezone picker offers the zones people use: US zones first, then by region."""
import re

import pytest

from incubator.accounts import timezones
from incubator.extensions import db


@pytest.fixture
def admin_client(make_client, admin):
    return make_client(admin)


def select_html(page: str) -> str:
    return re.search(r'<select[^>]*name="timezone".*?</select>', page, re.S).group(0)


def test_the_picker_groups_zones_with_the_us_first_and_no_aliases(admin_client):
    html = select_html(admin_client.get("/admin/organisations/new").text)
    groups = re.findall(r'<optgroup label="([^"]+)"', html)
    assert groups[0] == "United States" and "Europe" in groups and groups[-1] == "Other"
    values = re.findall(r'<option[^>]*value="([^"]+)"', html)
    assert values[:5] == ["America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
                          "America/Los_Angeles"]
    for alias in ("Factory", "US/Central", "EST5EDT", "Etc/GMT+5", "GB", "America/Buenos_Aires"):
        assert alias not in values
    assert "Europe/London" in values and "America/Argentina/Buenos_Aires" in values and "UTC" in values
    assert len(values) < 350 and len(values) == len(set(values))
    assert '<option selected value="America/Chicago">' in html  # the default
    assert "<script" not in html  # the CSP forbids inline script: a plain select


def test_city_labels_start_with_the_city_so_typing_finds_them():
    assert timezones.city_label("America/Argentina/Buenos_Aires") == "Buenos Aires (Argentina)"
    assert timezones.city_label("Europe/London") == "London"
    us = dict(timezones.grouped_choices()["United States"])
    assert us["America/Chicago"] == "Central (Chicago)"
    assert us["America/Indiana/Indianapolis"].startswith("Indianapolis (Indiana)")


def test_a_zone_outside_the_list_is_refused(admin_client, org):
    response = admin_client.post(f"/admin/organisations/{org.id}/edit",
                                 data={"name": org.name, "slug": org.slug, "timezone": "Factory"})
    assert response.status_code == 422 and "Not a valid choice" in response.text
    db.session.refresh(org)
    assert org.timezone == "America/Chicago"


def test_an_organisation_on_an_old_alias_keeps_it_selectable(admin_client, org):
    org.timezone = "US/Central"
    db.session.commit()
    html = select_html(admin_client.get(f"/admin/organisations/{org.id}/edit").text)
    assert '<option selected value="US/Central">' in html
    response = admin_client.post(f"/admin/organisations/{org.id}/edit",
                                 data={"name": org.name, "slug": org.slug, "timezone": "America/New_York"})
    assert response.status_code == 302
    db.session.refresh(org)
    assert org.timezone == "America/New_York"
