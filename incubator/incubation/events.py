"""What incubation tells other domains, without knowing them (blinker, which Flask ships).

    milestone_approved.send(milestone, milestone=milestone, actor=actor)

is sent once per approval, inside the approving transaction, after the compare-and-set move
(`milestones.approve`): a listener's changes commit or roll back with the approval. The grants
domain subscribes to make a tranche due; incubation imports nothing of it.
"""
from blinker import Namespace

_signals = Namespace()

milestone_approved = _signals.signal("milestone-approved")
