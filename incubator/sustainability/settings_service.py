"""Changing an organisation's sustainability settings (portfolio area)."""
from incubator.accounts.models import Organisation
from incubator.core import audit
from incubator.extensions import db
from incubator.sustainability.models import SustainabilitySettings, settings_of

WORDS = {"glide_year_1": "glide path year 1", "glide_year_2": "glide path year 2",
         "glide_year_3": "glide path year 3", "glide_year_4": "glide path year 4",
         "city_enrollment": "city enrollment", "report_due_month": "reports due month",
         "report_due_day": "reports due day"}
FIELDS = ("glide_year_1", "glide_year_2", "glide_year_3", "glide_year_4", "city_enrollment", "report_due_month",
          "report_due_day")


def snapshot(settings: SustainabilitySettings) -> dict:
    return {name: getattr(settings, name) for name in FIELDS}


def change_settings(organisation: Organisation, values: dict, *, actor) -> bool:
    """Save the settings (making the row on the first change) and audit the change with the
    values before and after; flushes, the caller commits. False (and nothing written) when
    nothing changed. `values`: FIELDS -> value, checked by the form."""
    settings = settings_of(organisation.id)
    before = snapshot(settings)
    after = {name: values[name] for name in FIELDS}
    if before == after:
        return False
    if settings not in db.session:
        db.session.add(settings)
    for name, value in after.items():
        setattr(settings, name, value)
    settings.updated_by_id = actor.id
    db.session.flush()
    changes = "; ".join(f"{WORDS[name]} {_word(before[name])} \u2192 {_word(after[name])}"
                        for name in FIELDS if before[name] != after[name])
    audit.record(actor, "sustainability.settings.changed", organisation, organisation_id=organisation.id,
                 before=before, after=after, changes=changes)
    return True


def _word(value) -> str:
    return "unset" if value is None else str(value)
