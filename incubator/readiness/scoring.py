"""The maths of readiness, with no Flask or database import, so fixtures can check it by hand.

- A member's domain score is the mean of the items they answered in the domain (1-4);
  "not sure" and unanswered items do not count; a domain with no answered item is
  not rated (None), never 0.
- The team composite of a domain is the mean over the members who rated it; the
  spread is max - min of those members' scores, None with a single rater ("one rater").
- A disagreement is an item whose member ratings differ by 2 or more.
"""
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

LOWEST, HIGHEST = 1, 4
DISAGREEMENT = 2


@dataclass(frozen=True)
class DomainSummary:
    composite: float | None  # None: nobody rated the domain
    spread: float | None  # None: fewer than two raters
    raters: int

    @property
    def is_rated(self) -> bool:
        return self.composite is not None


@dataclass(frozen=True)
class Disagreement:
    item: object
    lowest: int
    highest: int
    values: tuple[int, ...]

    @property
    def difference(self) -> int:
        return self.highest - self.lowest


def counted(value) -> int | None:
    """A rating that counts (1-4), else None (unanswered, "not sure", out of range)."""
    if isinstance(value, bool) or not isinstance(value, int) or not LOWEST <= value <= HIGHEST:
        return None
    return value


def domain_score(values: Iterable) -> float | None:
    """Mean of the answered items of one domain for one rater; None when none was answered."""
    answered = [v for v in (counted(value) for value in values) if v is not None]
    return fmean(answered) if answered else None


def domain_scores(ratings: Mapping, domains: Mapping[object, Sequence]) -> dict:
    """One rater's score per domain. `ratings` maps item -> value; `domains` maps domain -> its items."""
    return {domain: domain_score(ratings.get(item) for item in items) for domain, items in domains.items()}


def summarise(member_scores: Sequence[Mapping], domains: Iterable) -> dict:
    """Per domain: composite, spread and number of raters over the members' domain scores."""
    summary = {}
    for domain in domains:
        scores = [s[domain] for s in member_scores if s.get(domain) is not None]
        if not scores:
            summary[domain] = DomainSummary(None, None, 0)
        else:
            summary[domain] = DomainSummary(fmean(scores), max(scores) - min(scores) if len(scores) > 1 else None,
                                            len(scores))
    return summary


def disagreements(member_ratings: Sequence[Mapping], items: Iterable, threshold: int = DISAGREEMENT) -> list:
    """The items whose ratings (over the members who answered them) differ by `threshold` or more,
    largest difference first, then in the order given."""
    found = []
    for index, item in enumerate(items):
        values = tuple(v for v in (counted(r.get(item)) for r in member_ratings) if v is not None)
        if len(values) >= 2 and max(values) - min(values) >= threshold:
            found.append((index, Disagreement(item, min(values), max(values), values)))
    found.sort(key=lambda pair: (-pair[1].difference, pair[0]))
    return [d for _, d in found]


def gap(staff: float | None, team: float | None) -> float | None:
    """Staff rating minus team composite; None unless both are rated."""
    if staff is None or team is None:
        return None
    return staff - team


def member_labels(count: int) -> list[str]:
    """Member A, Member B, ... Member Z, Member AA: names without names."""
    labels = []
    for n in range(count):
        letters, k = "", n
        while True:
            letters = chr(ord("A") + k % 26) + letters
            k = k // 26 - 1
            if k < 0:
                break
        labels.append(f"Member {letters}")
    return labels


def fmt(value: float | None, empty: str = "not rated") -> str:
    return empty if value is None else f"{value:.2f}"
