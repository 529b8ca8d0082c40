"""Fixtures of the lifetime-value tests: the CDNOW data shipped in shared/data/cdnow.

The files are the ones distributed with the `lifetimes` package (Fader & Hardie's
CDNOW sample and master). Found via $ACCORD_CDNOW_DIR, else the copy in
tests/data/cdnow, else ../shared/data/cdnow beside the repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from accord.clv import read_transactions, summarize
from accord.clv._fitting import FloatArray

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION_END = date(1997, 9, 30)  # 39 weeks after 1997-01-01 (FHL 2005)


def cdnow_dir() -> Path:
    candidates = [
        Path(os.environ["ACCORD_CDNOW_DIR"]) if "ACCORD_CDNOW_DIR" in os.environ else None,
        ROOT / "tests" / "data" / "cdnow",  # the copy the repository carries
        ROOT.parent / "shared" / "data" / "cdnow",
        ROOT / "shared" / "data" / "cdnow",
    ]
    for path in candidates:
        if path is not None and (path / "CDNOW_sample.txt").exists():
            return path
    pytest.fail("CDNOW data not found: set ACCORD_CDNOW_DIR or put shared/ beside the repository")


@dataclass(frozen=True)
class Cdnow:
    transactions: pl.DataFrame
    summary: pl.DataFrame

    @property
    def x(self) -> FloatArray:
        return self.summary["frequency"].to_numpy().astype(np.float64)

    @property
    def tx(self) -> FloatArray:
        return self.summary["recency"].to_numpy()

    @property
    def T(self) -> FloatArray:  # noqa: N802 - the papers' name
        return self.summary["T"].to_numpy()


@pytest.fixture(scope="session")
def cdnow_path() -> Path:
    return cdnow_dir()


@pytest.fixture(scope="session")
def cdnow_sample(cdnow_path: Path) -> Cdnow:
    rows = read_transactions(cdnow_path / "CDNOW_sample.txt", input_format="cdnow")
    return Cdnow(rows, summarize(rows, CALIBRATION_END, time_unit="weeks"))
