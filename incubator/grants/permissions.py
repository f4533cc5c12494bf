"""Who may see and do what with grants (registered with core.permissions).

- Program staff of the grant's organisation (and admins) offer and withdraw grants, request a
  tranche's release and cancel a tranche before it is processing.
- Finance of the organisation (and admins) see every grant of it, approve releases (never one
  they requested: the service and the database both refuse), record manual payees and outside
  payments, retry failed payouts. Money actions also need a recent second factor (the views).
- The grantee's team members see their own grants (a planning grant: the team; a school's
  grant: the school's team); the team lead accepts or declines the offer and connects the
  payee account.
- Anyone else gets 404.
"""
from incubator.accounts.models import Role
from incubator.core.permissions import rule
from incubator.grants.models import Grant, Payee, Tranche
from incubator.grants.states import GrantStatus

STAFF_ACTIONS = {"withdraw", "request", "cancel"}
FINANCE_ACTIONS = {"approve", "retry", "record_payment", "manual_payee", "finance"}
GRANTEE_ACTIONS = {"accept", "decline", "connect"}


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def staff_of(user, organisation_id: int) -> bool:
    return _active(user) and (user.is_admin or user.has_role(organisation_id, Role.program_staff))


def finance_of(user, organisation_id: int) -> bool:
    return _active(user) and (user.is_admin or user.has_role(organisation_id, Role.finance))


def on_grantee_team(user, grant: Grant) -> bool:
    team = grant.grantee_team
    return _active(user) and team is not None and team.has_member(user)


def leads_grantee(user, grant: Grant) -> bool:
    team = grant.grantee_team
    return _active(user) and team is not None and team.lead is not None and team.lead.id == user.id


@rule(Grant)
def grant_rule(user, action: str, grant: Grant) -> bool:
    org = grant.organisation_id
    if action == "view":
        return staff_of(user, org) or finance_of(user, org) or on_grantee_team(user, grant)
    if action in STAFF_ACTIONS:
        return staff_of(user, org)
    if action in FINANCE_ACTIONS:
        return finance_of(user, org)
    if action in ("accept", "decline"):
        return leads_grantee(user, grant) and GrantStatus(grant.status) is GrantStatus.offered
    if action == "connect":  # the grantee's own Stripe account
        return leads_grantee(user, grant)
    return False


@rule(Tranche)
def tranche_rule(user, action: str, tranche: Tranche) -> bool:
    return grant_rule(user, action, tranche.grant)


@rule(Payee)
def payee_rule(user, action: str, payee: Payee) -> bool:
    if action == "view":
        return finance_of(user, payee.organisation_id) or staff_of(user, payee.organisation_id)
    return finance_of(user, payee.organisation_id)
