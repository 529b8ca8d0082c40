"""Bringing the book in from where it lives today (issue 9).

Pure translations from what teams already have into bundle rows and
touchpoints; the service layer (`accord.services_intake`) writes them through
the bundle's validated, atomic import path.

* `mapfile`, `csvmap`, `crm` — CRM exports and any CSV, through a TOML mapping
* `mail`, `calendar`, `rules` — mail and calendar capture, with visible rules
* `duplicates` — contacts and accounts that are the same
* `privacy` — what a person's data is, to export or erase it
"""
