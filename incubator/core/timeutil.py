"""Time helpers: everything is stored in UTC and shown in the organisation's zone."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def end_of_local_day(day: date, tz_name: str | None) -> datetime:
    """The UTC moment local `day` ends in `tz_name` (the local midnight after it): a deadline
    "by the end of" a day, a milestone's due moment, a grant offer's expiry."""
    midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone(tz_name))
    return midnight.astimezone(timezone.utc)


def is_valid_timezone(name: str) -> bool:
    return name in available_timezones()


def local(moment: datetime | None, tz_name: str | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(zone(tz_name))


def from_local(naive: datetime, tz_name: str) -> datetime:
    """Interpret a wall-clock time typed by a user in `tz_name` as a UTC moment.

    On the autumn change a wall time happens twice; we take the first (fold=0).
    A wall time skipped in spring is moved forward by the gap, as zoneinfo does.
    """
    aware = naive.replace(tzinfo=zone(tz_name))
    return aware.astimezone(timezone.utc)


def format_local(moment: datetime | None, tz_name: str | None, fmt: str = "%-d %b %Y, %H:%M %Z") -> str:
    if moment is None:
        return ""
    return local(moment, tz_name).strftime(fmt)


# How people in the US name their zone on a deadline ("17:00 Central"), whatever the season.
ZONE_NAMES = {
    "America/New_York": "Eastern", "America/Detroit": "Eastern", "America/Indiana/Indianapolis": "Eastern",
    "America/Chicago": "Central", "America/Denver": "Mountain", "America/Phoenix": "Mountain",
    "America/Los_Angeles": "Pacific", "America/Anchorage": "Alaska", "Pacific/Honolulu": "Hawaii",
}


def format_received_by(moment: datetime, tz_name: str | None) -> str:
    """The deadline rule's time, to the second: "17:00:00 Central" (or "17:00:00 CET" elsewhere)."""
    shown = local(moment, tz_name)
    return f"{shown:%H:%M:%S} {ZONE_NAMES.get(tz_name or '', shown.strftime('%Z'))}"


def format_timeleft(moment: datetime, now: datetime | None = None) -> str:
    now = now or utcnow()
    seconds = int((moment - now).total_seconds())
    if seconds <= 0:
        return "closed"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} day{'s' if days != 1 else ''}, {hours} hour{'s' if hours != 1 else ''} left"
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}, {minutes} min left"
    return f"{minutes} min left"
