"""Routes of the review blueprint (see views.py)."""
from incubator.reviews.views import bp  # noqa: F401
