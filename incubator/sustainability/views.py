"""The sustainability blueprint. Its routes live in one module per concern, each adding to `bp`."""
from flask import Blueprint

bp = Blueprint("sustainability", __name__, url_prefix="/sustainability")

# Imported for their routes (each module decorates `bp`).
from incubator.sustainability import school_views  # noqa: E402,F401  (schools, reporters, invitations: schools area)
from incubator.sustainability import report_views  # noqa: E402,F401  (annual reports: reports area)
from incubator.sustainability import page_views  # noqa: E402,F401  (the school page, the PDFs: page area)
from incubator.sustainability import portfolio_views  # noqa: E402,F401  (dashboard, CSV: portfolio area)
from incubator.sustainability import import_views  # noqa: E402,F401  (CSV imports: import area)
from incubator.sustainability import settings_views  # noqa: E402,F401  (settings: reminders area)
