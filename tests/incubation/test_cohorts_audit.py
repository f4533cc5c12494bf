"""The audit trail reads the cohorts area's actions in plain words."""
from datetime import timedelta

from incubator.core.timeutil import utcnow
from incubator.extensions import db
from incubator.incubation import cohorts, dates, plans, template_admin


def test_the_audit_trail_says_what_staff_did(make_client, admin, incubation, make_user, grant_role):
    from incubator.accounts.models import Role

    staff, now = incubation.staff, utcnow()
    second = grant_role(make_user("cora@example.org", name="Cora Coach"), incubation.org, Role.coach)
    cohorts.update_cohort(incubation.cohort, name="Renamed cohort", length_months=7, actor=staff)
    cohorts.set_coaches(incubation.cohort, [second.id], actor=staff, now=now)
    team = incubation.teams[0]
    cohorts.leave(team, "Founders moved away", actor=staff, now=now)
    cohorts.bring_back(team, actor=staff)
    dates.shift_team(incubation.teams[1], 5, actor=staff, now=now)
    milestone = incubation.milestone(1, "Community")
    dates.set_due_on(milestone, milestone.due_on + timedelta(days=2), actor=staff, now=now)
    item = template_admin.add_item(incubation.org, template_admin.ItemData(title="Board pitch", due_offset_days=5),
                                   actor=staff)
    template_admin.update_item(item, template_admin.ItemData(title="Board pitch night", due_offset_days=5),
                               actor=staff)
    template_admin.move_item(item, "up", actor=staff)
    template_admin.delete_item(item, actor=staff)
    assert len(plans.template_of(incubation.org)) == 7
    db.session.commit()
    text = make_client(admin).get("/admin/audit", query_string={"action": "incubation."}).text
    for words in ("changed the name and length of", "named Cora Coach coach of", "removed Cam Coach", "as coach of",
                  "leave: Founders moved away", "back into the cohort", "moved 7 due date(s) of",
                  "by 5 day(s)", "added “Board pitch” to the milestone template",
                  "changed “Board pitch night” of the milestone template",
                  "moved “Board pitch night” up in the milestone template",
                  "deleted “Board pitch night” from the milestone template"):
        assert words in text, words
    assert "moved the due date of" in text and (milestone.due_on.isoformat()) in text
