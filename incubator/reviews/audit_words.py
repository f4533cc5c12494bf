"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
from incubator.core.audit_words import phrases

phrases({
    # ranking and dashboard (h-ranking)
    "review.reminders_sent": "{actor} reminded {details[count]} reviewer(s) of unfinished reviews in {object}",
    # end ranking
})
