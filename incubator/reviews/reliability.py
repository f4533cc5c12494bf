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
    """Alpha of (unit, coder, value) ratings. Which coder gave a value does not enter alpha: only
    which values each unit received, so this goes through `alpha_of_counts`."""
    counts: dict[int, dict[float, int]] = {}
    for r in ratings:
        if r.value is not None:
            values = counts.setdefault(r.unit, {})
            values[float(r.value)] = values.get(float(r.value), 0) + 1
    return alpha_of_counts(counts)


def alpha_of_counts(counts: dict[int, dict[float, int]]) -> float | None:
    """Alpha (interval) from {unit: {value: how many coders gave it}}; None if undefined.

    The package is given the units x values count table directly (`value_counts`), which is
    what it builds from a coders x units table anyway, without the large table of coders.
    Units with fewer than two values are unpairable and left out, as in Krippendorff's method.
    """
    units = [values for values in counts.values() if sum(values.values()) >= 2]
    domain = sorted({value for values in units for value in values})
    if len(domain) < 2:  # nothing pairable, or no variation: the expected disagreement is 0
        return None
    column = {value: i for i, value in enumerate(domain)}
    table = np.zeros((len(units), len(domain)))
    for i, values in enumerate(units):
        for value, number in values.items():
            table[i, column[value]] = number
    with np.errstate(divide="ignore", invalid="ignore"):
        result = float(krippendorff.alpha(value_counts=table, value_domain=domain, level_of_measurement="interval"))
    return None if math.isnan(result) or math.isinf(result) else result


def interval_alpha(pairs) -> float | None:
    """The same alpha as `alpha_of_counts`, in closed form, from (unit, value) pairs (None values
    left out), in O(values) instead of the package's O(units x domain^2).

    For the interval metric Krippendorff's coincidence sums reduce to sums of values and squares:
    with n pairable values, a unit u of m values with sum S1_u and sum of squares S2_u adds
    (2 m S2_u - 2 S1_u^2) / (m - 1) to n * D_o, and n (n - 1) * D_e = 2 n S2 - 2 S1^2 over all
    pairable values; alpha = 1 - D_o / D_e. Review scores are continuous (hundreds of distinct
    values), where the package's values x values tables are what cost; the tests check this
    against the package on the published examples and on random rounds.
    """
    # Three flat dicts of numbers (not a container per unit): cheap for the garbage collector.
    count: dict = {}
    total: dict = {}
    squares: dict = {}
    for unit, value in pairs:
        if value is None:
            continue
        count[unit] = count.get(unit, 0) + 1
        total[unit] = total.get(unit, 0.0) + value
        squares[unit] = squares.get(unit, 0.0) + value * value
    n = s1 = s2 = observed = 0.0
    for unit, m in count.items():
        if m < 2:
            continue
        u1, u2 = total[unit], squares[unit]
        observed += (2 * m * u2 - 2 * u1 * u1) / (m - 1)
        n, s1, s2 = n + m, s1 + u1, s2 + u2
    expected = 2 * n * s2 - 2 * s1 * s1
    if n < 2 or expected <= 1e-12 * max(1.0, n * s2):  # nothing pairable, or no variation
        return None
    return 1 - (n - 1) * observed / expected


def reading(value: float | None) -> str:
    """The plain-language reading of an alpha, by Krippendorff's thresholds."""
    if value is None:
        return "Not enough overlapping reviews to tell"
    if value >= STRONG:
        return "Reviewers agree strongly"
    if value >= MODERATE:
        return "Reviewers agree moderately"
    return "Reviewers agree little"
