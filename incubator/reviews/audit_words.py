"""How the review domain's audit events read (see incubator/core/audit_words.py)."""
from incubator.core.audit_words import phrases

phrases({
})
