"""Program staff edit their organisation's milestone template: add, change, delete and reorder
its milestones. A cohort copies the template when it is made, so these edits apply to cohorts
made after, never to plans already made. Services flush and let the caller commit; each is audited.
"""
from dataclasses import dataclass

from incubator.accounts.models import Organisation, User
from incubator.core import audit, ordering
from incubator.core.errors import NotAllowed, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.extensions import db
from incubator.incubation import plans
from incubator.incubation.models import TEXT_MAX, TITLE_MAX, TemplateMilestone
from incubator.incubation.permissions import staff_of
from incubator.incubation.states import MilestoneKind

MAX_OFFSET_DAYS = 3 * 366  # the longest cohort is 36 months
MAX_SESSIONS = 100


@dataclass
class ItemData:
    title: str
    guidance: str = ""
    evidence_needed: str = ""
    due_offset_days: int = 0
    required_for_launch: bool = True
    kind: MilestoneKind | str = MilestoneKind.standard
    required_sessions: int | None = None


def _text(value: str | None, what: str, limit: int) -> str:
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise ValidationFailed(f"{what} is at most {limit:,} characters (it has {len(text):,}).")
    if has_control_characters(text.replace("\n", " ")):
        raise ValidationFailed(f"{what} contains characters that are not allowed (control characters).")
    return text


def _clean(data: ItemData) -> dict:
    title = " ".join((data.title or "").split())
    if not title:
        raise ValidationFailed("Give the milestone a title, e.g. Prototype pilot.")
    if len(title) > TITLE_MAX or has_control_characters(title):
        raise ValidationFailed(f"A milestone's title is at most {TITLE_MAX} characters of plain text.")
    offset = data.due_offset_days
    if isinstance(offset, bool) or not isinstance(offset, int) or not 0 <= offset <= MAX_OFFSET_DAYS:
        raise ValidationFailed(f"The due offset is a whole number of days from 0 to {MAX_OFFSET_DAYS:,} "
                               "after the cohort's start.")
    try:
        kind = MilestoneKind(data.kind)
    except ValueError:
        raise ValidationFailed("Choose what the milestone checks: evidence only, the stakeholder log "
                               "or logged coaching sessions.") from None
    sessions = None
    if kind == MilestoneKind.coaching:
        sessions = data.required_sessions
        if isinstance(sessions, bool) or not isinstance(sessions, int) or not 1 <= sessions <= MAX_SESSIONS:
            raise ValidationFailed(f"A coaching milestone needs a number of logged sessions, from 1 to {MAX_SESSIONS}.")
    return {"title": title, "guidance": _text(data.guidance, "The guidance", TEXT_MAX),
            "evidence_needed": _text(data.evidence_needed, "The evidence needed", TEXT_MAX),
            "due_offset_days": offset, "required_for_launch": bool(data.required_for_launch), "kind": kind,
            "required_sessions": sessions}


def _require_staff(actor: User, organisation_id: int) -> None:
    if not staff_of(actor, organisation_id):
        raise NotAllowed("Only program staff can edit the milestone template.")


def add_item(organisation: Organisation, data: ItemData, *, actor: User) -> TemplateMilestone:
    """Add a milestone at the end of the template.

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises ValidationFailed: a bad title, text, offset, kind or number of sessions
    """
    _require_staff(actor, organisation.id)
    values = _clean(data)
    items = plans.template_of(organisation)
    item = TemplateMilestone(organisation_id=organisation.id, position=max((i.position for i in items), default=0) + 1,
                             **values)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "incubation.template_item_added", item, title=item.title)
    return item


def update_item(item: TemplateMilestone, data: ItemData, *, actor: User) -> list[str]:
    """Change a milestone of the template; returns the names of the fields that changed.

    :raises NotAllowed, ValidationFailed: as add_item
    """
    _require_staff(actor, item.organisation_id)
    values = _clean(data)
    changed = sorted(name for name, value in values.items() if getattr(item, name) != value)
    for name in changed:
        setattr(item, name, values[name])
    db.session.flush()
    if changed:
        audit.record(actor, "incubation.template_item_updated", item, title=item.title, fields=changed)
    return changed


def delete_item(item: TemplateMilestone, *, actor: User) -> None:
    """Remove a milestone from the template (teams' plans keep their copy).

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises ValidationFailed: it is the template's last milestone
    """
    _require_staff(actor, item.organisation_id)
    items = plans.template_of(item.organisation)
    if len(items) <= 1:
        # With none left, the next cohort would get the default template again.
        raise ValidationFailed("A template needs at least one milestone. Add another before deleting this one.")
    audit.record(actor, "incubation.template_item_deleted", item, title=item.title)
    db.session.delete(item)
    db.session.flush()
    ordering.renumber([i for i in items if i is not item])
    db.session.flush()


def move_item(item: TemplateMilestone, direction: str, *, actor: User) -> None:
    """Swap a milestone with its neighbour above ("up") or below ("down").

    :raises NotAllowed: the actor is not program staff of the organisation
    :raises ValidationFailed: an unknown direction, or it is already first or last
    """
    _require_staff(actor, item.organisation_id)
    ordering.move(plans.template_of(item.organisation), item, direction, what="That milestone")
    db.session.flush()
    audit.record(actor, "incubation.template_item_moved", item, title=item.title, direction=direction)
