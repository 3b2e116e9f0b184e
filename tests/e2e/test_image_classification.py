"""End to end: the image-classification template, compact CNN and ResNet-18, from render to report.

The projects are installed into one virtual environment (their package names differ), so
torch and the rest are installed once. Each runs its own test suite (which trains, resumes and,
for ResNet-18, runs two processes with torchrun on tiny settings), then the verbs from the
command line on the smoke profile; the CNN project trains its smoke profile with
`torchrun --nproc_per_node 2` (gloo on the CPU), which stands in for its own torchrun test.
Two more CNN projects, rendered with the smallest accepted image size and a large one, run
their own test suites: every answer must leave the project's tests green. Each run compares the
model with logistic regression and an MLP on the raw pixels and a majority-class guess, with
bootstrap intervals; the report writes the case study (data, decisions, error analysis), and on
the default project MLflow holds the run and `tune --trials 3` writes configs/tuned.yaml. After
the report, both serve an uploaded digit over HTTP and show it in the browser demo; the CNN's
Space folder runs from a clean venv.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .casestudy import check_case_study
from .projects import generate_and_install, latest_metrics, run
from .showcase import check_demo, check_serve, check_space

TEMPLATE = "image-classification"
MODELS = ("cnn", "resnet18")
IMAGE_SIZES = (8, 64)  # the smallest side the template accepts, and one where pixels are many
PIXEL_MODELS = ("Logistic regression (raw pixels)", "MLP (raw pixels)")
LABEL = re.compile(r"Prediction\s+(?P<label>\S+)\s+(?P=label)\s+\d+%")  # what the demo shows


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """variant -> (rendered project, python of the shared venv it is installed in)."""
    variants = {model: {"project_name": f"cv-{model}", "model": model} for model in MODELS}
    for size in IMAGE_SIZES:
        variants[f"cnn{size}"] = {"project_name": f"cv-cnn{size}", "image_size": size}
    return generate_and_install(
        TEMPLATE, tmp_path_factory.mktemp("image-classification"), variants, torch=True
    )


@pytest.mark.e2e
@pytest.mark.parametrize("model", MODELS)
def test_generated_project_tests_trains_evaluates_predicts_reports_and_shows_itself(
    projects: dict[str, tuple[Path, Path]], model: str, tmp_path: Path
) -> None:
    project, python = projects[model]
    package = f"cv_{model}"
    assert "name: " + model in (project / "configs" / "default.yaml").read_text(encoding="utf-8")

    # The CNN's own two-process test gives way to the torchrun smoke run below (same code path).
    skip = ["-k", "not torchrun"] if model == "cnn" else []
    run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *skip], cwd=project)

    out = run([python, "-m", package, "train", "--config", "configs/smoke.yaml"], cwd=project)
    assert "wrote mnist-5k to data/mnist-5k" in out  # train prepared the missing data itself
    assert "run folder: runs/" in out
    metrics = latest_metrics(project)
    assert metrics["model"]["name"] == {"cnn": "Compact CNN", "resnet18": "ResNet-18"}[model]
    # The promised comparison: two models on the same raw pixels, and the majority-class floor.
    pixel_rows = [metrics["reference"], *metrics["alternatives"]]
    assert {row["name"] for row in pixel_rows} == set(PIXEL_MODELS)
    assert metrics["baseline"]["name"] == "Majority class"
    for row in [metrics["model"], *pixel_rows, metrics["baseline"]]:
        low, high = row["intervals"]["accuracy"]
        assert low <= row["metrics"]["accuracy"] <= high, row
    assert metrics["comparison"]["other"] == metrics["reference"]["name"]
    if model == "cnn":  # two epochs of the compact CNN beat both pixel models, beyond the noise
        assert metrics["comparison"]["interval"][0] > 0, metrics["comparison"]

    out = run([python, "-m", package, "evaluate"], cwd=project)
    assert f"accuracy: {metrics['model']['metrics']['accuracy']:.4f}" in out

    image = next((project / "data" / "mnist-5k" / "test" / "3").glob("*.png"))
    out = run([python, "-m", package, "predict", image, "data/mnist-5k/test/8"], cwd=project)
    lines = out.splitlines()
    assert len(lines) == 1 + 100 and lines[0].startswith(f"{image}\t")
    label, probability = lines[0].split("\t")[1].split()
    assert label in {str(digit) for digit in range(10)} and 0 < float(probability) <= 1

    run([python, "-m", package, "report"], cwd=project)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert "| **accuracy** |" in readme and "| Majority class (baseline) |" in readme
    assert all(f"| {name} |" in readme for name in PIXEL_MODELS)
    assert "![Confusion matrix](reports/figures/confusion_matrix.png)" in readme
    assert "![Training images](reports/figures/eda_examples.png)" in readme  # the Data section
    errors = readme.split("## Error analysis")[1].split("## Limitations")[0]
    assert "test images are misclassified" in errors and "Most frequent confusions: " in errors
    assert "![Most confident mistakes](reports/figures/misclassified.png)" in errors
    assert f"Kept the {metrics['model']['name']}" in readme  # Approach and decisions
    assert (project / "reports" / "figures" / "misclassified.png").is_file()
    assert "Training time:" in (project / "MODEL_CARD.md").read_text(encoding="utf-8")
    notes = (project / "docs" / "interview-notes.md").read_text(encoding="utf-8")
    assert {"cnn": "global max-pool", "resnet18": "residual block"}[model] in notes
    if model == "cnn":  # the default project: README sections, MLflow, tune --trials 3
        check_case_study(python, project, package, tune_args=["--config", "configs/smoke.yaml"])

    cli = python.parent / package
    valid = {"files": {"file": ("3.png", image.read_bytes(), "image/png")}}
    invalid = {"files": {"file": ("notes.txt", b"not an image", "text/plain")}}
    answer = check_serve(cli, project, valid=valid, invalid=invalid, field="file")
    digits = {str(digit) for digit in range(10)}
    assert answer["label"] in digits and len(answer["top_k"]) == 3, answer
    assert answer["top_k"][0] == {"label": answer["label"], "probability": answer["probability"]}
    # The demo's gr.Label: its heading is the top class, then each class with its percentage.
    shown = LABEL.search(check_demo(cli, project))
    assert shown and shown["label"] in digits, shown
    if model == "cnn":  # the Space installs torch in a venv of its own: once is enough
        shown = LABEL.search(check_space(cli, project, tmp_path, torch=True))
        assert shown and shown["label"] in digits, shown


@pytest.mark.e2e
@pytest.mark.parametrize("size", IMAGE_SIZES)
def test_projects_rendered_with_another_image_size_pass_their_own_tests(
    projects: dict[str, tuple[Path, Path]], size: int
) -> None:
    project, python = projects[f"cnn{size}"]
    assert f"image_size: {size}" in (project / "configs" / "smoke.yaml").read_text(encoding="utf-8")
    run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "not torchrun"], cwd=project)


@pytest.mark.e2e
def test_two_processes_with_torchrun_beat_the_baseline(
    projects: dict[str, tuple[Path, Path]],
) -> None:
    project, python = projects["cnn"]
    torchrun = python.parent / "torchrun"
    command = [torchrun, "--standalone", "--nproc_per_node", "2", "-m", "cv_cnn", "train"]
    out = run([*command, "--config", "configs/smoke.yaml"], cwd=project)
    assert out.count("run folder: runs/") == 1  # rank 0 alone writes the run
    metrics = latest_metrics(project)
    assert metrics["processes"] == 2 and metrics["hardware"]["device"] == "cpu"
    assert metrics["model"]["metrics"]["accuracy"] > metrics["baseline"]["metrics"]["accuracy"]
