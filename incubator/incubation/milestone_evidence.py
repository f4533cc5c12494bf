"""Evidence a team hands in for a milestone: a text, a link or a file (kept by core.uploads in the
"evidence" area: recognised by content, at most 20 MB each and 100 MB per milestone, offered only
as downloads). Added and removed by team members while the milestone is still theirs to hand in
(not submitted yet, or sent back with changes requested); each change is audited and becomes the
milestone's latest activity."""
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from incubator.core import audit, uploads
from incubator.core.errors import DomainError, NotAllowed, ValidationFailed
from incubator.core.forms import has_control_characters
from incubator.extensions import db
from incubator.incubation import lifecycle
from incubator.incubation.lifecycle import ChangedMeanwhile
from incubator.incubation.milestones import CONTROL
from incubator.incubation.models import TEXT_MAX, TITLE_MAX, Evidence, Milestone
from incubator.incubation.permissions import on_team
from incubator.incubation.states import EvidenceKind, MilestoneStatus

AREA = "evidence"
URL_MAX = 2_000
MAX_PIECES = 50
MAX_TOTAL_BYTES = 100 * 1024 * 1024
OPEN_STATUSES = [s for s in MilestoneStatus if s.is_open]


class EvidenceRefused(ValidationFailed):
    """The evidence itself cannot be taken (the message says why)."""


class NotOpen(DomainError):
    """The milestone is not the team's to change now (submitted or approved)."""


def _may_hand_in(milestone: Milestone, actor) -> None:
    """:raises NotAllowed: not on the team, or the team left; NotOpen: submitted or approved"""
    cohort_team = milestone.cohort_team
    if not on_team(actor, cohort_team):
        raise NotAllowed("Only members of the team can change its evidence.")
    if not cohort_team.is_active:
        raise NotAllowed("Your team is no longer in the cohort, so its evidence cannot change.")
    status = MilestoneStatus(milestone.status)
    if not status.is_open:
        raise NotOpen(f"This milestone is {status.label.lower()}: evidence can change only before it is "
                              "submitted, or after changes are requested.")


def _touch_while_open(milestone: Milestone, activity: str, *, now: datetime) -> None:
    """lifecycle.touch, written only while the row is still open: a submission that committed
    after this request loaded the milestone wins, and this change is refused. The version moves
    on too, so a submission from a page loaded before this change is refused in its turn (it
    would hand in evidence its sender did not see).

    :raises ChangedMeanwhile: the milestone was submitted (or moved) meanwhile"""
    changed = db.session.execute(
        sa.update(Milestone).where(Milestone.id == milestone.id, Milestone.status.in_(OPEN_STATUSES))
        .values(last_activity_at=now, last_activity=activity[:200], version=Milestone.version + 1)
        .execution_options(synchronize_session=False)).rowcount
    if changed != 1:
        raise ChangedMeanwhile()
    set_committed_value(milestone, "version", db.session.scalar(
        sa.select(Milestone.version).where(Milestone.id == milestone.id)))
    lifecycle.touch(milestone, activity, now=now)  # the loaded object agrees with the row


def _clean_label(label: str | None, *, required: str | None = None) -> str:
    label = (label or "").strip()
    if required and not label:
        raise EvidenceRefused(required)
    if len(label) > TITLE_MAX:
        raise EvidenceRefused(f"A label is at most {TITLE_MAX} characters (it has {len(label):,}).")
    if has_control_characters(label):
        raise EvidenceRefused("The label must be one line of plain text, without control characters.")
    return label


def clean_url(url: str | None) -> str:
    """The link as it will be shown and followed.

    :raises EvidenceRefused: empty, too long, not http or https, without a host, or with spaces
        or control characters"""
    url = (url or "").strip()
    if not url:
        raise EvidenceRefused("Enter the link, starting with https://.")
    if len(url) > URL_MAX:
        raise EvidenceRefused(f"A link is at most {URL_MAX:,} characters (it has {len(url):,}).")
    if has_control_characters(url) or any(ch.isspace() for ch in url):
        raise EvidenceRefused("A link cannot contain spaces or control characters.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        raise EvidenceRefused("That is not a link a browser can open. Copy it from the address bar.") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise EvidenceRefused("Only web links are accepted: the link must start with https:// or http://.")
    if not host:
        raise EvidenceRefused("The link needs a site name after https://, like https://example.org/plan.")
    return url


def _clean_text(body: str | None) -> str:
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise EvidenceRefused("Write the text you want to hand in.")
    if len(body) > TEXT_MAX:
        raise EvidenceRefused(f"A text is at most {TEXT_MAX:,} characters (it has {len(body):,}). "
                              "Shorten it, or upload it as a file.")
    if CONTROL.search(body):
        raise EvidenceRefused("The text contains characters that are not allowed "
                              "(control characters or direction overrides).")
    return body


def _room_for_one_more(milestone: Milestone) -> None:
    if len(milestone.evidence) >= MAX_PIECES:
        raise EvidenceRefused(f"A milestone holds at most {MAX_PIECES} pieces of evidence. Remove one first.")


def _added(milestone: Milestone, evidence: Evidence, *, actor) -> Evidence:
    milestone.evidence.append(evidence)
    db.session.flush()
    audit.record(actor, "incubation.evidence_added", milestone, evidence_id=evidence.id, kind=evidence.kind,
                 what=describe(evidence))
    return evidence


def add_text(milestone: Milestone, body: str | None, *, label: str | None = "", actor, now: datetime) -> Evidence:
    """:raises NotAllowed, NotOpen, EvidenceRefused, ChangedMeanwhile"""
    _may_hand_in(milestone, actor)
    body, label = _clean_text(body), _clean_label(label)
    _room_for_one_more(milestone)
    _touch_while_open(milestone, f"Text added by {actor.display_name}", now=now)
    evidence = Evidence(kind=EvidenceKind.text, body=body, label=label, added_at=now, added_by_id=actor.id)
    return _added(milestone, evidence, actor=actor)


def add_link(milestone: Milestone, url: str | None, label: str | None, *, actor, now: datetime) -> Evidence:
    """:raises NotAllowed, NotOpen, EvidenceRefused, ChangedMeanwhile"""
    _may_hand_in(milestone, actor)
    url = clean_url(url)
    label = _clean_label(label, required="Say what the link is (for example “Pilot recording”).")
    _room_for_one_more(milestone)
    _touch_while_open(milestone, f"Link added by {actor.display_name}", now=now)
    evidence = Evidence(kind=EvidenceKind.link, url=url, label=label, added_at=now, added_by_id=actor.id)
    return _added(milestone, evidence, actor=actor)


def add_file(milestone: Milestone, stream, filename: str | None, *, label: str | None = "", actor,
             now: datetime) -> Evidence:
    """Keep an uploaded file (removed again from disk if the transaction rolls back).

    :raises NotAllowed, NotOpen, EvidenceRefused, ChangedMeanwhile
    :raises UploadRefused: empty, over 20 MB, over the milestone's 100 MB, or not an accepted kind
    """
    _may_hand_in(milestone, actor)
    label = _clean_label(label)
    _room_for_one_more(milestone)
    _touch_while_open(milestone, f"File added by {actor.display_name}", now=now)
    used = sum(e.size_bytes or 0 for e in milestone.evidence if e.kind == EvidenceKind.file)
    received = uploads.receive(stream, filename, area=AREA, already_used=used, max_total=MAX_TOTAL_BYTES,
                               total_words="A milestone's files may add up to at most 100 MB. Remove a file first.")
    evidence = Evidence(kind=EvidenceKind.file, label=label, original_filename=received.original_filename,
                        stored_name=received.stored_name, content_type=received.content_type,
                        size_bytes=received.size_bytes, sha256=received.sha256, added_at=now, added_by_id=actor.id)
    return _added(milestone, evidence, actor=actor)


def describe(evidence: Evidence) -> str:
    if evidence.kind == EvidenceKind.file:
        return f"the file {evidence.original_filename}"
    if evidence.kind == EvidenceKind.link:
        return f"the link “{evidence.label}”"
    return f"the text “{evidence.label}”" if evidence.label else "a text"


def remove(evidence: Evidence, *, actor, now: datetime) -> None:
    """Remove a piece of evidence (its file goes once the removal commits).

    :raises NotAllowed, NotOpen, ChangedMeanwhile"""
    milestone = evidence.milestone
    _may_hand_in(milestone, actor)
    _touch_while_open(milestone, f"Evidence removed by {actor.display_name}", now=now)
    if evidence.kind == EvidenceKind.file and evidence.stored_name:
        uploads.forget(AREA, evidence.stored_name)
    audit.record(actor, "incubation.evidence_removed", milestone, evidence_id=evidence.id, kind=evidence.kind,
                 what=describe(evidence))
    milestone.evidence.remove(evidence)
    db.session.delete(evidence)
    db.session.flush()


def download(evidence: Evidence):
    """The response offering the evidence's file (never inline); 404 when it is not a file."""
    from flask import abort

    if evidence.kind != EvidenceKind.file or not evidence.stored_name:
        abort(404)
    return uploads.download(AREA, evidence.stored_name, original_filename=evidence.original_filename or "evidence",
                            content_type=evidence.content_type or "application/octet-stream")
