"""Set-based feature queries (Ibis), run where the data is: DuckDB or PostgreSQL.

Pure of storage and adapters: it takes a database URL and returns frames.
"""

from accord.analytics.backend import COLUMNS, Ledger, open_ledger, read_sqlite
from accord.analytics.features import (
    account_features,
    contact_strengths,
    day_number,
    first_activity,
    order_history,
)

__all__ = [
    "COLUMNS",
    "Ledger",
    "account_features",
    "contact_strengths",
    "day_number",
    "first_activity",
    "open_ledger",
    "order_history",
    "read_sqlite",
]
