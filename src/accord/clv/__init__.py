"""Customer lifetime value: buy-'til-you-die models fitted on transaction histories.

Pure: no storage, no CLI, no web. The pieces:

* `read_transactions` / `summarize` — rows `customer_id, date, amount` to each
  customer's (frequency, recency, T, monetary value) and holdout counts;
* `BGNBD`, `ParetoNBD` — purchase counts and dropout; `GammaGamma` — spend;
  each `fit()` returns self with `params_`, `log_likelihood_`,
  `standard_errors_` and `summary`;
* `customer_lifetime_value` — discounted expected value over a horizon;
* `account_outlook` — per account: probability alive, expected orders and
  value over the next 12 months, and a reason / season / lifetime label;
* `simulate_*` — draw data from each model, for parameter-recovery checks;
* `build_report` — a self-contained HTML page of a fit.
"""

from accord.clv.accounts import AccountOutlook, HorizonRule, account_outlook
from accord.clv.bgnbd import BGNBD
from accord.clv.errors import ClvError, ConvergenceError, IdentificationError, TransactionsError
from accord.clv.gammagamma import GammaGamma
from accord.clv.paretonbd import ParetoNBD
from accord.clv.report import build_report
from accord.clv.simulate import (
    simulate_bgnbd,
    simulate_gammagamma,
    simulate_paretonbd,
    simulate_transactions,
)
from accord.clv.summary import summarize
from accord.clv.transactions import read_transactions
from accord.clv.value import customer_lifetime_value

__all__ = [
    "BGNBD",
    "AccountOutlook",
    "ClvError",
    "ConvergenceError",
    "GammaGamma",
    "HorizonRule",
    "IdentificationError",
    "ParetoNBD",
    "TransactionsError",
    "account_outlook",
    "build_report",
    "customer_lifetime_value",
    "read_transactions",
    "simulate_bgnbd",
    "simulate_gammagamma",
    "simulate_paretonbd",
    "simulate_transactions",
    "summarize",
]
