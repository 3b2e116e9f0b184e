"""A first look at the utterances: how many per intent and split, how long, how new.

`train` saves these figures in the run folder (the README's Data section shows them) and
`notebooks/eda.ipynb` draws the same ones, so the notebook and the report agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .data import IntentData, Split


def words(text: str) -> list[str]:
    """Lower-case words, punctuation stripped."""
    return [word.strip(".,!?;:'\"()") for word in text.lower().split() if word.strip(".,!?")]


def unseen_share(split: Split, vocabulary: set[str]) -> float:
    """The share of the split's words that no training utterance contains."""
    tokens = [word for text in split.texts for word in words(text)]
    return sum(word not in vocabulary for word in tokens) / max(len(tokens), 1)


def splits(data: IntentData) -> dict[str, Split]:
    return {"train": data.train, "validation": data.val, "test": data.test}


def summary(data: IntentData) -> str:
    """A small Markdown table of the splits and a line on what it means for the models."""
    vocabulary = {word for text in data.train.texts for word in words(text)}
    lines = [
        "| Split | Utterances | Intents | Out of scope | Median words | Words unseen in training |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, split in splits(data).items():
        intents = np.asarray(split.intents, dtype=object)
        lengths = [len(words(text)) for text in split.texts]
        lines.append(
            f"| {name} | {len(split)} | {len(set(intents[intents != data.oos_label]))} | "
            f"{int((intents == data.oos_label).sum())} | {np.median(lengths):.0f} | "
            f"{unseen_share(split, vocabulary):.0%} |"
        )
    test_unseen = unseen_share(data.test, vocabulary)
    lines += [
        "",
        f"Messages are short (a few words), so one word decides the intent; {test_unseen:.0%} "
        "of the test's words never occur in training, which is where a sentence encoder "
        "should beat word and character n-grams (TF-IDF).",
    ]
    return "\n".join(lines)


def intent_counts(data: IntentData) -> Figure:
    """Utterances per intent in each split (out of scope included)."""
    labels = [*data.labels, data.oos_label]
    fig, ax = plt.subplots(figsize=(8, 1.5 + 0.3 * len(labels)))
    rows = np.arange(len(labels))
    for offset, (name, split) in zip((-0.27, 0.0, 0.27), splits(data).items(), strict=True):
        counts = [split.intents.count(label) for label in labels]
        ax.barh(rows + offset, counts, height=0.27, label=name)
    ax.set_yticks(rows, labels)
    ax.invert_yaxis()
    ax.set(xlabel="utterances", title="Utterances per intent and split")
    ax.legend()
    fig.tight_layout()
    return fig


def lengths(data: IntentData) -> Figure:
    """Words per utterance in each split."""
    fig, ax = plt.subplots(figsize=(6, 4))
    counts = {name: [len(words(t)) for t in split.texts] for name, split in splits(data).items()}
    top = max(max(values, default=1) for values in counts.values())
    bins = np.arange(0.5, top + 1.5)
    for name, values in counts.items():
        ax.hist(values, bins=bins, alpha=0.5, density=True, label=name)
    ax.set(xlabel="words per utterance", ylabel="share", title="Utterance length")
    ax.legend()
    fig.tight_layout()
    return fig


def write(data: IntentData, run_dir: Path) -> dict[str, Any]:
    """metrics.json's `eda`: the summary, and the figures saved in the run folder."""
    plots = {
        "Utterances per intent": ("eda_intents.png", intent_counts(data)),
        "Utterance length": ("eda_lengths.png", lengths(data)),
    }
    for name, figure in plots.values():
        figure.savefig(run_dir / name, dpi=120)
        plt.close(figure)
    return {"summary": summary(data), "plots": {title: name for title, (name, _) in plots.items()}}
