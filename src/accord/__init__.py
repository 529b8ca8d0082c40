"""accord: relationship-first selling — the ledger, health, patterns and lifetime value."""

__version__ = "0.1.0"

__all__ = ["__version__"]
