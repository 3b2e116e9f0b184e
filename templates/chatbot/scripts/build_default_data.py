"""Rebuild the shipped data/ files from the English part of the `chatterbot-corpus` package.

This ran once, when the template was written; its output is committed, so training never needs
it. It is kept so anyone can check where every line of data/ came from:

    pip install chatterbot-corpus==1.3.3 && python scripts/build_default_data.py

Each YAML file of the corpus is one category of conversations. Every line of a category's
conversations becomes an utterance labelled with that category (its intent); consecutive lines
become question/answer pairs of the knowledge base, as ChatterBot's own trainer pairs them.
A few small categories are relabelled `oos` (out of scope): the bot does not cover them, so
they are what the confidence threshold must learn to turn away.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import chatterbot_corpus
import yaml

CORPUS = Path(chatterbot_corpus.__file__).parent / "data" / "english"
OUT = Path(__file__).resolve().parents[1] / "data"
OUT_OF_SCOPE = {"gossip", "health", "history", "politics"}
OOS_LABEL = "oos"


def clean(text: str) -> str:
    """One line of text: collapsed whitespace, no stray wrapping quotes."""
    return re.sub(r"\s+", " ", str(text)).strip().strip("'").strip()


def main() -> None:
    utterances: dict[str, set[str]] = {}  # lower-cased text -> intents it appears under
    first_seen: dict[str, str] = {}  # lower-cased text -> text as first written
    pairs: dict[str, tuple[str, str, str]] = {}  # lower-cased question -> (question, answer, topic)
    for path in sorted(CORPUS.glob("*.yml")):
        intent = OOS_LABEL if path.stem in OUT_OF_SCOPE else path.stem
        topic = path.stem
        for conversation in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            lines = [clean(line) for line in conversation if clean(line)]
            for line in lines:
                key = line.lower()
                utterances.setdefault(key, set()).add(intent)
                first_seen.setdefault(key, line)
            for question, answer in zip(lines, lines[1:], strict=False):
                pairs.setdefault(question.lower(), (question, answer, topic))

    rows = sorted(
        (next(iter(intents)), first_seen[key])
        for key, intents in utterances.items()
        if len(intents) == 1 and len(key) > 1  # a line under two categories has no one label
    )
    with (OUT / "intents.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["text", "intent"])
        writer.writerows((text, intent) for intent, text in rows)
    with (OUT / "knowledge_base.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["question", "answer", "topic"])
        writer.writerows(sorted(pairs.values(), key=lambda row: (row[2], row[0].lower())))
    counts: dict[str, int] = {}
    for intent, _ in rows:
        counts[intent] = counts.get(intent, 0) + 1
    print(f"{len(rows)} utterances in {len(counts)} labels, {len(pairs)} question/answer pairs")
    for intent, count in sorted(counts.items()):
        print(f"  {intent:<16}{count}")


if __name__ == "__main__":
    main()
