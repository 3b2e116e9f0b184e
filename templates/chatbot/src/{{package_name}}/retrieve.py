"""Find the passages that answer a question: BM25, dense (the encoder) and their fusion.

* BM25 (bm25s) scores word overlap, with English stemming. Its English stopword list is
  trimmed of Python's keywords (`with`, `for`, `is`, `not`, `in`, `yield`, ...): in questions
  about Python they are the words that matter.
* Dense retrieval embeds passages and question with the sentence encoder and ranks by cosine
  similarity: it finds passages that say the same thing in other words.
* Reciprocal-rank fusion (RRF) adds 1 / (k + rank) over the top `candidates` of each, so
  neither score's scale matters, only the order.

The index is a folder: `passages.jsonl` (texts and sources), `embeddings.npy` (one unit row
per passage), `bm25/` (bm25s's numpy and json files) and `meta.json` (how it was built). No
pickles, so an index from another machine is safe to load.
"""

from __future__ import annotations

import json
import keyword
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .corpus import Passage
from .encoder import Encoder

METHODS = ("bm25", "dense", "fused")


@dataclass
class Hit:
    """One retrieved passage, its score under the method used, and its rank (from 1)."""

    passage: Passage
    score: float
    rank: int


def stopwords() -> list[str]:
    """bm25s's English stopwords less Python's keywords and soft keywords."""
    import bm25s.stopwords

    python_words = set(keyword.kwlist) | set(keyword.softkwlist)
    return [word for word in bm25s.stopwords.STOPWORDS_EN if word not in python_words]


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stemmed word tokens without stopwords (alike for passages and questions)."""
    import bm25s
    import Stemmer

    tokens = bm25s.tokenize(
        texts,
        stopwords=stopwords(),
        stemmer=Stemmer.Stemmer("english"),
        return_ids=False,
        show_progress=False,
    )
    return [list(row) for row in tokens]


def rrf(rankings: list[list[int]], k: int) -> dict[int, float]:
    """Reciprocal-rank fusion of lists of passage indices, each best first."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, index in enumerate(ranking, start=1):
            fused[index] = fused.get(index, 0.0) + 1.0 / (k + rank)
    return fused


class Index:
    """Passages with their BM25 index and embeddings; `search` with any of `METHODS`."""

    def __init__(
        self,
        passages: list[Passage],
        embeddings: np.ndarray,
        bm25: Any,
        encoder: Encoder,
        source: str,
    ) -> None:
        self.passages = passages
        self.embeddings = embeddings
        self.bm25 = bm25
        self.encoder = encoder
        self.source = source  # "pydoc" or the folder the passages came from

    @classmethod
    def build(cls, passages: list[Passage], encoder: Encoder, source: str) -> Index:
        import bm25s

        if not passages:
            raise ValueError(f"{source}: no text found; give .md, .txt or .pdf files")
        texts = [passage.text for passage in passages]
        bm25 = bm25s.BM25()
        bm25.index(tokenize(texts), show_progress=False)
        embeddings = encoder.embed(texts, progress=True)
        return cls(passages, embeddings, bm25, encoder, source)

    def save(self, folder: Path) -> None:
        """Write the index to `folder` whole: into a scratch folder first, then renamed."""
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        with open(partial / "passages.jsonl", "w", encoding="utf-8") as out:
            for passage in self.passages:
                out.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
        np.save(partial / "embeddings.npy", self.embeddings)
        self.bm25.save(str(partial / "bm25"), show_progress=False)
        meta = {
            "source": self.source,
            "passages": len(self.passages),
            "encoder": self.encoder.name,
            "max_tokens": self.encoder.max_tokens,
        }
        (partial / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)

    @classmethod
    def load(cls, folder: Path, encoder_name: str, device: str = "cpu") -> Index:
        """The index in `folder`, with an encoder like the one that built it."""
        import bm25s

        if not (folder / "meta.json").is_file():
            raise FileNotFoundError(f"{folder}: no index; run `ingest` (or `train`) first")
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        if meta["encoder"] != encoder_name:
            raise ValueError(
                f"{folder} was built with {meta['encoder']}, not {encoder_name}: run `ingest` again"
            )
        with open(folder / "passages.jsonl", encoding="utf-8") as rows:
            passages = [Passage.from_dict(json.loads(row)) for row in rows if row.strip()]
        embeddings = np.load(folder / "embeddings.npy")
        encoder = Encoder(meta["encoder"], meta["max_tokens"], device)
        return cls(
            passages, embeddings, bm25s.BM25.load(str(folder / "bm25")), encoder, meta["source"]
        )

    def bm25_scores(self, question: str) -> np.ndarray:
        known = [token for token in tokenize([question])[0] if token in self.bm25.vocab_dict]
        if not known:
            return np.zeros(len(self.passages), np.float32)
        return np.asarray(self.bm25.get_scores(known), np.float32)

    def dense_scores(self, question: str) -> np.ndarray:
        return self.embeddings @ self.encoder.embed([question])[0]

    def search(
        self,
        question: str,
        k: int = 5,
        method: str = "fused",
        candidates: int = 20,
        rrf_k: int = 60,
    ) -> list[Hit]:
        """The `k` best passages for `question`, best first."""
        if method == "bm25":
            return self._top(self.bm25_scores(question), k)
        if method == "dense":
            return self._top(self.dense_scores(question), k)
        rankings = [
            [int(i) for i in np.argsort(-scores, kind="stable")[:candidates]]
            for scores in (self.bm25_scores(question), self.dense_scores(question))
        ]
        fused = rrf(rankings, rrf_k)
        order = sorted(fused, key=lambda index: -fused[index])[:k]
        return [Hit(self.passages[i], fused[i], rank) for rank, i in enumerate(order, start=1)]

    def _top(self, scores: np.ndarray, k: int) -> list[Hit]:
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            Hit(self.passages[i], float(scores[i]), rank) for rank, i in enumerate(order, start=1)
        ]
