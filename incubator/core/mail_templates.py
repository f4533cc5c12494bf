"""Mail an organisation words itself: a subject and a body with placeholders, edited by its
staff, with the portal's default where it wrote none.

Each kind of mail is registered once by the domain that sends it, with its default text and
the placeholders it fills:

    mail_templates.register("review.decision.select", "Selected", subject="...", body="...",
                            placeholders=("team", "school", "challenge", "round", "decision"))

A placeholder is written `{team}` in the text. Rendering fills only the registered
placeholders (anything else in braces is left as typed), so staff text can never reach
attributes or other values.
"""
import re
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from incubator.core import audit
from incubator.core.errors import ValidationFailed
from incubator.core.timeutil import utcnow
from incubator.extensions import db


class MailTemplate(db.Model):
    """An organisation's own wording of one kind of mail."""

    __tablename__ = "mail_templates"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "key", name="one_template_per_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(80))
    subject: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def audit_organisation_id(self) -> int:
        return self.organisation_id


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    subject: str
    body: str
    placeholders: tuple[str, ...]


KINDS: dict[str, Kind] = {}


def register(key: str, label: str, *, subject: str, body: str, placeholders: tuple[str, ...]) -> Kind:
    KINDS[key] = Kind(key, label, subject, body, placeholders)
    return KINDS[key]


# ---- an organisation's wording, rendering and validation --------------------------------------

SUBJECT_MAX = 200
BODY_MAX = 20_000
# `{name}` where name is a word without spaces: what staff may mean as a placeholder. Anything
# else in braces ("{ like this }", "{{", a lone "{") is plain text and stays as typed.
_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,60})\}")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\u202a-\u202e\u2066-\u2069]")


class TemplateInvalid(ValidationFailed):
    """The subject or body cannot be saved; `problems` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def kind(key: str) -> Kind:
    """The registered kind of mail; KeyError when nothing registered `key`."""
    return KINDS[key]


def saved_template(organisation_id: int, key: str) -> MailTemplate | None:
    return db.session.scalar(sa.select(MailTemplate).where(MailTemplate.organisation_id == organisation_id,
                                                           MailTemplate.key == key))


def template_for(organisation_id: int, key: str) -> MailTemplate | Kind:
    """The organisation's own wording of `key`, or the registered default where it wrote none."""
    return saved_template(organisation_id, key) or kind(key)


def _fill(text: str, allowed: tuple[str, ...], values: dict) -> str:
    # A plain substitution, never str.format: staff text must not reach attributes or indexes.
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name in allowed and name in values:
            return str(values[name] if values[name] is not None else "")
        return match.group(0)

    return _PLACEHOLDER.sub(one, text)


def render(kind_or_template: MailTemplate | Kind, values: dict) -> tuple[str, str]:
    """(subject, body) with the registered placeholders filled from `values`; plain text.

    The subject is one line (a value with a line break cannot add a header)."""
    allowed = kind(kind_or_template.key).placeholders
    subject = " ".join(_fill(kind_or_template.subject, allowed, values).split())[:SUBJECT_MAX]
    return subject, _fill(kind_or_template.body, allowed, values)


def problems(key: str, subject: str, body: str) -> list[str]:
    """What is wrong with a wording of `key` (empty when it can be saved)."""
    allowed = kind(key).placeholders
    found = []
    if not subject.strip():
        found.append("Write a subject.")
    elif _LINE_BREAK.search(subject):
        found.append("The subject must be one line.")
    if len(subject) > SUBJECT_MAX:
        found.append(f"The subject is at most {SUBJECT_MAX} characters (it has {len(subject):,}).")
    if not body.strip():
        found.append("Write the message.")
    if len(body) > BODY_MAX:
        found.append(f"The message is at most {BODY_MAX:,} characters (it has {len(body):,}).")
    if _CONTROL.search(subject) or _CONTROL.search(body):  # (tabs and line breaks are not in _CONTROL)
        found.append("The text contains characters that are not allowed (control characters or direction overrides).")
    unknown = sorted({m.group(1) for text in (subject, body) for m in _PLACEHOLDER.finditer(text)} - set(allowed))
    if unknown:
        shown = ", ".join("{" + name[:40] + "}" for name in unknown[:10])
        known = ", ".join("{" + name + "}" for name in allowed)
        found.append(f"Unknown placeholder{'s' if len(unknown) > 1 else ''} {shown}. The placeholders you can use "
                     f"are {known}.")
    return found


def save(organisation, key: str, *, subject: str, body: str, actor) -> MailTemplate:
    """Store the organisation's wording of `key` (audited).

    :raises KeyError: no kind of mail is registered as `key`
    :raises TemplateInvalid: the subject or body cannot be used (every reason listed)
    """
    body = body.replace("\r\n", "\n")
    found = problems(key, subject, body)
    if found:
        raise TemplateInvalid(found)
    row = saved_template(organisation.id, key)
    if row is None:
        row = MailTemplate(organisation_id=organisation.id, key=key, subject=subject, body=body)
        db.session.add(row)
    elif row.subject == subject.strip() and row.body == body:
        return row
    row.subject, row.body, row.updated_by_id = subject.strip(), body, actor.id
    row.updated_at = utcnow()
    db.session.flush()
    # On the organisation, so the trail still reads after a reset deletes the row.
    audit.record(actor, "mail_template.updated", organisation, key=key, label=kind(key).label)
    return row


def reset(organisation, key: str, *, actor) -> bool:
    """Go back to the registered default wording of `key`; False when there was nothing to reset."""
    kind(key)
    row = saved_template(organisation.id, key)
    if row is None:
        return False
    audit.record(actor, "mail_template.reset", organisation, key=key, label=kind(key).label)
    db.session.delete(row)
    db.session.flush()
    return True


def sample_values(key: str) -> dict[str, str]:
    """Values the preview fills the placeholders with."""
    samples = {"team": "Bayou Learning Lab", "school": "Bayou Community School", "challenge": "Future of School 2027",
               "round": "Written review", "decision": "Selected", "rationale": "A strong, well-costed plan.",
               "link": "https://incubator.example.org/applications/1"}
    return {name: samples.get(name, f"({name})") for name in kind(key).placeholders}
