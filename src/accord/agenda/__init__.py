"""The daily agenda: what each seller should do next to perpetuate each relationship.

Pure and columnar: `build` takes the seller's slice of the ledger and the
diagnosis (`AgendaInputs`), applies every rule of `accord.agenda.rules` to all
accounts at once, dedups on (account, kind, reason key), ranks by
priority = value at stake × urgency, and applies the stored decisions
(done, snoozed, dismissed). `accord.services_agenda` reads and writes storage.
"""

from accord.agenda.items import STATES, AgendaItem, build, item_id, to_items
from accord.agenda.rules import CANDIDATE_SCHEMA, KINDS, AgendaInputs, main_contacts

__all__ = [
    "CANDIDATE_SCHEMA",
    "KINDS",
    "STATES",
    "AgendaInputs",
    "AgendaItem",
    "build",
    "item_id",
    "main_contacts",
    "to_items",
]
