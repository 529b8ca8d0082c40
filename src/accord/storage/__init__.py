"""Storage adapter: SQLAlchemy tables, Alembic migrations and the bulk path.

Importing the package registers every table on `tables.metadata`, so that
migrations and their agreement test see the whole schema.
"""

from accord.storage import access_state as _access_state  # noqa: F401  (registers access tables)
from accord.storage import agenda_state as _agenda_state  # noqa: F401  (agenda_state, _cadence)
from accord.storage import change_log as _change_log  # noqa: F401  (registers ledger_changes)
from accord.storage import intake_state as _intake_state  # noqa: F401  (registers intake_*)
from accord.storage import review_answers as _review_answers  # noqa: F401  (review_answers)
from accord.storage import snapshots as _snapshots  # noqa: F401  (registers health_snapshots)
