"""The chatbot: classify the message, look it up in the knowledge base, answer.

One message goes through three steps, in this order:

1. The nearest knowledge-base question: if it is close enough (`bot.kb_min_similarity`),
   its stored answer is the reply, in scope or not.
2. Else, when the classifier's confidence clears the threshold chosen on validation data,
   one of the intent's replies from the responses file.
3. Else the fallback: the message is out of scope.

A generative backend, when configured, then rewrites that draft with the same facts.
Every verb that classifies or answers goes through this class, so they all behave alike.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .backends import Backend, BackendError, Message, make_backend
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
from .runtime import set_threads
from .settings import BotConfig, Config


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
    source: str  # "knowledge base", "intent", "fallback" or "generated"
    prediction: Prediction
    matches: list[Match]


class Chatbot:
    def __init__(
        self,
        model: IntentModel,
        encoder: Encoder,
        responses: dict[str, list[str]],
        knowledge_base: KnowledgeBase,
        config: BotConfig,
        backend: Backend,
        oos_label: str = "oos",
        seed: int = 0,
    ) -> None:
        self.model = model
        self.encoder = encoder
        self.responses = responses
        self.knowledge_base = knowledge_base
        self.config = config
        self.backend = backend
        self.oos_label = oos_label
        self._rng = random.Random(seed)
        self._questions: np.ndarray | None = None  # embedded on the first lookup

    @classmethod
    def from_run(cls, run_dir: Path, overrides: Sequence[str] = ()) -> Chatbot:
        """The bot of a training run, from its saved config (`overrides`: `key=value` changes).

        It answers with the replies and knowledge base that `train` copied into the run folder,
        so the folder alone is the bot. Messages are embedded afresh, never cached on disk:
        a server would otherwise keep a file of every message it was sent. Also applies the
        config's CPU thread count, as every verb does before working.
        """
        config = load_config(Config, run_dir / "config.yaml", list(overrides))
        set_threads(config.threads)
        device = str(pick_device(config.device))
        model = IntentModel.load(run_dir / "model.pt", device=device)
        return cls(
            model=model,
            encoder=Encoder(model.encoder, model.max_tokens, device),
            responses=load_responses(run_dir / RESPONSES),
            knowledge_base=load_knowledge_base(run_dir / KNOWLEDGE_BASE),
            config=config.bot,
            backend=make_backend(config.generation),
            oos_label=config.data.oos_label,
            seed=config.seed,
        )

    def warm_up(self) -> None:
        """Load the encoder and embed the knowledge base now rather than on the first message,
        so that a server answers its first request as fast as the others."""
        self.classify(["hello"])
        self.search("hello")

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

    def search(self, text: str, k: int = 1) -> list[Match]:
        """The `k` knowledge-base pairs whose questions are most similar to `text`."""
        if not len(self.knowledge_base):
            return []
        if self._questions is None:
            self._questions = self.encoder.embed(self.knowledge_base.questions)
        similarity = self._questions @ self.encoder.embed([text])[0]
        best = np.argsort(-similarity)[:k]
        return [
            Match(
                self.knowledge_base.questions[i],
                self.knowledge_base.answers[i],
                float(similarity[i]),
            )
            for i in best
        ]

    def intent_reply(self, intent: str) -> str:
        """One of the intent's replies; a neutral prompt for an intent the file lacks."""
        replies = self.responses.get(intent)
        if not replies:
            return f"That sounds like {intent.replace('_', ' ')}. Tell me more."
        return self._rng.choice(replies)

    def reply(self, message: str, history: Sequence[Message] = ()) -> Reply:
        prediction = self.classify([message])[0]
        matches = self.search(message, k=max(1, self.config.kb_top_k))
        if matches and matches[0].similarity >= self.config.kb_min_similarity:
            text, source = matches[0].answer, "knowledge base"
        elif prediction.in_scope:
            text, source = self.intent_reply(prediction.intent), "intent"
        else:
            text, source = self.config.fallback, "fallback"
        if self.backend.name != "retrieval":
            knowledge = [(match.question, match.answer) for match in matches]
            intent = prediction.intent if prediction.in_scope else None
            try:
                text = self.backend.generate(message, history, intent, knowledge, text)
                source = "generated"
            except BackendError as error:
                print(f"generation failed, answering offline: {error}", file=sys.stderr)
        return Reply(text=text, source=source, prediction=prediction, matches=matches)
