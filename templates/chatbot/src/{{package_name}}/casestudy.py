"""The case study's words that come from this run: the decisions made and the questions a
reviewer will ask, with answers quoting the run's own numbers (`report` writes them into the
README and docs/interview-notes.md)."""

from __future__ import annotations

from typing import Any


def _interval(row: dict[str, Any], name: str) -> str:
    low, high = row.get("intervals", {}).get(name, [float("nan")] * 2)
    return f"{row['metrics'][name]:.3f} (95 % interval {low:.3f}-{high:.3f})"


def _rows(metrics: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every compared row by its name."""
    rows = [metrics["model"], metrics["baseline"], metrics.get("reference")]
    return {row["name"]: row for row in [*rows, *metrics.get("alternatives", [])] if row}


def decisions(metrics: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str]]:
    """(decision, why and what it costs), drawn from the run."""
    model, comparison = metrics["model"], metrics["comparison"]
    other = _rows(metrics)[comparison["other"]]
    low, high = comparison["interval"]
    encoder, head = config["model"]["encoder"], config["model"]["hidden"]
    head_text = "a linear softmax head" if head == 0 else f"a head with {head} hidden units"
    centroid = next(iter(metrics.get("alternatives", [])), None)
    mf = model["metrics"]
    items = [
        (
            f"A frozen {encoder} encoder with {head_text}",
            f"test macro-F1 {_interval(model, 'macro_f1')} against {other['name']}'s "
            f"{other['metrics']['macro_f1']:.3f}: a difference of {comparison['difference']:+.3f} "
            f"(paired interval {low:+.3f} to {high:+.3f}). The encoder is never fine-tuned, so "
            f"training takes {metrics['train_seconds']:.1f} s on {metrics['hardware']['device']}; "
            "the cost is a 90 MB encoder to load and a transformer pass per message, where "
            "TF-IDF needs neither.",
        ),
        (
            "Macro-F1 as the primary metric",
            "each intent counts the same, so a rare intent the router never gets right shows; "
            "it judges the top intent only, so out-of-scope handling is reported beside it "
            "(in_scope_accuracy, oos_recall), not inside it.",
        ),
        (
            "Confidence = cosine similarity to the intent's centroid, not the softmax",
            "a softmax trained on in-scope intents only is confident far from anything it saw; "
            "the similarity to the mean training embedding of the predicted intent is not.",
        ),
    ]
    if "oos_recall" in mf:
        items.append(
            (
                f"Out-of-scope threshold {metrics['thresholds']['model']:.3f}, set on validation",
                "the value that maximises the mean of in-scope accuracy and out-of-scope recall "
                f"on the validation set; on the test it turns away {mf['oos_recall']:.0%} of "
                f"out-of-scope messages and costs in-scope accuracy: {mf['in_scope_accuracy']:.3f} "
                f"accepted and right, against {mf['accuracy']:.3f} with no threshold.",
            )
        )
    if centroid:
        gap = mf["macro_f1"] - centroid["metrics"]["macro_f1"]
        items.append(
            (
                "A trained head rather than the nearest centroid alone",
                f"the head adds {gap:+.3f} macro-F1 over picking the closest intent centroid "
                f"({centroid['metrics']['macro_f1']:.3f}) at the price of a training loop; the "
                "centroids stay in the model for the confidence.",
            )
        )
    epochs, best = config["train"]["epochs"], metrics.get("best_epoch", 0)
    loss = "weighs every intent alike" if config["train"]["balanced"] else "is unweighted"
    late = " (the last one: more epochs may still help)" if best == epochs else ""
    items.append(
        (
            f"The epoch with the lowest validation loss kept: {best} of {epochs}{late}",
            "so more epochs cannot overfit the "
            f"{metrics['dataset']['train_size']} training utterances unnoticed; the loss "
            f"{loss}, so a small intent counts as much as a large one in training too.",
        )
    )
    items.append(
        (
            "Validation and test on phrasings never trained on",
            f"{metrics['dataset']['val_size']} validation and {metrics['dataset']['test_size']} "
            "test utterances written apart from training, with out-of-scope topics the "
            "threshold never saw; the price is a small test set and wide intervals.",
        )
    )
    return items + document_decisions(metrics.get("documents", {}), config)


def document_decisions(documents: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str]]:
    """The retrieval and answer choices, with the run's evaluation of them."""
    if "retrieval" not in documents:
        return []
    retrieval, refusals = documents["retrieval"], documents["refusals"]
    recall = {method: retrieval[method]["recall@5"] for method in ("bm25", "dense", "fused")}
    items = [
        (
            "BM25 and dense retrieval, fused by reciprocal rank",
            f"recall@5 on {retrieval['questions']} questions: BM25 {recall['bm25']:.3f}, dense "
            f"{recall['dense']:.3f}, fused {recall['fused']:.3f}. Words find exact names "
            "(`__slots__`), the encoder finds paraphrases; fusion needs no score calibration, "
            "only the two rankings. The cost is two searches per question.",
        ),
        (
            f'"I don\'t know" below a passage similarity of {refusals["min_similarity"]}',
            f"it refuses {refusals['out_of_scope_refused']} of {refusals['out_of_scope']} "
            f"out-of-scope questions and {refusals['in_scope_refused']} of "
            f"{refusals['in_scope']} in-scope ones, before any generation: a small model never "
            "refuses by itself.",
        ),
    ]
    answers = {
        name: row for name, row in documents.get("answers", {}).items() if "error" not in row
    }
    if "local" in answers and "extractive" in answers:
        local, extractive = answers["local"], answers["extractive"]
        items.append(
            (
                f"{config['generation']['backend']} as the answering backend",
                f"SmolLM2-135M runs offline on a CPU ({local['p50_seconds']:.1f} s per answer, "
                f"{local['tokens_per_second']:.1f} tokens/s) but its faithfulness is "
                f"{local['faithfulness']:.2f} against {extractive['faithfulness']:.2f} for "
                f"quoting the passages (token F1 {local['token_f1']:.3f} against "
                f"{extractive['token_f1']:.3f}): it writes fluent answers the passages do not "
                "always support. A larger model behind `openai` is the upgrade.",
            )
        )
    return items


def questions(metrics: dict[str, Any], config: dict[str, Any]) -> list[tuple[str, str]]:
    """Questions a reviewer asks about this project, answered from the run."""
    model, comparison, dataset = metrics["model"], metrics["comparison"], metrics["dataset"]
    rows = _rows(metrics)
    mf = model["metrics"]
    low, high = model["intervals"]["macro_f1"]
    counts = metrics.get("error_analysis", {}).get("counts", {})
    method = metrics["interval_method"]
    table = "; ".join(f"{name} {row['metrics']['macro_f1']:.3f}" for name, row in rows.items())
    reference = metrics.get("reference")
    tfidf_text = "no TF-IDF row in this run"
    if reference and "macro_f1" in reference.get("intervals", {}):
        apart = (
            reference["intervals"]["macro_f1"][1] < low
            or high < reference["intervals"]["macro_f1"][0]
        )
        tfidf_text = f"{_interval(reference, 'macro_f1')} for {reference['name']}" + (
            ": the two intervals do not even overlap" if apart else ""
        )
    answers = [
        (
            "Why macro-F1 and not accuracy?",
            f"Every intent counts alike, and accuracy ({mf['accuracy']:.3f} here) would hide a "
            "weak rare intent. The run also reports in_scope_accuracy "
            f"({mf['in_scope_accuracy']:.3f}): what users meet once the threshold declines some.",
        ),
        (
            "Is the embedding model better than TF-IDF, really?",
            f"Test macro-F1: {_interval(model, 'macro_f1')} for the router, "
            f"{tfidf_text}. All rows: {table}. The strongest alternative on validation is "
            f"{comparison['other']}; the paired bootstrap of the difference gives "
            f"{comparison['difference']:+.3f} ({comparison['interval'][0]:+.3f} to "
            f"{comparison['interval'][1]:+.3f}): an interval that excludes 0 is a real "
            "difference on this test set, one that includes it is not.",
        ),
        (
            "Where does the interval come from?",
            f"{method[:1].upper()}{method[1:]}: each resample of the test is scored again, and "
            f"the middle 95 % of the scores is the interval, {low:.3f}-{high:.3f} for the "
            f"router's macro-F1. It measures test-set sampling only, not the training seed.",
        ),
        (
            "How do you know it is not overfitting?",
            f"Validation and test phrasings are never in training; validation macro-F1 is "
            f"{mf['val_macro_f1']:.3f} and test {mf['macro_f1']:.3f}, and the kept epoch is the "
            f"one with the lowest validation loss ({metrics.get('best_epoch', '?')} of "
            f"{config['train']['epochs']}).",
        ),
    ]
    if "oos_recall" in mf:
        answers.append(
            (
                "How does the bot know a message is out of scope?",
                f"Below a similarity of {metrics['thresholds']['model']:.3f} to the predicted "
                f"intent's centroid it declines; {mf['oos_recall']:.0%} of the "
                f"{dataset.get('test_out_of_scope', '?')} out-of-scope test messages (on topics "
                "validation never had) are turned away.",
            )
        )
    if counts:
        worst = counts.get("top_confusion")
        mix = (
            f"; the most frequent mix-up is {worst[0]} taken for {worst[1]} ({worst[2]})"
            if worst
            else ""
        )
        answers.append(
            (
                "What does it get wrong?",
                f"{counts['wrong_intent']} of {counts['in_scope']} in-scope test messages get the "
                f"wrong intent and {counts['declined']} are declined; "
                f"{counts['out_of_scope_answered']} of {counts['out_of_scope']} out-of-scope "
                f"ones are answered anyway{mix}. TF-IDF gets "
                f"{counts.get('only_reference_right', 0)} right that the router misses.",
            )
        )
    if "retrieval" in metrics.get("documents", {}):
        documents = metrics["documents"]
        fused = documents["retrieval"]["fused"]
        answers.append(
            (
                "How do you know the retrieval works?",
                f"{documents['retrieval']['questions']} labelled questions, each with the phrases "
                f"of the passages that answer it: the fused search puts one in the top 5 for "
                f"{fused['recall@5']:.0%} of them (MRR {fused['mrr@10']:.3f}), scored for BM25 "
                "and dense search alone too, so the fusion has to earn its place.",
            )
        )
    answers += [
        (
            "Why not fine-tune the encoder?",
            f"With {dataset['train_size']} training utterances a fine-tuned transformer would "
            "mostly memorise them; a frozen encoder keeps what it learned from a billion "
            f"sentence pairs and trains in {metrics['train_seconds']:.1f} s. With thousands of "
            "examples per intent, fine-tuning (or SetFit) is the next step.",
        ),
        (
            "What would you do with more data?",
            "Collect real user messages, label them, and add them to training and above all to "
            "validation and test (several writers, other phrasings); add out-of-scope topics to "
            "validation so the threshold learns them; then try `model.hidden` > 0 with "
            "`tune`, and a larger encoder (all-mpnet-base-v2).",
        ),
        (
            "How would it run in production?",
            "`serve` loads the run folder once and answers over HTTP; the cost is one encoder "
            "pass per message (milliseconds on a CPU). Intents or replies change: edit the CSV "
            "or YAML, `train` again (seconds with cached embeddings), deploy the new folder.",
        ),
    ]
    return answers
