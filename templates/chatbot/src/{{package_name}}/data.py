"""Utterances, responses and the knowledge base: read, checked and split.

The split is stratified by intent and seeded, so `train` and `evaluate` rebuild the same
test set from the saved config. Out-of-scope rows are never trained on: the classifier
only knows the in-scope intents, and the out-of-scope rows outside the test set go to
validation, where they decide the confidence threshold below which the bot declines.
A validation or test file, when the config names one, replaces the matching split: a file
written apart from the training rows (other people, other phrasings) measures what users
will send better than a random share of the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from sklearn.model_selection import train_test_split

from .settings import DataConfig

RESPONSES = "responses.yaml"  # the copies of the replies and knowledge base in a run folder
KNOWLEDGE_BASE = "knowledge_base.csv"


class DataError(ValueError):
    """A data file that is missing or lacks what the config needs; the message names the setting."""


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


def read_csv(path: str | Path, setting: str, columns: list[str]) -> pd.DataFrame:
    """A CSV with at least `columns`; a missing file or column names the config setting."""
    if not Path(path).is_file():
        raise DataError(f"{setting}: no file {path}; write it or point {setting} at yours")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        reason = str(error).strip().splitlines()[0]
        raise DataError(f"{setting}: {path} is not a readable CSV file ({reason})") from error
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise DataError(
            f"{setting}: {path} needs columns {' and '.join(columns)}; "
            f"missing {', '.join(missing)} (it has {', '.join(map(str, frame.columns))})"
        )
    return frame


def read_utterances(path: str | Path, setting: str = "data.utterances") -> pd.DataFrame:
    """A CSV with columns `text` and `intent`; blank rows and exact duplicates dropped."""
    frame = read_csv(path, setting, ["text", "intent"])
    frame = frame[["text", "intent"]].apply(lambda column: column.str.strip())
    frame = frame[(frame["text"] != "") & (frame["intent"] != "")]
    return frame.drop_duplicates().reset_index(drop=True)


def cap_per_intent(frame: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most `limit` random rows per intent: a small, still balanced sample for smoke runs."""
    if limit <= 0:
        return frame
    shuffled = frame.sample(frac=1.0, random_state=seed)
    return shuffled.groupby("intent", sort=False).head(limit).sort_index()


def listing(names: list[str], shown: int = 5) -> str:
    """The first few names, and how many more: error lines stay one short line."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _check_counts(frame: pd.DataFrame, needed: int) -> None:
    counts = frame["intent"].value_counts()
    small = counts[counts < needed]
    if not small.empty:
        listed = listing([f"{intent} ({count})" for intent, count in small.items()])
        raise DataError(
            f"data.utterances: every intent needs at least {needed} utterances; too few: {listed}"
        )


def _check_known(frame: pd.DataFrame, labels: list[str], oos_label: str, setting: str) -> None:
    unknown = sorted(set(frame["intent"]) - set(labels) - {oos_label})
    if unknown:
        raise DataError(
            f"{setting}: intents never seen in training: {listing(unknown)}; "
            f"label them {oos_label!r} if the bot should decline them"
        )


def load_intents(config: DataConfig, seed: int) -> IntentData:
    """Read the utterances and split them into training, validation and test sets."""
    frame = cap_per_intent(read_utterances(config.utterances), config.max_per_intent, seed)
    # Each split made from `utterances` needs one utterance of every intent.
    _check_counts(frame, 1 + (not config.val_file) + (not config.test_file))
    if config.test_file:
        rest, test = frame, read_utterances(config.test_file, "data.test_file")
    else:
        rest, test = train_test_split(
            frame, test_size=config.test_size, stratify=frame["intent"], random_state=seed
        )
    out_of_scope = rest["intent"] == config.oos_label
    if config.val_file:
        train, val = rest[~out_of_scope], read_utterances(config.val_file, "data.val_file")
    else:
        train, val = train_test_split(
            rest[~out_of_scope],
            test_size=config.val_size,
            stratify=rest.loc[~out_of_scope, "intent"],
            random_state=seed,
        )
    val = pd.concat([val, rest[out_of_scope]])  # never trained on: they help set the threshold
    labels = sorted(train["intent"].unique())
    _check_known(val, labels, config.oos_label, "data.val_file")
    _check_known(test, labels, config.oos_label, "data.test_file")
    return IntentData(
        train=Split.from_frame(train),
        val=Split.from_frame(val),
        test=Split.from_frame(test),
        labels=labels,
        oos_label=config.oos_label,
    )


def example_messages(data: IntentData, questions: list[str], count: int = 4) -> list[str]:
    """`count` messages to try the bot with: the knowledge base's first question, the first
    test utterance of each intent, and an out-of-scope one last when the test set has one."""
    first: dict[str, str] = {}
    for text, intent in zip(data.test.texts, data.test.intents, strict=True):
        first.setdefault(intent, text)
    out_of_scope = [first.pop(data.oos_label)] if data.oos_label in first else []
    return [*questions[:1], *first.values()][: count - len(out_of_scope)] + out_of_scope


def save_answers(config: DataConfig, labels: list[str], run_dir: Path) -> KnowledgeBase:
    """Copy the replies and the knowledge base into the run folder as RESPONSES and
    KNOWLEDGE_BASE: with them, the run folder alone is the whole bot (in a container, in a
    Space). Returns the knowledge base the bot will use."""
    responses = load_responses(config.responses)
    knowledge_base = load_knowledge_base(config.knowledge_base, labels)
    text = yaml.safe_dump(responses, allow_unicode=True, sort_keys=False, width=100)
    (run_dir / RESPONSES).write_text(text, encoding="utf-8")
    pairs = {"question": knowledge_base.questions, "answer": knowledge_base.answers}
    pd.DataFrame(pairs).to_csv(run_dir / KNOWLEDGE_BASE, index=False)
    return knowledge_base


def load_responses(path: str | Path | None) -> dict[str, list[str]]:
    """intent -> replies, from YAML where each intent maps to one reply or a list of them."""
    if path is None:
        return {}
    if not Path(path).is_file():
        raise DataError(f"data.responses: no file {path}; write it, or set data.responses: null")
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise DataError(f"data.responses: {path} must map each intent to a reply or a list")
    return {
        str(intent): [str(reply) for reply in (replies if isinstance(replies, list) else [replies])]
        for intent, replies in raw.items()
    }


def load_knowledge_base(path: str | Path | None, intents: list[str] | None = None) -> KnowledgeBase:
    """Question/answer pairs from a CSV with columns `question`, `answer` and optionally `topic`.

    None gives an empty knowledge base. `topic` names the intent a pair is about; given the
    `intents` a model knows, pairs about other intents are left out: a knowledge base written
    for another bot (the shipped one, after you switch to your own utterances) never answers.
    """
    if path is None:
        return KnowledgeBase([], [])
    frame = read_csv(path, "data.knowledge_base", ["question", "answer"])
    frame = frame[(frame["question"].str.strip() != "") & (frame["answer"].str.strip() != "")]
    if intents is not None and "topic" in frame.columns:
        frame = frame[frame["topic"].isin(intents)]
    return KnowledgeBase(frame["question"].tolist(), frame["answer"].tolist())
