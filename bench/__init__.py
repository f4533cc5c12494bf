"""Benchmarks: seed data of a given size into a throwaway database, then time pages.

A scenario is a module in bench/scenarios/ with:

    NAME = "admin-lists"                # shown in the table, chosen with --scenario
    SIZE = 10_000                       # default size (--size overrides it)
    def seed(size): ...                 # runs in an app context; commits its data
    REQUESTS = [(label, email, url)]    # email None = signed out; or a function
    def requests(): return [...]        #   that builds the list after seeding
    def figures(size): return [...]     # optional: other measurements, (what, figure, budget)

or, for a scenario that is not a table of pages (the deadline rush), instead of seed/requests:

    def run(size, *, app, database_url, redis_url, workdir) -> list[str]: ...  # lines to print

See bench/README.md. Run with `make bench` (or `python -m bench --help`).
"""
import importlib
import pkgutil
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

# Every seeded person signs in with this password (the demo one).
from incubator.core.demo import DEMO_PASSWORD as PASSWORD  # noqa: F401


@dataclass
class Scenario:
    name: str
    size: int
    seed: Callable[[int], None] | None
    requests: Callable[[], list[tuple[str, str | None, str]]]
    module: str
    run: Callable[..., list[str]] | None = None
    figures: Callable[[int], list[tuple[str, str, str]]] | None = None


def _from_module(module: ModuleType) -> Scenario:
    name = getattr(module, "NAME", module.__name__.rsplit(".", 1)[-1])
    build = getattr(module, "requests", None)
    if build is None:
        fixed = list(getattr(module, "REQUESTS", []))
        build = lambda: fixed  # noqa: E731
    return Scenario(name=name, size=int(getattr(module, "SIZE", 1000)), seed=getattr(module, "seed", None),
                    requests=build, module=module.__name__, run=getattr(module, "run", None),
                    figures=getattr(module, "figures", None))


def discover() -> list[Scenario]:
    """Every module in bench/scenarios/, in name order."""
    from bench import scenarios

    found = []
    for info in sorted(pkgutil.iter_modules(scenarios.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        found.append(_from_module(importlib.import_module(f"bench.scenarios.{info.name}")))
    return found
