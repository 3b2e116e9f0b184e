"""The chatbot: route the message, then answer it from the right place.

The intent classifier is the router. One message goes through these steps, in order:

1. The nearest knowledge-base question (about the bot itself): if it is close enough
   (`bot.kb_min_similarity`), its stored answer is the reply.
2. Small talk: when the classifier is confident (its threshold was chosen on validation
   data) of an intent other than `bot.documents_intent`, one of the intent's replies.
3. Everything else, a documents question or out of scope, goes to the documents: retrieval
   finds the passages closest to the question, and when the best one is similar enough
   (`generation.min_similarity`), the backend answers from them, citing them. Otherwise the
   bot says it does not know, and generates nothing.

Every verb that classifies or answers goes through this class, so they all behave alike.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .answer import Answer, Backend, ask
from .backends import BackendError, Extractive, make_backend
from .config import load_config
from .data import (
    KNOWLEDGE_BASE,
    RESPONSES,
    KnowledgeBase,
    load_knowledge_base,
    load_responses,
)
from .device import pick_device
from .encoder import Encoder
from .model import IntentModel
from .retrieve import Index
from .runtime import set_threads
from .settings import Config


@dataclass
class Prediction:
    """The classifier's verdict on one message."""

    text: str
    intent: str  # the out-of-scope label when the confidence is below the threshold
    confidence: float
    in_scope: bool


@dataclass
class Match:
    """A knowledge-base pair and how close its question is to the message."""

    question: str
    answer: str
    similarity: float


@dataclass
class Reply:
    text: str
    source: str  # "knowledge base", "intent", "documents" or "fallback"
    prediction: Prediction
    sources: list[str] = field(default_factory=list)  # the passages a documents answer cites


class Chatbot:
    def __init__(
        self,
        model: IntentModel,
        encoder: Encoder,
        responses: dict[str, list[str]],
        knowledge_base: KnowledgeBase,
        config: Config,
        index: Index | None = None,
        backend: Backend | None = None,
    ) -> None:
        self.model = model
        self.encoder = encoder
        self.responses = responses
        self.knowledge_base = knowledge_base
        self.config = config
        self.index = index
        self.backend = backend
        self.oos_label = config.data.oos_label
        self._rng = random.Random(config.seed)
        self._questions: np.ndarray | None = None  # embedded on the first lookup

    @classmethod
    def from_run(cls, run_dir: Path, overrides: Sequence[str] = ()) -> Chatbot:
        """The bot of a training run, from its saved config (`overrides`: `key=value` changes),
        answering from the documents index that `ingest` (or `train`) wrote.

        It answers with the replies and knowledge base that `train` copied into the run folder.
        Messages are embedded afresh, never cached on disk: a server would otherwise keep a file
        of every message it was sent. Also applies the config's CPU thread count, as every verb
        does before working.
        """
        config = load_config(Config, run_dir / "config.yaml", list(overrides))
        set_threads(config.threads)
        device = str(pick_device(config.device))
        model = IntentModel.load(run_dir / "model.pt", device=device)
        index_dir = Path(config.documents.index_dir)
        index = (
            Index.load(index_dir, model.encoder, device)
            if (index_dir / "meta.json").is_file()
            else None
        )
        backend = (
            make_backend(config.generation.backend, config.generation, index.encoder)
            if index
            else None
        )
        return cls(
            model=model,
            encoder=Encoder(model.encoder, model.max_tokens, device),
            responses=load_responses(run_dir / RESPONSES),
            knowledge_base=load_knowledge_base(run_dir / KNOWLEDGE_BASE),
            config=config,
            index=index,
            backend=backend,
        )

    def warm_up(self) -> None:
        """Load the encoders and embed the knowledge base now rather than on the first message,
        so that a server answers its first request as fast as the others."""
        self.classify(["hello"])
        self.search("hello")
        if self.index is not None:
            self.index.dense_scores("hello")

    def classify(self, texts: list[str]) -> list[Prediction]:
        intents, confidences = self.model.predict(self.encoder.embed(texts))
        predictions = []
        for text, intent, confidence in zip(texts, intents, confidences, strict=True):
            in_scope = bool(confidence >= self.model.threshold)
            predictions.append(
                Prediction(
                    text=text,
                    intent=str(intent) if in_scope else self.oos_label,
                    confidence=float(confidence),
                    in_scope=in_scope,
                )
            )
        return predictions

    def search(self, text: str) -> Match | None:
        """The knowledge-base pair whose question is most similar to `text`."""
        if not len(self.knowledge_base):
            return None
        if self._questions is None:
            self._questions = self.encoder.embed(self.knowledge_base.questions)
        similarity = self._questions @ self.encoder.embed([text])[0]
        best = int(np.argmax(similarity))
        return Match(
            self.knowledge_base.questions[best],
            self.knowledge_base.answers[best],
            float(similarity[best]),
        )

    def intent_reply(self, intent: str) -> str:
        """One of the intent's replies; a neutral prompt for an intent the file lacks."""
        replies = self.responses.get(intent)
        if not replies:
            return f"That sounds like {intent.replace('_', ' ')}. Tell me more."
        return self._rng.choice(replies)

    def ask(self, question: str) -> Answer:
        """The documents' answer to `question` (the index must be there), cited; when the
        backend fails (no server, no model), the extractive answer and one line on stderr."""
        if self.index is None or self.backend is None:
            raise FileNotFoundError(
                f"{self.config.documents.index_dir}: no index; run `ingest` first"
            )
        try:
            return ask(self.index, question, self.backend, self.config)
        except BackendError as error:
            print(
                f"{self.backend.name} backend failed, answering extractively: {error}",
                file=sys.stderr,
            )
            return ask(self.index, question, Extractive(self.index.encoder), self.config)

    def reply(self, message: str) -> Reply:
        prediction = self.classify([message])[0]
        match = self.search(message)
        if match and match.similarity >= self.config.bot.kb_min_similarity:
            return Reply(match.answer, "knowledge base", prediction)
        if prediction.in_scope and prediction.intent != self.config.bot.documents_intent:
            return Reply(self.intent_reply(prediction.intent), "intent", prediction)
        if self.index is None:
            return Reply(self.config.bot.fallback, "fallback", prediction)
        found = self.ask(message)
        if found.refused:
            return Reply(found.text, "fallback", prediction)
        return Reply(found.text, "documents", prediction, found.sources)
