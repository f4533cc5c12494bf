"""The grants blueprint. Its routes live in one module per concern, each adding to `bp`."""
from flask import Blueprint

bp = Blueprint("grants", __name__, url_prefix="/grants")

# Imported for their routes (each module decorates `bp`).
from incubator.grants import offer_views  # noqa: E402,F401  (offers, the pool, withdraw: offers area)
from incubator.grants import letter_views  # noqa: E402,F401  (award letter, acceptance: letter area)
from incubator.grants import payee_views  # noqa: E402,F401  (payees, Stripe onboarding: letter area)
from incubator.grants import finance_views  # noqa: E402,F401  (dashboard, grant page, CSV: finance area)
from incubator.grants import release_views  # noqa: E402,F401  (request, approve, cancel, pay: finance area)
from incubator.grants import webhook_views  # noqa: E402,F401  (Stripe's webhook: stripe area)
from incubator.grants import events as _events  # noqa: E402,F401  (the milestone subscription, in every process)
