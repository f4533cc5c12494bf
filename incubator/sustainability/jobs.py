"""Sustainability's jobs: the report reminders sweep (reminders area), the CSV import job
(import area) and the PDFs (page area) are imported here so the worker's warm-up loads them."""
from incubator.sustainability import reminders  # noqa: F401  (the report reminders sweep: reports area)
from incubator.sustainability import import_jobs  # noqa: F401  (the CSV import job: import area)
from incubator.sustainability import pdf_jobs  # noqa: F401  (the school and portfolio PDFs: page area)
