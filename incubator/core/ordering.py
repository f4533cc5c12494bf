"""Rows kept in an order of their own (questions, instrument domains and items, milestones):
`position` numbered 1..n, moved one step up or down by staff."""
from incubator.core.errors import ValidationFailed


def renumber(rows: list) -> None:
    """Number `rows` 1..n in their current order (by position, then id)."""
    for position, row in enumerate(sorted(rows, key=lambda r: (r.position, r.id or 0)), start=1):
        row.position = position


def move(rows: list, row, direction: str, *, what: str = "That") -> None:
    """Swap `row` with its neighbour above ("up") or below ("down") among `rows`, then renumber.

    :raises ValidationFailed: an unknown direction, or `row` is already first or last
    """
    ordered = sorted(rows, key=lambda r: (r.position, r.id or 0))
    index = ordered.index(row)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        raise ValidationFailed(f"{what} cannot move further.")
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
