"""Purpose and behaviour tags read from the text real books hold (see docs/health.md,
"Inferred signals"): `infer` decides what to store for a note, `read` gives the models'
probabilities. Stored apart from what a person labelled, and never over it."""

from accord.signals.infer import Inferred, infer
from accord.signals.model import MODEL_VERSION, PURPOSE_CLASSES, TAG_CLASSES, Guess, read
from accord.signals.text import clean

__all__ = [
    "MODEL_VERSION",
    "PURPOSE_CLASSES",
    "TAG_CLASSES",
    "Guess",
    "Inferred",
    "clean",
    "infer",
    "read",
]
