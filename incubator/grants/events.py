"""What the grants domain listens to in others (one-way: they know nothing of grants).

`incubation.events.milestone_approved` makes due the scheduled tranches of the grantee's
accepted grants that wait for that milestone (`tranches.on_milestone_approved`, offers area).
Connected when the grants domain is imported (create_app imports every domain).
"""
from incubator.incubation.events import milestone_approved


def _milestone_approved(sender, *, milestone, actor, **extra):
    from incubator.grants import tranches

    tranches.on_milestone_approved(milestone, actor=actor)


milestone_approved.connect(_milestone_approved, weak=False)
