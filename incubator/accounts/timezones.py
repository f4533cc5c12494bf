"""The timezones an organization can pick: the zones people live in, US zones first.

The full IANA list has about 600 names, most of them aliases kept for old software
("US/Central", "GB", "Etc/GMT+5") or no place at all ("Factory"). The picker offers the
zones of `zone1970.tab` (one per region whose clocks have agreed since 1970), as shipped
by the pinned `tzdata` package, grouped by region for a <select> with optgroups; typing
a city's first letters in the select jumps to it.
"""
from functools import cache
from importlib.resources import files

# The zones of most US organizations, in the order of the map from east to west.
US_MAIN = [
    ("America/New_York", "Eastern (New York)"),
    ("America/Chicago", "Central (Chicago)"),
    ("America/Denver", "Mountain (Denver)"),
    ("America/Phoenix", "Arizona (Phoenix)"),
    ("America/Los_Angeles", "Pacific (Los Angeles)"),
    ("America/Anchorage", "Alaska (Anchorage)"),
    ("Pacific/Honolulu", "Hawaii (Honolulu)"),
]
US_GROUP = "United States"
REGIONS = {
    "America": "Americas", "Europe": "Europe", "Africa": "Africa", "Asia": "Asia", "Australia": "Australia",
    "Pacific": "Pacific", "Atlantic": "Atlantic", "Indian": "Indian Ocean", "Antarctica": "Antarctica",
}


def _zone_table() -> list[tuple[list[str], str, str]]:
    """(country codes, zone name, comment) for each row of zone1970.tab."""
    text = files("tzdata").joinpath("zoneinfo", "zone1970.tab").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        fields = line.split("\t")
        rows.append((fields[0].split(","), fields[2], fields[3] if len(fields) > 3 else ""))
    return rows


def city_label(name: str) -> str:
    """"America/Argentina/Buenos_Aires" -> "Buenos Aires (Argentina)": the city first, to type it."""
    parts = name.replace("_", " ").split("/")[1:]
    return f"{parts[-1]} ({', '.join(parts[:-1])})" if len(parts) > 1 else parts[-1]


@cache
def grouped_choices() -> dict[str, list[tuple[str, str]]]:
    """{optgroup label: [(zone name, label)]}: United States first, then the regions, then UTC."""
    main = {name for name, _ in US_MAIN}
    us_more, by_region = [], {}
    for countries, name, comment in _zone_table():
        if name in main:
            continue
        if "US" in countries:
            us_more.append((name, f"{city_label(name)}: {comment}" if comment else city_label(name)))
        region = name.split("/", 1)[0]
        if region in REGIONS and "US" not in countries:
            by_region.setdefault(region, []).append((name, city_label(name)))
    groups = {US_GROUP: US_MAIN + sorted(us_more, key=lambda choice: choice[1])}
    for region, label in REGIONS.items():
        if region in by_region:
            groups[label] = sorted(by_region[region], key=lambda choice: choice[1])
    groups["Other"] = [("UTC", "UTC (Coordinated Universal Time)")]
    return groups


def offered(name: str) -> bool:
    return any(name == value for choices in grouped_choices().values() for value, _ in choices)
