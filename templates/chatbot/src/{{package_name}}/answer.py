"""An answer from the retrieved passages, with the passages it rests on cited as [1], [2].

Neither "say you don't know" nor "cite your sources" is left to the language model (a small
one follows neither):

- the question is answered "I don't know" before any generation when no passage is similar
  enough to it (`generation.min_similarity`);
- citations come from the retriever: each sentence of the answer gets the number of the given
  passage holding the largest share of its words, when that share reaches
  `generation.support`. `faithfulness` is the share of the answer's sentences that got one.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Protocol

from .retrieve import Hit, Index, tokenize
from .settings import Config, GenerationConfig

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(`])")


@dataclass
class Answer:
    """An answer, the passages it cites and what it cost."""

    text: str  # with [n] after each sentence a passage supports
    sources: list[str]  # "[1] with: The with statement", one per passage given
    faithfulness: float  # share of the answer's sentences supported by a given passage
    backend: str
    seconds: float = 0.0
    new_tokens: int = 0
    refused: bool = False


class Backend(Protocol):
    name: str

    def generate(self, question: str, hits: list[Hit], config: GenerationConfig) -> tuple[str, int]:
        """The answer's text and how many new tokens were generated (0: none)."""
        ...


def sentences(text: str) -> list[str]:
    """Sentences, roughly: split after . ! ? before a capital, digit, quote or bracket."""
    found = []
    for block in re.split(r"\n\s*\n", text.strip()):
        found += [part.strip() for part in SENTENCE_END.split(" ".join(block.split()))]
    return [part for part in found if part]


def words(text: str) -> set[str]:
    """The stemmed content words of a text (BM25's tokens)."""
    return set(tokenize([text])[0])


def cite(text: str, hits: list[Hit], threshold: float) -> tuple[str, float]:
    """Each supported sentence marked with its passage; the share of sentences supported."""
    found = sentences(text)
    if not found:
        return text, 0.0
    passages = [words(hit.passage.text) for hit in hits]
    marked, supported = [], 0
    for sentence in found:
        mine = words(sentence)
        shares = [len(mine & theirs) / len(mine) if mine else 0.0 for theirs in passages]
        best = max(range(len(shares)), key=shares.__getitem__)
        if shares[best] >= threshold:
            sentence, supported = f"{sentence} [{best + 1}]", supported + 1
        marked.append(sentence)
    return " ".join(marked), supported / len(found)


def trim(text: str, max_sentences: int) -> str:
    """A generated answer up to its first code fence and at most `max_sentences` sentences:
    small models ramble on into made-up code after a good first sentence or two."""
    return " ".join(sentences(text.split("```", 1)[0])[:max_sentences])


def answer(
    question: str, hits: list[Hit], similarity: float, backend: Backend, config: GenerationConfig
) -> Answer:
    """ "I don't know" when the best passage's `similarity` is too low; else generate, then cite."""
    started = time.perf_counter()
    if not hits or similarity < config.min_similarity:
        return Answer(config.refusal, [], 1.0, backend.name, refused=True)
    hits = hits[: config.passages]
    text, new_tokens = backend.generate(question, hits, config)
    if new_tokens:
        text = trim(text, config.max_sentences) or text
    marked, faithfulness = cite(text, hits, config.support)
    return Answer(
        text=marked,
        sources=[f"[{n}] {hit.passage.source}" for n, hit in enumerate(hits, start=1)],
        faithfulness=faithfulness,
        backend=backend.name,
        seconds=time.perf_counter() - started,
        new_tokens=new_tokens,
    )


def ask(index: Index, question: str, backend: Backend, config: Config) -> Answer:
    """Retrieve the passages for `question` from `index`, then answer from them."""
    documents = config.documents
    hits = index.search(
        question,
        k=config.generation.passages,
        candidates=documents.candidates,
        rrf_k=documents.rrf_k,
    )
    similarity = float(index.dense_scores(question).max())
    return answer(question, hits, similarity, backend, config.generation)
