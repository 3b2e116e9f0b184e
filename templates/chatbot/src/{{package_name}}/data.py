"""Utterances, responses and the knowledge base: read, checked and split.

The split is stratified by intent and seeded, so `train` and `evaluate` rebuild the same
test set from the saved config. Out-of-scope rows are never trained on: the classifier
only knows the in-scope intents, and the out-of-scope rows outside the test set go to
validation, where they decide the confidence threshold below which the bot declines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

from .settings import DataConfig

MIN_PER_INTENT = 3  # one each for training, validation and test


@dataclass
class Split:
    """Utterances and their intents, in the same order."""

    texts: list[str]
    intents: list[str]

    def __len__(self) -> int:
        return len(self.texts)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Split:
        return cls(frame["text"].tolist(), frame["intent"].tolist())


@dataclass
class IntentData:
    """The three splits and the intents the classifier learns (sorted; out-of-scope excluded)."""

    train: Split
    val: Split
    test: Split
    labels: list[str]
    oos_label: str


@dataclass
class KnowledgeBase:
    """Question/answer pairs; the bot answers a message like a stored question with its answer."""

    questions: list[str]
    answers: list[str]

    def __len__(self) -> int:
        return len(self.questions)


def read_utterances(path: str | Path) -> pd.DataFrame:
    """A CSV with columns `text` and `intent`; blank rows and exact duplicates dropped."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"text", "intent"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} needs columns text and intent; missing {', '.join(missing)}")
    frame = frame[["text", "intent"]].apply(lambda column: column.str.strip())
    frame = frame[(frame["text"] != "") & (frame["intent"] != "")]
    return frame.drop_duplicates().reset_index(drop=True)


def cap_per_intent(frame: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most `limit` random rows per intent: a small, still balanced sample for smoke runs."""
    if limit <= 0:
        return frame
    shuffled = frame.sample(frac=1.0, random_state=seed)
    return shuffled.groupby("intent", sort=False).head(limit).sort_index()


def _check_counts(frame: pd.DataFrame, path: str) -> None:
    counts = frame["intent"].value_counts()
    small = counts[counts < MIN_PER_INTENT]
    if not small.empty:
        listed = ", ".join(f"{intent} ({count})" for intent, count in small.items())
        raise ValueError(
            f"{path}: every intent needs at least {MIN_PER_INTENT} utterances; too few: {listed}"
        )


def load_intents(config: DataConfig, seed: int) -> IntentData:
    """Read the utterances and split them into training, validation and test sets."""
    frame = cap_per_intent(read_utterances(config.utterances), config.max_per_intent, seed)
    _check_counts(frame, config.utterances)
    if config.test_file:
        rest, test = frame, read_utterances(config.test_file)
    else:
        rest, test = train_test_split(
            frame, test_size=config.test_size, stratify=frame["intent"], random_state=seed
        )
    out_of_scope = rest["intent"] == config.oos_label
    train, val = train_test_split(
        rest[~out_of_scope],
        test_size=config.val_size,
        stratify=rest.loc[~out_of_scope, "intent"],
        random_state=seed,
    )
    val = pd.concat([val, rest[out_of_scope]])
    labels = sorted(train["intent"].unique())
    unknown = set(test["intent"]) - set(labels) - {config.oos_label}
    if unknown:
        raise ValueError(
            f"test intents never seen in training: {', '.join(sorted(unknown))}; "
            f"label them {config.oos_label!r} if the bot should decline them"
        )
    return IntentData(
        train=Split.from_frame(train),
        val=Split.from_frame(val),
        test=Split.from_frame(test),
        labels=labels,
        oos_label=config.oos_label,
    )


def load_responses(path: str | Path) -> dict[str, list[str]]:
    """intent -> replies, from YAML where each intent maps to one reply or a list of them."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path} must map each intent to a reply or a list of replies")
    return {
        str(intent): [str(reply) for reply in (replies if isinstance(replies, list) else [replies])]
        for intent, replies in raw.items()
    }


def load_knowledge_base(path: str | Path | None) -> KnowledgeBase:
    """Question/answer pairs from a CSV with columns `question` and `answer` (None: no pairs)."""
    if path is None:
        return KnowledgeBase([], [])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = {"question", "answer"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} needs columns question and answer; missing {', '.join(missing)}")
    frame = frame[(frame["question"].str.strip() != "") & (frame["answer"].str.strip() != "")]
    return KnowledgeBase(frame["question"].tolist(), frame["answer"].tolist())
