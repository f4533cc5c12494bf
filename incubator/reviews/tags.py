"""Expertise tags: what a reviewer knows, matched against what an application is about
(its track, grade band, neighbourhood and the model elements it describes)."""
import re

from incubator.challenges.models import MODEL_ELEMENTS

FIXED_TAGS = (
    ("track:new_school", "New schools"),
    ("track:school_transition", "School transitions"),
    ("grades:elementary", "Elementary grades (PK-5)"),
    ("grades:middle", "Middle grades (6-8)"),
    ("grades:high", "High school (9-12)"),
    *((f"element:{key}", label) for key, label in MODEL_ELEMENTS),
)
FIXED_TAG_KEYS = {key for key, _ in FIXED_TAGS}


def neighbourhood_tag(name: str) -> str | None:
    """"Treme / Lafitte" -> "neighbourhood:treme-lafitte" (None for an empty name)."""
    slug = re.sub(r"[^a-z0-9]+", "-", (name or "").strip().lower()).strip("-")
    return f"neighbourhood:{slug}" if slug else None


def _grade_numbers(grades: str) -> set[int]:
    """"K-5" -> {0..5}; "PK-8" -> {-1..8}; "9, 10" -> {9, 10}; unreadable -> empty."""
    text = (grades or "").upper().replace("PK", "-1").replace("K", "0")
    numbers: set[int] = set()
    for part in re.split(r"[,;/ ]+", text):
        bounds = re.fullmatch(r"(-?1|\d{1,2})\s*[-–]\s*(\d{1,2})", part.strip())
        if bounds:
            lo, hi = int(bounds.group(1)), int(bounds.group(2))
            numbers.update(range(lo, hi + 1) if lo <= hi <= 12 else ())
        elif re.fullmatch(r"-?\d{1,2}", part.strip()):
            numbers.add(int(part))
    return numbers


def grade_tags(grades: str) -> set[str]:
    numbers = _grade_numbers(grades)
    found = set()
    if numbers & set(range(-1, 6)):
        found.add("grades:elementary")
    if numbers & {6, 7, 8}:
        found.add("grades:middle")
    if numbers & {9, 10, 11, 12}:
        found.add("grades:high")
    return found


def application_tags(application) -> set[str]:
    tags = {f"track:{application.challenge.track.value}"} | grade_tags(application.grades)
    neighbourhood = neighbourhood_tag(application.neighbourhood)
    if neighbourhood:
        tags.add(neighbourhood)
    for key, _ in MODEL_ELEMENTS:
        if (getattr(application, key, "") or "").strip():
            tags.add(f"element:{key}")
    return tags
