"""Every route, posted (and fetched) with hostile values by people allowed to use it:
the answer is never a server error."""
import io

import pytest

from incubator.applications.models import Application
from incubator.applications.states import Status
from incubator.extensions import db
from tests.test_routes import _fill, world  # noqa: F401  (the fixture)

VALUES = ["²", "١٢", "\x00", "x" * 20_000, "-1", "99999999999999999999", "<script>alert(1)</script>",
          "' OR 1=1 --", "\u202e\u200b", ""]
FIELDS = ["school_name", "grades", "launch_year", "target_enrollment", "version", "question_id", "challenge_id",
          "member", "email", "role", "roles", "active", "confirm", "decision", "reason", "direction", "name", "slug",
          "timezone", "title", "label", "kind", "track", "opens_at", "closes_at", "slots", "grant_pool",
          "planning_grant", "summary_md", "y1_enrollment", "y1_per_pupil", "y1_other", "y1_expenses", "q_1",
          "word_limit", "min_value", "max_value", "choices", "help_text", "is_required", "password", "q", "status",
          "sort", "page",
          # sustainability: schools and reporters, annual reports, settings, imports
          "opening_year", "application_id", "organisation_id", "action", "comment", "fiscal_year",
          "budgeted_enrollment", "actual_enrollment", "public_state_local", "public_federal", "philanthropic",
          "other_revenue", "operating_expenses", "total_expenses", "unrestricted_cash", "current_assets",
          "current_liabilities", "math_growth", "ela_growth", "college_ready", "glide_year_1", "glide_year_2",
          "glide_year_3", "glide_year_4", "allow_falling", "city_enrollment", "report_due_month", "report_due_day",
          "file"]


@pytest.fixture
def insiders(world, make_client, admin, staff, make_user):  # noqa: F811
    lead = db.session.get(Application, world["application_id"]).team.lead
    draft = db.session.get(Application, world["application_id"])
    draft.status, draft.submitted_at = Status.draft, None
    db.session.commit()
    return [make_client(admin), make_client(staff), make_client(lead)]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_hostile_values_never_cause_a_server_error(app, insiders, world, value):  # noqa: F811
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "<token>" in rule.rule or "<slug>" in rule.rule:
            continue
        url = _fill(rule, world)
        data = {name: value for name in FIELDS}
        for client in insiders:
            if "GET" in rule.methods:
                response = client.get(url, query_string={k: value for k in ("q", "status", "sort", "page", "opening_year",
                                                                         "source", "organisation_id",
                                                                         "application_id")})
                response.get_data()  # a streamed body (the CSV) must be produced without error too
                response.close()
                assert response.status_code < 500, f"GET {url} with {value[:20]!r}: {response.status_code}"
            if "POST" in rule.methods and rule.endpoint not in ("auth.logout",):
                payload = dict(data)
                if rule.endpoint == "applications.upload":
                    payload["file"] = (io.BytesIO(b"%PDF-1.4\n"), value[:50] or "x.pdf")
                response = client.post(url, data=payload, content_type="multipart/form-data")
                assert response.status_code < 500, f"POST {url} with {value[:20]!r}: {response.status_code}"
