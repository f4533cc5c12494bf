"""When tranches become due (offers area): on acceptance, on their date (a sweep), when their
milestone is approved (the incubation event)."""


def on_acceptance(grant, *, actor, now) -> list:
    """Make due the grant's on-acceptance tranches, and its on-milestone tranches whose milestone
    the grantee's team already has approved. Returns the tranches made due."""
    raise NotImplementedError  # offers area


def on_milestone_approved(milestone, *, actor) -> list:
    """Make due the scheduled tranches of accepted grants to the milestone's team that wait for
    this milestone's template item. Called inside the approving transaction."""
    return []  # offers area
