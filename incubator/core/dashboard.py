"""Dashboard panels. Each domain registers what it shows to which people.

A panel provider is `func(user) -> Panel | None`; providers run in the order
they were registered. Roles with nothing built yet show an honest empty state.
"""
from dataclasses import dataclass, field

_PROVIDERS: list = []
_PUBLIC: list = []


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 50


def provider(func):
    _PROVIDERS.append(func)
    return func


def public_provider(func):
    _PUBLIC.append(func)
    return func


def panels_for(user) -> list[Panel]:
    found = [panel for func in _PROVIDERS if (panel := func(user)) is not None]
    return sorted(found, key=lambda p: p.order)


def public_panels() -> list[Panel]:
    found = [panel for func in _PUBLIC if (panel := func()) is not None]
    return sorted(found, key=lambda p: p.order)


@dataclass
class NavItem:
    label: str
    url: str


_NAV: list = []


def nav_provider(func):
    """`func(user or None) -> list[NavItem]`: links a domain adds to the top bar."""
    _NAV.append(func)
    return func


def nav_items(user) -> list[NavItem]:
    items: list[NavItem] = []
    for func in _NAV:
        items.extend(func(user) or [])
    return items
