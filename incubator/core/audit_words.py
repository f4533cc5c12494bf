"""The audit trail in words: one sentence per event ("Sam Staff marked Second Line Academy
eligible"), with the people and objects named and linked.

Each domain says how its actions read and how its objects are named, so a new domain adds
its own without touching this module:

    audit_words.phrases({
        "application.screened": "{actor} marked {object} {to}",
    })

    @audit_words.names("Application")
    def _applications(ids):                      # one query for every application on the page
        return {a.id: Named(a.school_name, url_for(...)) for a in ...}

A phrase is a format string over these placeholders, each already escaped (and linked
where there is a page to link to): `actor` (who acted; "The system" when nobody did),
`object`, `organization`, `claimed` (the email typed by someone not signed in), `from`
and `to` (the states, in words) and `details[...]` (the event's details). A phrase may
also be a function of those values returning the sentence. An action without a phrase,
or a phrase that needs what its event lacks, reads as a plain fallback sentence, so the
trail never breaks on an action it does not know yet.
"""
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable, Iterable

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape

from incubator.extensions import db

Phrase = str | Callable[["Words"], str]


@dataclass(frozen=True)
class Named:
    """How an object reads on the trail, and the page it links to (None: no page)."""

    label: str
    url: str | None = None

    def html(self) -> Markup:
        if self.url:
            return Markup('<a href="{}">{}</a>').format(self.url, self.label)
        return escape(self.label)


_phrases: dict[str, Phrase] = {}
_loaders: dict[str, Callable[[set[int]], dict[int, Named]]] = {}
# States in words, where the stored value does not read well (e.g. a role's value).
state_words: dict[str, str] = {}


def phrases(mapping: dict[str, Phrase]) -> None:
    """Register how actions read (action -> phrase); a later registration wins."""
    _phrases.update(mapping)


def names(object_type: str):
    """Decorator: register the loader that names objects of `object_type` (the model's class
    name), given the set of ids on a page; ids it leaves out read "<type> #<id>"."""

    def register(loader):
        _loaders[object_type] = loader
        return loader

    return register


def known_actions() -> set[str]:
    return set(_phrases)


class Words(dict):
    """The escaped values a phrase is filled with; a missing one makes the phrase fall back."""

    def __missing__(self, key):
        raise KeyError(key)


def _state(value: str | None) -> Markup | None:
    if value is None:
        return None
    return escape(state_words.get(value, value.replace("_", " ")))


def _person(event, people: dict[int, Named]) -> Markup:
    if event.actor_id is not None and event.actor_id in people:
        return people[event.actor_id].html()
    if event.actor_email:
        return Markup("{} <span class=\"muted\">(not signed in)</span>").format(event.actor_email)
    return Markup("The system")


def _object(event, objects: dict[tuple[str, int], Named]) -> Markup | None:
    if not event.object_type:
        return None
    named = objects.get((event.object_type, event.object_id))
    if named is not None:
        return named.html()
    return escape(f"{event.object_type} #{event.object_id}")


def _fallback(event, words: Words) -> Markup:
    sentence = Markup("{} recorded <code>{}</code>").format(words["actor"], event.action)
    if words.get("object") is not None:
        sentence += Markup(" on {}").format(words["object"])
    return sentence


def _fill(phrase: Phrase, words: Words) -> Markup:
    if callable(phrase):
        return Markup(phrase(words))
    return Markup(escape(phrase).format_map(words))  # the values are Markup: left as they are


def _load(events) -> tuple[dict[int, Named], dict[tuple[str, int], Named]]:
    """Names for every person, object and organization on the page: one query per type."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.actor_id is not None:
            wanted["User"].add(event.actor_id)
        if event.object_type and event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
        if event.organisation_id is not None:
            wanted["Organisation"].add(event.organisation_id)
    objects: dict[tuple[str, int], Named] = {}
    for object_type, ids in wanted.items():
        loader = _loaders.get(object_type)
        if loader is None:
            continue
        for object_id, named in loader(ids).items():
            objects[(object_type, object_id)] = named
    people = {object_id: named for (kind, object_id), named in objects.items() if kind == "User"}
    return people, objects


def sentences(events: Iterable) -> list[Markup]:
    """One sentence per audit event, in the order given."""
    events = list(events)
    people, objects = _load(events)
    out = []
    for event in events:
        organization = objects.get(("Organisation", event.organisation_id))
        words = Words(
            actor=_person(event, people), object=_object(event, objects),
            organization=organization.html() if organization else None,
            claimed=escape(event.actor_email or "someone"),
            details={key: escape(_plain(value)) for key, value in (event.details or {}).items()},
        )
        words["from"], words["to"] = _state(event.from_state), _state(event.to_state)
        phrase = _phrases.get(event.action)
        try:
            if phrase is None or any(words[k] is None for k in _needs(phrase)):
                raise KeyError(event.action)
            sentence = _fill(phrase, words)
        except (KeyError, IndexError, TypeError, ValueError):
            sentence = _fallback(event, words)
        out.append(sentence)
    return out


def _needs(phrase: Phrase) -> list[str]:
    """The top-level placeholders of a format-string phrase (a function checks its own)."""
    if callable(phrase):
        return []
    from string import Formatter

    return [field.split("[")[0].split(".")[0] for _, field, _, _ in Formatter().parse(phrase) if field]


def _plain(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_plain(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    return str(value)


# ---- core's own: the mail outbox ---------------------------------------------------------------

phrases({"mail.resend_requested": "{actor} asked for {object} to be sent again"})
phrases({  # an organisation's mail templates (core/mail_templates)
    "mail_template.updated": "{actor} edited the email \u201c{details[label]}\u201d of {object}",
    "mail_template.reset": "{actor} reset the email \u201c{details[label]}\u201d of {object} to the default wording",
})


@names("OutboxMessage")
def _outbox_messages(ids: set[int]) -> dict[int, Named]:
    from incubator.core.mail import OutboxMessage

    rows = db.session.execute(sa.select(OutboxMessage.id, OutboxMessage.recipient).where(OutboxMessage.id.in_(ids)))
    return {i: Named(f"the message to {recipient}", url_for("core.outbox_message", message_id=i)) for i, recipient in rows}


# ---- reminders: notification settings (core.digests) ------------------------------------------

def _mode_changed(words: Words) -> str:
    mode = words["details"]["mode"]
    if words["actor"] == words["object"]:
        return f"{words['actor']} chose {mode} for their notices"
    return f"{words['actor']} set the notices of {words['object']} to {mode}"


phrases({"notifications.mode_changed": _mode_changed})
