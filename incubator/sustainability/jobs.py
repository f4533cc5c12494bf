"""Sustainability's jobs: the report reminders sweep (reminders area), the CSV import job
(import area) and the PDFs (page area) are imported here so the worker's warm-up loads them."""
from incubator.sustainability import import_jobs  # noqa: E402,F401  (the CSV import job: import area)
