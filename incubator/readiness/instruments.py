"""Instrument operations for program staff. An instrument that has been answered (an
assessment was opened on it) is never changed in place: the first edit makes a new version,
which later edits change until it is answered in turn. Old assessments keep their version.

Every operation takes an explicit `actor`, flushes and never commits.
"""
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from incubator.accounts.models import Organisation, User
from incubator.core import audit, ordering
from incubator.core.errors import DomainError, NotAllowed, ValidationFailed
from incubator.core.permissions import require
from incubator.extensions import db
from incubator.readiness import default_instrument as default_content
from incubator.readiness.models import Assessment, ChallengeReadiness, Instrument, ReadinessDomain, ReadinessItem
from incubator.readiness.permissions import staff_of


class OldVersion(DomainError):
    def __init__(self):
        super().__init__("This is an old version of the instrument; edit the current version instead.")


@dataclass
class ItemData:
    prompt: str
    descriptors: list[str]
    allows_not_sure: bool = True


def new_key() -> str:
    return secrets.token_hex(8)


def create_default(organisation: Organisation, *, actor: User | None) -> Instrument:
    """The default instrument for an organization (actor None: the system, e.g. the demo seed).

    :raises NotAllowed: the actor is not program staff of the organization
    """
    if actor is not None and not staff_of(actor, organisation.id):
        raise NotAllowed("Only program staff of the organization can create its instruments.")
    instrument = default_instrument(organisation, created_by_id=getattr(actor, "id", None))
    db.session.add(instrument)
    db.session.flush()
    audit.record(actor, "readiness.instrument.created", instrument, version=1)
    return instrument


def default_instrument(organisation: Organisation, created_by_id: int | None = None) -> Instrument:
    """A new instrument (not yet added to the session) with the default domains and items."""
    instrument = Instrument(organisation=organisation, name=default_content.NAME,
                            description=default_content.DESCRIPTION, created_by_id=created_by_id)
    for position, (title, description, items) in enumerate(default_content.DOMAINS, start=1):
        domain = ReadinessDomain(key=new_key(), position=position, title=title, description=description)
        domain.items = [ReadinessItem(position=n, prompt=prompt, descriptors=list(levels), allows_not_sure=True)
                        for n, (prompt, levels) in enumerate(items, start=1)]
        instrument.domains.append(domain)
    return instrument


def current_instruments(organisation_ids: list[int]) -> list[Instrument]:
    return list(db.session.scalars(sa.select(Instrument).where(
        Instrument.organisation_id.in_(organisation_ids or [-1]), Instrument.is_current)
        .order_by(Instrument.organisation_id, Instrument.name, Instrument.id)))


def versions_of(instrument: Instrument) -> list[Instrument]:
    family = instrument.family
    return list(db.session.scalars(sa.select(Instrument).where(
        sa.or_(Instrument.id == family, Instrument.family_id == family)).order_by(Instrument.version.desc())))


def is_answered(instrument: Instrument) -> bool:
    return db.session.scalar(sa.select(sa.exists().where(Assessment.instrument_id == instrument.id)))


def _editable(instrument: Instrument, actor: User) -> tuple[Instrument, dict, dict]:
    """The version to change, with maps from the given version's domain and item ids to its own."""
    require(actor, "manage", instrument)
    if not instrument.is_current:
        raise OldVersion()
    domains = {d.id: d for d in instrument.domains}
    items = {i.id: i for d in instrument.domains for i in d.items}
    if not is_answered(instrument):
        return instrument, domains, items
    # Compare-and-set: of two staff editing at once, one makes the new version.
    won = db.session.execute(sa.update(Instrument).where(Instrument.id == instrument.id, Instrument.is_current)
                             .values(is_current=False).execution_options(synchronize_session=False)).rowcount
    if won != 1:
        raise DomainError("Someone else changed this instrument a moment ago. Reload it and try again.")
    instrument.is_current = False
    copy = Instrument(organisation_id=instrument.organisation_id, family_id=instrument.family,
                      version=instrument.version + 1, name=instrument.name, description=instrument.description,
                      created_by_id=actor.id)
    domain_map, item_map = {}, {}
    for domain in instrument.domains:
        new_domain = ReadinessDomain(key=domain.key, position=domain.position, title=domain.title,
                                     description=domain.description)
        for item in domain.items:
            new_item = ReadinessItem(position=item.position, prompt=item.prompt, descriptors=list(item.descriptors),
                                     allows_not_sure=item.allows_not_sure)
            new_domain.items.append(new_item)
            item_map[item.id] = new_item
        copy.domains.append(new_domain)
        domain_map[domain.id] = new_domain
    db.session.add(copy)
    db.session.flush()
    # Challenges follow the instrument to its new version: the next assessment opened takes it.
    db.session.execute(sa.update(ChallengeReadiness).where(ChallengeReadiness.instrument_id == instrument.id)
                       .values(instrument_id=copy.id).execution_options(synchronize_session=False))
    audit.record(actor, "readiness.instrument.versioned", copy, from_state=f"v{instrument.version}",
                 to_state=f"v{copy.version}", previous_id=instrument.id)
    return copy, domain_map, item_map


def _clean_title(title: str, what: str, limit: int = 200) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationFailed(f"Give the {what} a title.")
    if len(title) > limit:
        raise ValidationFailed(f"A {what} title is at most {limit} characters.")
    return title


def _clean_item(data: ItemData) -> dict:
    prompt = (data.prompt or "").strip()
    if not prompt:
        raise ValidationFailed("Write the item.")
    if len(prompt) > 500:
        raise ValidationFailed("An item is at most 500 characters.")
    descriptors = [(d or "").strip() for d in data.descriptors]
    if len(descriptors) != 4 or not all(descriptors):
        raise ValidationFailed("Describe each of the four levels.")
    if any(len(d) > 1000 for d in descriptors):
        raise ValidationFailed("A level description is at most 1,000 characters.")
    return {"prompt": prompt, "descriptors": descriptors, "allows_not_sure": bool(data.allows_not_sure)}


def _lookup(mapping: dict, key: int, what: str):
    found = mapping.get(key)
    if found is None:
        raise ValidationFailed(f"That {what} is not part of this instrument.")
    return found


def rename(instrument: Instrument, name: str, description: str, *, actor: User) -> Instrument:
    target, _, _ = _editable(instrument, actor)
    target.name, target.description = _clean_title(name, "instrument"), (description or "").strip()[:5000]
    db.session.flush()
    audit.record(actor, "readiness.instrument.renamed", target)
    return target


def add_domain(instrument: Instrument, title: str, description: str, *, actor: User) -> Instrument:
    target, _, _ = _editable(instrument, actor)
    position = max((d.position for d in target.domains), default=0) + 1
    target.domains.append(ReadinessDomain(key=new_key(), position=position, title=_clean_title(title, "domain"),
                                          description=(description or "").strip()[:5000]))
    db.session.flush()
    audit.record(actor, "readiness.domain.added", target, title=title[:200])
    return target


def update_domain(instrument: Instrument, domain_id: int, title: str, description: str, *, actor: User) -> Instrument:
    target, domains, _ = _editable(instrument, actor)
    domain = _lookup(domains, domain_id, "domain")
    domain.title, domain.description = _clean_title(title, "domain"), (description or "").strip()[:5000]
    db.session.flush()
    audit.record(actor, "readiness.domain.updated", target, domain_key=domain.key)
    return target


def move_domain(instrument: Instrument, domain_id: int, direction: str, *, actor: User) -> Instrument:
    target, domains, _ = _editable(instrument, actor)
    ordering.move(target.domains, _lookup(domains, domain_id, "domain"), direction)
    db.session.flush()
    audit.record(actor, "readiness.domain.moved", target, direction=direction)
    return target


def remove_domain(instrument: Instrument, domain_id: int, *, actor: User) -> Instrument:
    target, domains, _ = _editable(instrument, actor)
    domain = _lookup(domains, domain_id, "domain")
    audit.record(actor, "readiness.domain.removed", target, title=domain.title[:200])
    target.domains.remove(domain)
    ordering.renumber(target.domains)
    db.session.flush()
    return target


def add_item(instrument: Instrument, domain_id: int, data: ItemData, *, actor: User) -> Instrument:
    values = _clean_item(data)
    target, domains, _ = _editable(instrument, actor)
    domain = _lookup(domains, domain_id, "domain")
    domain.items.append(ReadinessItem(position=max((i.position for i in domain.items), default=0) + 1, **values))
    db.session.flush()
    audit.record(actor, "readiness.item.added", target, domain_key=domain.key)
    return target


def update_item(instrument: Instrument, item_id: int, data: ItemData, *, actor: User) -> Instrument:
    values = _clean_item(data)
    target, _, items = _editable(instrument, actor)
    item = _lookup(items, item_id, "item")
    for name, value in values.items():
        setattr(item, name, value)
    db.session.flush()
    audit.record(actor, "readiness.item.updated", target, item_id=item.id)
    return target


def move_item(instrument: Instrument, item_id: int, direction: str, *, actor: User) -> Instrument:
    target, _, items = _editable(instrument, actor)
    item = _lookup(items, item_id, "item")
    ordering.move(item.domain.items, item, direction)
    db.session.flush()
    audit.record(actor, "readiness.item.moved", target, direction=direction)
    return target


def remove_item(instrument: Instrument, item_id: int, *, actor: User) -> Instrument:
    target, _, items = _editable(instrument, actor)
    item = _lookup(items, item_id, "item")
    domain = item.domain
    audit.record(actor, "readiness.item.removed", target, prompt=item.prompt[:200])
    domain.items.remove(item)
    ordering.renumber(domain.items)
    db.session.flush()
    return target
