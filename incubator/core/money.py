"""Money is integer cents. Dollars appear only at the edges (forms and pages)."""
from decimal import Decimal, InvalidOperation

from incubator.core.errors import ValidationFailed


def parse_dollars(text: str) -> int:
    """'100,000.50' -> 10000050. Refuses fractions of a cent and negatives."""
    cleaned = (text or "").strip().replace(",", "").replace("$", "")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValidationFailed("Enter an amount in dollars, like 100000 or 2500.50.") from None
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed("Enter an amount of zero or more.")
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValidationFailed("Amounts are in whole cents.")
    if cents > 10**13:
        raise ValidationFailed("That amount is too large.")
    return int(cents)


def format_cents(cents: int | None, currency: str = "USD") -> str:
    if cents is None:
        return ""
    sign = "-" if cents < 0 else ""
    dollars, rest = divmod(abs(int(cents)), 100)
    text = f"{sign}${dollars:,}"
    return text if rest == 0 else f"{text}.{rest:02d}"
