"""What other domains add to an application's submission checklist, without the applications
domain importing them: a domain registers `func(application) -> list[str]` (the missing items)."""
from collections.abc import Callable

_CONTRIBUTORS: list[Callable] = []


def contributor(func: Callable) -> Callable:
    _CONTRIBUTORS.append(func)
    return func


def missing_from_contributors(application) -> list[str]:
    return [text for func in _CONTRIBUTORS for text in func(application)]
