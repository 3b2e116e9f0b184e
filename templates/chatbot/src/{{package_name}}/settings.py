"""Every setting of a run in one place: `configs/*.yaml` fill these dataclasses.

A run folder's `config.yaml` is this, resolved, so a run can be repeated from it alone, and
`chat`, `predict`, `serve` and `demo` read the bot's settings back from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DataConfig:
    """Where the utterances, responses and knowledge base are, and how they are split."""

    name: str = "assistant router intents, 14 intents + out of scope"  # shown in the report
    utterances: str = "data/intents.csv"  # a CSV with columns `text` and `intent`
    val_file: str | None = None  # a validation CSV of the same shape; None splits `utterances`
    test_file: str | None = None  # a separate test CSV of the same shape; None splits `utterances`
    responses: str | None = "data/responses.yaml"  # intent -> one reply or a list of replies
    knowledge_base: str | None = "data/knowledge_base.csv"  # columns `question`, `answer`
    oos_label: str = "oos"  # intent of out-of-scope rows: never trained on, they set the threshold
    test_size: float = 0.2  # share of `utterances` held out for the test (without `test_file`)
    val_size: float = 0.15  # share of the in-scope training rows kept for validation (no val_file)
    max_per_intent: int = 0  # keep at most this many utterances per intent; 0 keeps all
    cache_dir: str | None = "data/cache"  # embeddings are cached here; None re-embeds every run


@dataclass
class ModelConfig:
    """The sentence encoder (frozen) and the classifier head trained on its embeddings."""

    encoder: str = "all-MiniLM-L6-v2"  # bundled offline; or any sentence-transformers model id
    max_tokens: int = 64  # longer utterances are truncated: intents show early, and CPU time drops
    hidden: int = 0  # 0: a linear softmax head; > 0: one hidden layer of this width
    dropout: float = 0.1


@dataclass
class TrainConfig:
    """How the head is optimised and how the out-of-scope threshold is chosen."""

    epochs: int = 40
    batch_size: int = 64
    lr: float = 1e-2
    weight_decay: float = 1e-4
    balanced: bool = True  # weigh each intent alike in the loss: macro-F1 counts rare ones fully
    coverage: float = 0.95  # no out-of-scope validation rows: accept this share of in-scope ones


@dataclass
class BotConfig:
    """How the bot turns a classified message into an answer."""

    fallback: str = "Sorry, I can't help with that. Could you put it another way?"
    kb_min_similarity: float = 0.8  # cosine similarity for a knowledge-base answer to be used
    kb_top_k: int = 3  # knowledge-base pairs handed to a generative backend as context


@dataclass
class GenerationConfig:
    """Optional generated answers from an OpenAI-compatible chat endpoint.

    `retrieval` (the default) answers offline from the knowledge base and the responses file.
    `openai` posts to `url`/chat/completions: OpenAI itself, or a local llama.cpp or vLLM
    server. The API key is read from the environment variable named by `api_key_env` and is
    never written to a file.
    """

    backend: str = "retrieval"  # "retrieval" or "openai"
    url: str = "http://127.0.0.1:8080/v1"
    model: str = "local-model"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.2
    max_tokens: int = 256
    timeout: float = 30.0
    system_prompt: str = (
        "You are a friendly, concise assistant. Answer the user's last message. Use the "
        "knowledge-base notes when they are relevant, and say so when you do not know."
    )


@dataclass
class Config:
    seed: int = 0
    threads: int = 0  # CPU threads; 0 = every CPU this process may use
    device: str = "auto"  # auto picks CUDA, then Apple MPS, then the CPU
    # MLflow store; any tracking URI; "" turns tracking off
    tracking_uri: str = "sqlite:///mlflow.db"
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    bot: BotConfig = field(default_factory=BotConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
