"""Who may do what to the objects of this domain (registered with core.permissions).

- "manage": edit the challenge and its questions, see and screen its applications:
  program staff of the challenge's organisation, and admins.
- "view": the challenge itself: anyone signed in once it is published and has opened;
  a draft, or a published challenge before it opens, only people with a role in the
  organisation (and admins).
"""
from incubator.accounts.models import Role
from incubator.challenges.models import Challenge, Question
from incubator.core.permissions import rule
from incubator.core.timeutil import utcnow


@rule(Challenge)
def challenge_rule(user, action: str, challenge: Challenge) -> bool:
    if user.is_admin:
        return True
    if action == "manage":
        return user.has_role(challenge.organisation_id, Role.program_staff)
    if action == "view":
        return challenge.is_public(utcnow()) or bool(user.roles_in(challenge.organisation_id))
    return False


@rule(Question)
def question_rule(user, action: str, question: Question) -> bool:
    return challenge_rule(user, action, question.challenge)
