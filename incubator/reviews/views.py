"""The review blueprint. Its routes live in one module per concern, each adding to `bp`."""
from flask import Blueprint

bp = Blueprint("reviews", __name__, url_prefix="/reviews")

# Imported for their routes (each module decorates `bp`).
from incubator.reviews import (  # noqa: E402,F401
    assignment_views,
    conflict_views,
    decision_views,
    ranking_views,
    reviewer_views,
    round_views,
)
