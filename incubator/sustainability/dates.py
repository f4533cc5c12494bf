"""A school's years and when their reports are due (no Flask, no database).

A school opening in calendar year Y (its first students arrive that fall) has year 1 = the
fiscal year July Y - June Y+1, which ends in Y+1; year n's fiscal year ends on 30 June of Y+n.
Year n's report is due on the organisation's due month and day after that (default 31 October).
"""
import calendar
from datetime import date

FISCAL_YEAR_END_MONTH = 6  # June


def fiscal_year(opening_year: int, year: int) -> int:
    """The fiscal year of the school's `year` (1-4), named by the calendar year it ends in."""
    return opening_year + year


def fiscal_year_label(fiscal: int) -> str:
    """2026 -> "2025-26"."""
    return f"{fiscal - 1}-{fiscal % 100:02d}"


def due_on(opening_year: int, year: int, month: int = 10, day: int = 31) -> date:
    """The day year `year`'s report is due: `month`/`day` after its fiscal year ends (the last
    day of the month if it has fewer days)."""
    end = fiscal_year(opening_year, year)
    calendar_year = end if month > FISCAL_YEAR_END_MONTH else end + 1
    return date(calendar_year, month, min(day, calendar.monthrange(calendar_year, month)[1]))


def current_year(opening_year: int | None, today: date) -> int | None:
    """The school's year (1-4) that `today` falls in; 0 before it opens, None without an opening
    year; 5 once year 4 has ended."""
    if opening_year is None:
        return None
    if today < date(opening_year, 7, 1):
        return 0
    year = today.year - opening_year + (1 if today.month > FISCAL_YEAR_END_MONTH else 0)
    return min(year, 5)
