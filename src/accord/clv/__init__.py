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
* `simulate_*` — draw data from each model, for parameter-recovery checks.
"""

from accord.clv.bgnbd import BGNBD
from accord.clv.errors import ClvError, ConvergenceError, IdentificationError, TransactionsError
from accord.clv.gammagamma import GammaGamma
from accord.clv.paretonbd import ParetoNBD
from accord.clv.summary import summarize
from accord.clv.transactions import read_transactions

__all__ = [
    "BGNBD",
    "ClvError",
    "ConvergenceError",
    "GammaGamma",
    "IdentificationError",
    "ParetoNBD",
    "TransactionsError",
    "read_transactions",
    "summarize",
]
