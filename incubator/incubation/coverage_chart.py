"""The stakeholder-coverage chart: input sessions per group, one drawing for the team's page
(as SVG) and the cohort report (in the PDF)."""
from incubator.core import charts
from incubator.incubation.states import StakeholderGroup

SHORT_GROUPS = {StakeholderGroup.teachers: "Teachers", StakeholderGroup.students: "Students",
                StakeholderGroup.parents: "Parents", StakeholderGroup.school_leaders: "Leaders",
                StakeholderGroup.community_members: "Community"}


def coverage_chart(coverage: dict, title: str = "Stakeholder input sessions per group", *,
                   font: str = "Helvetica", width: float = 420, height: float = 220):
    """Sessions per group from `schedule.coverage` ({group: (sessions, participants)}), every group in order."""
    return charts.bar_chart([SHORT_GROUPS[g] for g in StakeholderGroup], [coverage[g][0] for g in StakeholderGroup],
                            title=title, width=width, height=height, font=font)
