"""`POST /predict`: one message in, the bot's answer out (serve.py adds /health and runs it).

    curl -X POST http://127.0.0.1:8000/predict -H 'Content-Type: application/json' \\
      -d '{"text": "What are you?"}'

The answer says what the bot recognised (intent, confidence) and what it replies, with where
the reply came from and, for an answer from the documents, the passages it cites. The models
that check the request and describe the answer are built from the run (its intents, its
threshold, examples from its data), so /docs shows this bot's schema.
The API keeps no conversation: each request is one message on its own.
"""

from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException
from pydantic import Field, create_model

from .bot import Chatbot
from .runs import read_metrics

MAX_CHARACTERS = 2000  # the encoder reads only the first `model.max_tokens` tokens anyway
SOURCES = Literal["knowledge base", "intent", "documents", "fallback"]


def create_router(run_dir: Path) -> APIRouter:
    """Load the run's bot once and return a router with `POST /predict`."""
    bot = Chatbot.from_run(run_dir)
    bot.warm_up()
    intents = [*bot.model.labels, bot.oos_label]
    message_model = create_model(
        "Message",
        text=(
            str,
            Field(
                min_length=1,
                max_length=MAX_CHARACTERS,
                description="What the user says to the bot.",
                examples=read_metrics(run_dir)["dataset"]["examples"],
            ),
        ),
    )
    answer_model = create_model(
        "Answer",
        intent=(
            Literal[tuple(intents)],
            Field(description=f"The recognised intent; {bot.oos_label!r}: out of scope."),
        ),
        confidence=(
            float,
            Field(
                description="Cosine similarity of the message to the mean of the intent's "
                f"training utterances; below {bot.model.threshold:.3f}, out of scope."
            ),
        ),
        in_scope=(bool, Field(description="Whether the confidence clears the threshold.")),
        reply=(str, Field(description="The bot's answer.")),
        source=(SOURCES, Field(description="Where the answer came from.")),
        sources=(
            list[str],
            Field(description="The passages a documents answer cites, as [n] and their source."),
        ),
    )

    router = APIRouter()

    @router.post("/predict", response_model=answer_model, summary="Answer one message")
    def predict(message: message_model) -> Any:  # type: ignore[valid-type]
        if not message.text.strip():
            raise HTTPException(status_code=422, detail="text: write a message, not only spaces")
        reply = bot.reply(message.text)
        return answer_model(
            intent=reply.prediction.intent,
            confidence=reply.prediction.confidence,
            in_scope=reply.prediction.in_scope,
            reply=reply.text,
            source=reply.source,
            sources=reply.sources,
        )

    return router


def example_request(run_dir: Path) -> dict[str, Any]:
    """Keyword arguments of `httpx.post(url + "/predict", ...)`: a message of the run's test data
    (or its knowledge base), as `train` noted it in metrics.json."""
    return {"json": {"text": read_metrics(run_dir)["dataset"]["examples"][0]}}
