"""The CSV bundle (SPEC section 2): read and check it, write it back."""

from accord.bundle.load import (
    KnownKeys,
    KnownRows,
    LoadedBundle,
    LoadedTable,
    load_bundle,
    write_rejects,
)
from accord.bundle.write import write_table

__all__ = [
    "KnownKeys",
    "KnownRows",
    "LoadedBundle",
    "LoadedTable",
    "load_bundle",
    "write_rejects",
    "write_table",
]
