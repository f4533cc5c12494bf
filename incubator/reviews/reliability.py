"""How much a round's reviewers agree: Krippendorff's alpha (interval). No Flask, no database.

Units are applications, coders are reviewers and a value is a review's score (or, per
criterion, the criterion's normalised score (s - lo) / (hi - lo); n/a is a missing value).
The `krippendorff` package does the arithmetic; alpha is None where it is undefined (no
application with two scored reviews, or no variation at all).

The reading uses Krippendorff's own thresholds (Content Analysis, 2004, section 11.4.4):
rely on data with alpha >= 0.800, draw tentative conclusions only from 0.667 <= alpha < 0.800.
"""
import math
from dataclasses import dataclass

import krippendorff
import numpy as np

STRONG, MODERATE = 0.8, 0.667


@dataclass(frozen=True)
class Rating:
    """One coder's value for one unit (None: missing, e.g. n/a)."""

    unit: int      # application id
    coder: int     # reviewer id
    value: float | None


def matrix(ratings: list[Rating]) -> list[list[float]]:
    """The coders x units reliability table, NaN where a coder gave a unit no value."""
    units = sorted({r.unit for r in ratings})
    coders = sorted({r.coder for r in ratings})
    column = {unit: i for i, unit in enumerate(units)}
    row = {coder: i for i, coder in enumerate(coders)}
    table = [[math.nan] * len(units) for _ in coders]
    for r in ratings:
        if r.value is not None:
            table[row[r.coder]][column[r.unit]] = float(r.value)
    return table


def pairable(table: list[list[float]]) -> int:
    """How many values sit in a unit that at least two coders valued (only those count)."""
    total = 0
    for j in range(len(table[0]) if table else 0):
        present = sum(1 for row in table if not math.isnan(row[j]))
        total += present if present >= 2 else 0
    return total


def alpha_of_table(table: list[list[float]]) -> float | None:
    """Krippendorff's alpha (interval) of a coders x units table with NaN for missing; None if undefined."""
    if not table or pairable(table) < 2:
        return None
    values = {v for row in table for v in row if not math.isnan(v)}
    if len(values) < 2:  # no variation: the expected disagreement is 0
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        value = float(krippendorff.alpha(reliability_data=np.array(table, dtype=float),
                                         level_of_measurement="interval"))
    return None if math.isnan(value) or math.isinf(value) else value


def alpha(ratings: list[Rating]) -> float | None:
    return alpha_of_table(matrix(ratings))


def reading(value: float | None) -> str:
    """The plain-language reading of an alpha, by Krippendorff's thresholds."""
    if value is None:
        return "Not enough overlapping reviews to tell"
    if value >= STRONG:
        return "Reviewers agree strongly"
    if value >= MODERATE:
        return "Reviewers agree moderately"
    return "Reviewers agree little"
