"""How well the documents are searched and answered, on questions with known answers.

Each line of `documents.eval_questions` is a question, the topics and short verbatim phrases
(anchors) of the passages that answer it, and a one-sentence reference answer; out-of-scope
questions (`"out_of_scope": true`) have none. A passage answers a question when it holds one
of its anchors and comes from one of its topics, so the labels survive a change of chunking.

- Retrieval, per method (BM25, dense, fused): recall@k, the share of questions with an
  answering passage among the first k, and MRR@10, the mean of 1 / rank of the first one.
- Answers, per backend, on every n-th in-scope question: faithfulness (the share of answer
  sentences a given passage supports, see answer.py), token F1 against the reference answer,
  seconds per answer (p50, p95; the first answer, which loads the model, apart) and new
  tokens per second.
- Refusals: how many out-of-scope questions get "I don't know", and how many in-scope ones.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from .answer import ask
from .backends import BackendError, make_backend
from .corpus import PYDOC, relevant
from .retrieve import METHODS, Hit, Index
from .settings import Config

KS = (1, 3, 5)
METHOD_NAMES = {"bm25": "BM25", "dense": "dense", "fused": "fused (RRF)"}


def load_questions(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def first_relevant(question: dict[str, Any], hits: list[Hit]) -> int | None:
    """The rank (from 1) of the first passage among `hits` that answers `question`."""
    for hit in hits:
        if relevant(hit.passage, question["anchors"], question.get("topics", ())):
            return hit.rank
    return None


def retrieval_scores(
    index: Index, questions: list[dict[str, Any]], config: Config
) -> dict[str, Any]:
    """recall@1/3/5 and MRR@10 of each method, over the questions the index can answer."""
    answerable = [
        q
        for q in questions
        if any(relevant(p, q["anchors"], q.get("topics", ())) for p in index.passages)
    ]
    scores: dict[str, Any] = {
        "questions": len(answerable),
        "skipped": len(questions) - len(answerable),
    }
    for method in METHODS:
        ranks = []
        for question in answerable:
            hits = index.search(
                question["question"],
                k=10,
                method=method,
                candidates=config.documents.candidates,
                rrf_k=config.documents.rrf_k,
            )
            ranks.append(first_relevant(question, hits))
        n = max(len(ranks), 1)
        scores[method] = {
            **{f"recall@{k}": sum(r is not None and r <= k for r in ranks) / n for k in KS},
            "mrr@10": sum(1 / r for r in ranks if r is not None) / n,
        }
    return scores


def token_f1(answer_text: str, reference: str) -> float:
    """Word overlap of an answer with the reference, as in SQuAD: 2PR / (P + R)."""
    mine = re.findall(r"\w+", re.sub(r"\[\d+\]", "", answer_text).lower())
    theirs = re.findall(r"\w+", reference.lower())
    common = sum((Counter(mine) & Counter(theirs)).values())
    if not common:
        return 0.0
    precision, recall = common / len(mine), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


def answer_scores(
    index: Index, questions: list[dict[str, Any]], name: str, config: Config
) -> dict[str, Any]:
    """One backend's answers to `questions`: faithfulness, token F1, speed."""
    backend = make_backend(name, config.generation, index.encoder)
    rows = [ask(index, question["question"], backend, config) for question in questions]
    answered = [row for row in rows if not row.refused]
    later = [row.seconds for row in answered[1:]] or [row.seconds for row in answered]
    tokens = sum(row.new_tokens for row in answered[1:])
    return {
        "questions": len(rows),
        "refused": len(rows) - len(answered),
        "faithfulness": float(np.mean([row.faithfulness for row in answered])) if answered else 0.0,
        "token_f1": float(
            np.mean([token_f1(r.text, q["answer"]) for r, q in zip(rows, questions, strict=True)])
        ),
        "first_seconds": answered[0].seconds if answered else 0.0,
        "p50_seconds": float(np.percentile(later, 50)) if later else 0.0,
        "p95_seconds": float(np.percentile(later, 95)) if later else 0.0,
        "new_tokens": float(np.mean([row.new_tokens for row in answered])) if answered else 0.0,
        "tokens_per_second": tokens / sum(later) if tokens and later else 0.0,
        "example": {
            "question": questions[0]["question"],
            "answer": rows[0].text,
            "sources": rows[0].sources,
        }
        if rows
        else {},
    }


def evaluate(index: Index, config: Config) -> dict[str, Any]:
    """The documents block of metrics.json (empty when there are no evaluation questions)."""
    documents = config.documents
    result: dict[str, Any] = {"source": index.source, "passages": len(index.passages)}
    if not documents.eval_questions or not Path(documents.eval_questions).is_file():
        return result
    questions = load_questions(Path(documents.eval_questions))
    in_scope = [q for q in questions if not q.get("out_of_scope")]
    out_of_scope = [q for q in questions if q.get("out_of_scope")]
    result["eval_questions"] = documents.eval_questions
    result["example_question"] = in_scope[0]["question"] if in_scope else None  # the demo's
    result["retrieval"] = retrieval_scores(index, in_scope, config)
    threshold = config.generation.min_similarity
    best = {q["id"]: float(index.dense_scores(q["question"]).max()) for q in questions}
    result["refusals"] = {
        "min_similarity": threshold,
        "out_of_scope_refused": sum(best[q["id"]] < threshold for q in out_of_scope),
        "out_of_scope": len(out_of_scope),
        "in_scope_refused": sum(best[q["id"]] < threshold for q in in_scope),
        "in_scope": len(in_scope),
    }
    if not result["retrieval"]["questions"] or documents.answer_sample <= 0:
        return result
    step = max(1, len(in_scope) // documents.answer_sample)
    sample = in_scope[::step][: documents.answer_sample]
    result["answers"] = {}
    for name in documents.answer_backends:
        started = time.perf_counter()
        try:
            result["answers"][name] = answer_scores(index, sample, name, config)
        except BackendError as error:
            result["answers"][name] = {"error": str(error)}
        print(
            f"answered {len(sample)} questions with {name} in {time.perf_counter() - started:.1f} s"
        )
    return result


def markdown(documents: dict[str, Any]) -> str:
    """The README's and model card's tables of the documents block."""
    if "retrieval" not in documents:
        return ""
    retrieval, refusals = documents["retrieval"], documents["refusals"]
    source = "Python's language reference" if documents["source"] == PYDOC else documents["source"]
    lines = [
        "**Retrieval** over "
        f"{documents['passages']} passages ({source}), on the "
        f"{retrieval['questions']} in-scope questions of `{documents['eval_questions']}`:",
        "",
        "| retriever | recall@1 | recall@3 | recall@5 | MRR@10 |",
        "| --- | --- | --- | --- | --- |",
    ]
    for method in METHODS:
        row = retrieval[method]
        cells = " | ".join(f"{row[f'recall@{k}']:.3f}" for k in KS)
        lines.append(f"| {METHOD_NAMES[method]} | {cells} | {row['mrr@10']:.3f} |")
    lines += [
        "",
        f"Refused (best passage's similarity under {refusals['min_similarity']}): "
        f"{refusals['out_of_scope_refused']} of {refusals['out_of_scope']} out-of-scope questions, "
        f"{refusals['in_scope_refused']} of {refusals['in_scope']} in-scope ones.",
    ]
    answers = documents.get("answers", {})
    scored = {name: row for name, row in answers.items() if "error" not in row}
    if scored:
        count = next(iter(scored.values()))["questions"]
        lines += [
            "",
            f"**Answers** to {count} of the in-scope questions (faithfulness: the share of answer "
            "sentences a cited passage supports; token F1 against the reference answer; seconds "
            "per answer after the first, which loads the model):",
            "",
            "| backend | faithfulness | token F1 | p50 s | p95 s | tokens/s | first answer s |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        for name, row in scored.items():
            speed = f"{row['tokens_per_second']:.1f}" if row["tokens_per_second"] else "-"
            lines.append(
                f"| {name} | {row['faithfulness']:.3f} | {row['token_f1']:.3f} | "
                f"{row['p50_seconds']:.2f} | {row['p95_seconds']:.2f} | {speed} | "
                f"{row['first_seconds']:.1f} |"
            )
    lines += [
        f"\n{name}: not measured ({row['error']})."
        for name, row in answers.items()
        if "error" in row
    ]
    return "\n".join(lines)
