"""What `tune` searches: the intent head's learning rate, width, dropout and weight decay.

The encoder stays frozen and its embeddings are cached, so a trial only trains the small head
(seconds) and generates no answers from the documents. The objective is the validation
macro-F1: the test set is never looked at.
"""

from __future__ import annotations

from typing import Any

import optuna

OBJECTIVE = "val_macro_f1"  # a metric in metrics.json's model row, measured without the test set
DIRECTION = "maximize"


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """Dotted config keys -> values for one trial."""
    return {
        "train.lr": trial.suggest_float("train.lr", 1e-3, 1e-1, log=True),
        "train.weight_decay": trial.suggest_float("train.weight_decay", 1e-6, 1e-2, log=True),
        "model.hidden": trial.suggest_categorical("model.hidden", [0, 128, 256]),
        "model.dropout": trial.suggest_float("model.dropout", 0.0, 0.5),
        "documents.answer_sample": 0,  # a trial scores the router: no answers generated
    }
