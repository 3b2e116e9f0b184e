"""`report`: rewrite the generated sections of the README, the model card and docs/ from a run.

Only the text between the marker comments is replaced, so everything else in README.md,
MODEL_CARD.md, docs/blog-post.md and docs/interview-notes.md stays yours to edit. Paragraphs that
start with "> **Your words**" are prompts for what only you can write; `report` lists the
sections that still hold one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from . import casestudy
from .runs import RUNS_DIR, latest_run, read_metrics

RESULTS_MARKERS = ("<!-- results:start -->", "<!-- results:end -->")
CARD_MARKERS = ("<!-- metrics:start -->", "<!-- metrics:end -->")
# The run's own account of its data, so a description of the shipped data never stays beside
# results on other data; then its exploration (the notebook's figures), decisions and errors.
DATA_MARKERS = ("<!-- data:start -->", "<!-- data:end -->")
EDA_MARKERS = ("<!-- eda:start -->", "<!-- eda:end -->")
APPROACH_MARKERS = ("<!-- approach:start -->", "<!-- approach:end -->")
ERRORS_MARKERS = ("<!-- errors:start -->", "<!-- errors:end -->")
QUESTIONS_MARKERS = ("<!-- questions:start -->", "<!-- questions:end -->")
NUMBERS_MARKERS = ("<!-- numbers:start -->", "<!-- numbers:end -->")
PROMPT = "> **Your words**"
FIGURES_DIR = Path("reports") / "figures"
# What `demo --screenshot` saves by default: the README shows it when it is there.
DEMO_SCREENSHOT = Path("reports") / "demo.png"
BLOG_POST = Path("docs") / "blog-post.md"
INTERVIEW_NOTES = Path("docs") / "interview-notes.md"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}" if abs(value) >= 10 else f"{value:.4f}"  # returns, ms; scores
    return "—" if value is None else str(value)


def rows(metrics: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    """The compared models, kept one first, then the alternatives, then the baseline."""
    compared = [(metrics["model"], " (kept)")]
    if "reference" in metrics:
        compared.append((metrics["reference"], ""))
    compared += [(entry, "") for entry in metrics.get("alternatives", [])]
    return [*compared, (metrics["baseline"], " (baseline)")]


def cell(entry: dict[str, Any], name: str) -> str:
    value = _fmt(entry["metrics"].get(name))
    if name in entry.get("intervals", {}):
        low, high = entry["intervals"][name]
        value += f" [{_fmt(low)}, {_fmt(high)}]"
    return value


def results_table(metrics: dict[str, Any]) -> str:
    """A Markdown table: one row per model, one column per metric (primary first), each score
    with its 95% interval where the run measured one."""
    primary = metrics["primary_metric"]
    names = [primary] + [name for name in metrics["model"]["metrics"] if name != primary]
    lines = [
        "| Model | " + " | ".join(f"**{n}**" if n == primary else n for n in names) + " |",
        "| --- |" + " ---: |" * len(names),
    ]
    for entry, role in rows(metrics):
        lines.append(
            f"| {entry['name']}{role} | " + " | ".join(cell(entry, n) for n in names) + " |"
        )
    return "\n".join(lines)


def reading(metrics: dict[str, Any]) -> str:
    """One line on what the comparison says: is the kept model really better than the best
    alternative, given the 95% interval of the difference between them?"""
    comparison = metrics["comparison"]
    model, other = metrics["model"]["name"], comparison["other"]
    difference, (low, high) = comparison["difference"], comparison["interval"]
    better = difference > 0 if metrics.get("higher_is_better", True) else difference < 0
    gap = (
        f"{comparison['metric']} {_fmt(difference)} (95% interval of the difference "
        f"[{_fmt(low)}, {_fmt(high)}])"
    )
    if low <= 0 <= high:
        return (
            f"**Reading**: {model} and {other} are not told apart: {gap} includes 0, so these "
            "results cannot say which is better; prefer the simpler or cheaper one."
        )
    if better:
        return f"**Reading**: {model} beats {other}: {gap} excludes 0."
    return f"**Reading**: {other} beats the kept {model}: {gap} excludes 0; consider switching."


def copy_figures(run_dir: Path, plots: dict[str, str], root: Path) -> dict[str, str]:
    """Copy the run's plots next to the README (runs/ is not committed); return title -> path."""
    figures = root / FIGURES_DIR
    figures.mkdir(parents=True, exist_ok=True)
    copied = {}
    for title, name in plots.items():
        shutil.copy2(run_dir / name, figures / name)
        copied[title] = (FIGURES_DIR / name).as_posix()
    return copied


def pictures(figures: dict[str, str], prefix: str) -> list[str]:
    """Markdown images; `prefix` leads from the file being written back to the project root."""
    return [f"![{title}]({prefix}{path})" for title, path in figures.items()]


def results_section(metrics: dict[str, Any], figures: dict[str, str], prefix: str = "") -> str:
    higher = "higher" if metrics.get("higher_is_better", True) else "lower"
    parts = [
        f"Latest run: `{metrics['run']}` (config `{metrics['config']}`, seed {metrics['seed']}, "
        f"{metrics['train_seconds']:.1f} s of training on {metrics['hardware']['device']}). "
        f"Primary metric: **{metrics['primary_metric']}** ({higher} is better).",
        "",
        results_table(metrics),
        "",
    ]
    if "interval_method" in metrics:
        parts.append(f"In brackets: 95% intervals, {metrics['interval_method']}.\n")
    if metrics.get("comparison"):
        parts.append(reading(metrics) + "\n")
    # What a template measures beyond the compared models, as Markdown (the chatbot's retrieval).
    parts += [f"{more}\n" for more in metrics.get("more_results", []) if more]
    # What the numbers do not say on their own, e.g. that the model lost to its baseline.
    parts += [f"> **Warning**: {warning}\n" for warning in metrics.get("warnings", [])]
    if "serving" in metrics:  # written by `serve --benchmark`
        serving = metrics["serving"]
        parts.append(
            f"Served over HTTP (`serve`), `{serving['endpoint']}` answers in "
            f"{serving['p50_ms']:.1f} ms (p50) and {serving['p95_ms']:.1f} ms (p95) over "
            f"{serving['requests']} requests on this machine.\n"
        )
    return "\n".join(parts + pictures(figures, prefix))


def summary_section(entry: dict[str, Any] | None, figures: dict[str, str], prefix: str) -> str:
    """A run's `eda` or `error_analysis`: its Markdown summary, then its plots."""
    if not entry:
        return "Not measured by this run."
    return "\n\n".join([entry["summary"], *pictures(figures, prefix)])


def card_section(metrics: dict[str, Any]) -> str:
    dataset, hardware = metrics["dataset"], metrics["hardware"]
    return "\n".join(
        [
            f"- Data: {dataset['name']} ({dataset['train_size']} "
            f"{dataset.get('train_unit', 'training examples')}, {dataset['test_size']} "
            f"{dataset.get('test_unit', 'held-out test examples')})",
            f"- Seed: {metrics['seed']}; config: `{metrics['config']}`",
            f"- Hardware: {hardware['device']} ({hardware['cpu']}, {hardware['cpu_threads']} "
            f"CPU threads), Python {hardware['python']}, {hardware['platform']}",
            f"- Training time: {metrics['train_seconds']:.1f} s",
            *[f"- Warning: {warning}" for warning in metrics.get("warnings", [])],
            "",
            results_table(metrics),
            *(["", reading(metrics)] if metrics.get("comparison") else []),
            *[f"\n{more}" for more in metrics.get("more_results", []) if more],
        ]
    )


def decisions_section(metrics: dict[str, Any], config: dict[str, Any]) -> str:
    return "\n".join(f"- **{what}**: {why}" for what, why in casestudy.decisions(metrics, config))


def questions_section(metrics: dict[str, Any], config: dict[str, Any]) -> str:
    return "\n\n".join(f"**{q}**\n\n{a}" for q, a in casestudy.questions(metrics, config))


def numbers_section(metrics: dict[str, Any]) -> str:
    """The figures to know by heart before an interview, from the run itself."""
    primary, model, dataset = metrics["primary_metric"], metrics["model"], metrics["dataset"]
    lines = [
        f"- {primary} of {model['name']}: **{cell(model, primary)}** on {dataset['test_size']} "
        f"{dataset.get('test_unit', 'held-out test examples')}",
        f"- Baseline ({metrics['baseline']['name']}): {cell(metrics['baseline'], primary)}",
    ]
    if "reference" in metrics:
        reference = metrics["reference"]
        lines.append(f"- Reference ({reference['name']}): {cell(reference, primary)}")
    if metrics.get("comparison"):
        lines.append(f"- {reading(metrics).removeprefix('**Reading**: ')}")
    lines += [
        f"- Data: {dataset['name']}, {dataset['train_size']} "
        f"{dataset.get('train_unit', 'training examples')}",
        f"- Training: {metrics['train_seconds']:.1f} s on {metrics['hardware']['device']}, "
        f"seed {metrics['seed']}, config `{metrics['config']}`",
    ]
    if "serving" in metrics:
        serving = metrics["serving"]
        lines.append(f"- Serving: {serving['p50_ms']:.1f} ms p50, {serving['p95_ms']:.1f} ms p95")
    return "\n".join(lines)


def replace_between(text: str, markers: tuple[str, str], body: str) -> str:
    start, end = markers
    head, found_start, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not found_start or not found_end:
        raise ValueError(
            f"markers {start} ... {end} not found: put them back where the section goes"
        )
    return f"{head}{start}\n{body}\n{end}{tail}"


def waiting_for_words(text: str) -> list[str]:
    """The `## ` sections of a Markdown file that still hold a "Your words" prompt."""
    heading, waiting = "the opening", []  # a prompt before the first section
    for line in text.splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
        elif line.startswith(PROMPT) and heading not in waiting:
            waiting.append(heading)
    return waiting


def write_report(run_dir: Path, root: Path = Path(".")) -> dict[str, list[str]]:
    """Rewrite the marked sections of README.md, MODEL_CARD.md and the docs under `root` from
    the run in `run_dir`; return, per file, the sections still waiting for the user's words.

    README.md and MODEL_CARD.md must hold their results markers (checked before anything is
    written); every other section is rewritten where its markers are, so deleting one, or a
    whole docs file, is fine."""
    for path, markers in [
        (root / "README.md", RESULTS_MARKERS),
        (root / "MODEL_CARD.md", CARD_MARKERS),
    ]:
        replace_between(path.read_text(encoding="utf-8"), markers, "")  # raises when missing
    metrics = read_metrics(run_dir)
    config_file = run_dir / "config.yaml"
    config = (
        yaml.safe_load(config_file.read_text(encoding="utf-8")) if config_file.is_file() else {}
    )
    figures = copy_figures(run_dir, metrics.get("plots", {}), root)
    if (root / DEMO_SCREENSHOT).is_file():
        figures["The web demo"] = DEMO_SCREENSHOT.as_posix()
    eda, errors = metrics.get("eda"), metrics.get("error_analysis")
    eda_figures = copy_figures(run_dir, (eda or {}).get("plots", {}), root)
    error_figures = copy_figures(run_dir, (errors or {}).get("plots", {}), root)

    # Each body is made only where its markers are: a file without a section costs nothing.
    def sections(prefix: str) -> dict[tuple[str, str], Callable[[], str]]:
        found = {
            RESULTS_MARKERS: lambda: results_section(metrics, figures, prefix),
            EDA_MARKERS: lambda: summary_section(eda, eda_figures, prefix),
            APPROACH_MARKERS: lambda: decisions_section(metrics, config),
            ERRORS_MARKERS: lambda: summary_section(errors, error_figures, prefix),
            QUESTIONS_MARKERS: lambda: questions_section(metrics, config),
            NUMBERS_MARKERS: lambda: numbers_section(metrics),
        }
        if description := metrics["dataset"].get("description"):
            found[DATA_MARKERS] = lambda: description
        return found

    card = {CARD_MARKERS: lambda: card_section(metrics)}
    if description := metrics["dataset"].get("description"):
        card[DATA_MARKERS] = lambda: description
    files = {
        root / "README.md": sections(""),
        root / "MODEL_CARD.md": card,
        root / BLOG_POST: sections("../"),
        root / INTERVIEW_NOTES: sections("../"),
    }
    written, waiting = {}, {}
    for path, bodies in files.items():
        if not path.is_file():  # the docs may go; README.md and MODEL_CARD.md were checked
            continue
        text = path.read_text(encoding="utf-8")
        for markers, body in bodies.items():
            if markers[0] in text:
                text = replace_between(text, markers, body())
        written[path] = text
        if words := waiting_for_words(text):
            waiting[path.relative_to(root).as_posix()] = words
    for path, text in written.items():  # only once every file is ready: no half-done report
        path.write_text(text, encoding="utf-8")
    return waiting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{__package__} report", description=__doc__)
    parser.add_argument("--run", type=Path, help="run folder (default: the latest finished run)")
    parser.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    args = parser.parse_args(argv)
    try:
        run_dir = args.run or latest_run(args.runs_dir)
        waiting = write_report(run_dir)
    except (FileNotFoundError, ValueError) as error:  # no run yet, a file or markers gone
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"README.md, MODEL_CARD.md and docs/ updated from {run_dir}")
    for name, headings in waiting.items():
        print(f"{name}: waiting for your words in {', '.join(headings)}")
    return 0
