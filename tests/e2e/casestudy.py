"""The end-to-end check of every project's case study (issue 14), after `train` and `report`:
the README's sections, the results table's rows with 95% intervals and its reading, the docs
quoting the real primary metric, MLflow holding the run, and `tune` writing a profile."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import yaml

from .projects import latest_metrics, run

SECTIONS = [
    "Problem",
    "Data",
    "Approach and decisions",
    "Results",
    "Error analysis",
    "Limitations",
    "Next steps and what I learned",
    "How to run",
    "Demo",
]

# Runs in the project's venv: what MLflow's store holds, as JSON.
SEARCH_RUNS = """
import json, sys
import mlflow
mlflow.set_tracking_uri("sqlite:///mlflow.db")
runs = mlflow.search_runs(experiment_names=[sys.argv[1]], output_format="list")
print(json.dumps([{"tags": r.data.tags, "metrics": r.data.metrics, "params": r.data.params}
                  for r in runs]))
"""


def shown(value: float) -> str:
    """A score as report writes it."""
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.4f}"


def tracked_runs(python: Path, project: Path, package: str) -> list[dict]:
    return json.loads(run([python, "-c", SEARCH_RUNS, package], cwd=project))


def check_case_study(python: Path, project: Path, package: str, tune_args: list[str]) -> dict:
    """Everything issue 14 promises after `train` and `report` on the latest run; then
    `tune --trials 3 TUNE_ARGS`. Returns the latest run's metrics."""
    metrics = latest_metrics(project)
    primary = metrics["primary_metric"]
    value = shown(metrics["model"]["metrics"][primary])
    readme = (project / "README.md").read_text(encoding="utf-8")
    headings = [line[3:].strip() for line in readme.splitlines() if line.startswith("## ")]
    assert [name for name in SECTIONS if name not in headings] == [], headings
    assert "No run yet" not in readme

    results = readme.split("<!-- results:start -->")[1].split("<!-- results:end -->")[0]
    lines = results.strip().splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("| "))
    table = list(itertools.takewhile(lambda line: line.startswith("| "), lines[first:]))
    assert table[0].startswith(f"| Model | **{primary}** |"), table
    rows = table[2:]
    assert len(rows) >= 3 and rows[0].split(" | ")[1].startswith(value), table
    assert all(" [" in row.split(" | ")[1] for row in rows), rows  # every row: its interval
    assert "In brackets: 95% intervals, " in results and "**Reading**: " in results, results

    for doc in ["docs/blog-post.md", "docs/interview-notes.md"]:
        text = (project / doc).read_text(encoding="utf-8")
        assert value in text and "No run yet" not in text, doc
    notes = (project / "docs" / "interview-notes.md").read_text(encoding="utf-8")
    questions = notes.split("<!-- questions:start -->")[1].split("<!-- questions:end -->")[0]
    assert questions.count("**") >= 12, questions  # at least six questions, each answered

    logged = tracked_runs(python, project, package)
    this = [r for r in logged if r["tags"].get("run_folder") == metrics["run"]]
    assert len(this) == 1, [r["tags"].get("run_folder") for r in logged]
    assert this[0]["metrics"][primary] == metrics["model"]["metrics"][primary]
    assert this[0]["params"]["seed"] == str(metrics["seed"])

    printed = run([python, "-m", package, "tune", "--trials", "3", *tune_args], cwd=project)
    assert "best of 3 trials" in printed, printed
    tuned = yaml.safe_load((project / "configs" / "tuned.yaml").read_text(encoding="utf-8"))
    assert tuned["seed"] == metrics["seed"] and "tracking_uri" in tuned, tuned
    trials = [r for r in tracked_runs(python, project, package) if "mlflow.parentRunId" in r["tags"]]
    assert len(trials) == 3, trials
    return metrics
