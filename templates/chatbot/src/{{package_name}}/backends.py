"""Where the bot's final words come from: offline retrieval, or a generative model.

Every backend gets the same inputs: the message, the conversation so far, the intent the
classifier found, the nearest knowledge-base pairs, and the offline draft answer. The
default backend returns the draft; `OpenAICompatibleBackend` asks any server that speaks
OpenAI's chat-completions API (OpenAI, or a local llama.cpp or vLLM server) to write an
answer grounded in the same facts.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Sequence
from typing import Protocol

from .settings import GenerationConfig

Message = dict[str, str]  # {"role": "user" | "assistant" | "system", "content": "..."}


class BackendError(RuntimeError):
    """The generative endpoint could not answer; the bot falls back to its offline answer."""


class Backend(Protocol):
    name: str

    def generate(
        self,
        message: str,
        history: Sequence[Message],
        intent: str | None,
        knowledge: Sequence[tuple[str, str]],
        draft: str,
    ) -> str: ...


class RetrievalBackend:
    """The offline default: the retrieved or templated answer, unchanged."""

    name = "retrieval"

    def generate(
        self,
        message: str,
        history: Sequence[Message],
        intent: str | None,
        knowledge: Sequence[tuple[str, str]],
        draft: str,
    ) -> str:
        return draft


class OpenAICompatibleBackend:
    """POST `{url}/chat/completions`; the API key comes from the environment only."""

    name = "openai"

    def __init__(self, config: GenerationConfig) -> None:
        self.config = config

    def messages(
        self,
        message: str,
        history: Sequence[Message],
        intent: str | None,
        knowledge: Sequence[tuple[str, str]],
        draft: str,
    ) -> list[Message]:
        """The chat sent to the model: instructions and retrieved facts first, then the talk."""
        notes = "\n".join(f"- Q: {question}\n  A: {answer}" for question, answer in knowledge)
        system = "\n\n".join(
            [
                self.config.system_prompt,
                f"Intent recognised: {intent or 'none (out of scope)'}.",
                f"Knowledge-base notes:\n{notes or '- none'}",
                f"The retrieval bot would answer: {draft}",
            ]
        )
        return [
            {"role": "system", "content": system},
            *history,
            {"role": "user", "content": message},
        ]

    def generate(
        self,
        message: str,
        history: Sequence[Message],
        intent: str | None,
        knowledge: Sequence[tuple[str, str]],
        draft: str,
    ) -> str:
        body = {
            "model": self.config.model,
            "messages": self.messages(message, history, intent, knowledge, draft),
            "temperature": self.config.temperature,
            "max_tokens": self.config.max_tokens,
        }
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.config.api_key_env, "")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(
            self.config.url.rstrip("/") + "/chat/completions",
            data=json.dumps(body).encode("utf-8"),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                reply = json.loads(response.read().decode("utf-8"))
            return str(reply["choices"][0]["message"]["content"]).strip()
        except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
            raise BackendError(f"{self.config.url}: {error}") from error


def make_backend(config: GenerationConfig) -> Backend:
    if config.backend == "retrieval":
        return RetrievalBackend()
    if config.backend == "openai":
        return OpenAICompatibleBackend(config)
    raise ValueError(f"generation.backend must be 'retrieval' or 'openai', not {config.backend!r}")
