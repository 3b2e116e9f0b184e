"""`report`: rewrite the README's results section and the model card from a run folder.

Only the text between the marker comments is replaced, so everything else in
README.md and MODEL_CARD.md stays yours to edit.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from .runs import RUNS_DIR, latest_run, read_metrics

RESULTS_MARKERS = ("<!-- results:start -->", "<!-- results:end -->")
CARD_MARKERS = ("<!-- metrics:start -->", "<!-- metrics:end -->")
# Optional, in README.md and MODEL_CARD.md: the run's own account of its data.
DATA_MARKERS = ("<!-- data:start -->", "<!-- data:end -->")
FIGURES_DIR = Path("reports") / "figures"
# What `demo --screenshot` saves by default: the README shows it when it is there.
DEMO_SCREENSHOT = Path("reports") / "demo.png"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)


def results_table(metrics: dict[str, Any]) -> str:
    """A Markdown table of every model metric beside the baseline's (and a reference model's
    and other alternatives', when the run has them), primary metric first."""
    primary = metrics["primary_metric"]
    columns = [(metrics["model"], ""), (metrics["baseline"], " (baseline)")]
    if "reference" in metrics:
        columns.append((metrics["reference"], " (reference)"))
    columns += [(entry, "") for entry in metrics.get("alternatives", [])]
    names = [primary] + [name for name in metrics["model"]["metrics"] if name != primary]
    lines = [
        "| Metric | " + " | ".join(f"{entry['name']}{role}" for entry, role in columns) + " |",
        "| --- |" + " ---: |" * len(columns),
    ]
    for name in names:
        label = f"**{name}**" if name == primary else name
        values = " | ".join(_fmt(entry["metrics"].get(name)) for entry, _ in columns)
        lines.append(f"| {label} | {values} |")
    return "\n".join(lines)


def copy_figures(run_dir: Path, plots: dict[str, str], root: Path) -> dict[str, str]:
    """Copy the run's plots next to the README (runs/ is not committed); return title -> path."""
    figures = root / FIGURES_DIR
    figures.mkdir(parents=True, exist_ok=True)
    copied = {}
    for title, name in plots.items():
        shutil.copy2(run_dir / name, figures / name)
        copied[title] = (FIGURES_DIR / name).as_posix()
    return copied


def results_section(metrics: dict[str, Any], figures: dict[str, str]) -> str:
    higher = "higher" if metrics.get("higher_is_better", True) else "lower"
    parts = [
        f"Latest run: `{metrics['run']}` (config `{metrics['config']}`, seed {metrics['seed']}, "
        f"{metrics['train_seconds']:.1f} s of training on {metrics['hardware']['device']}). "
        f"Primary metric: **{metrics['primary_metric']}** ({higher} is better).",
        "",
        results_table(metrics),
        "",
    ]
    # What the numbers do not say on their own, e.g. that the model lost to its baseline.
    parts += [f"> **Warning**: {warning}\n" for warning in metrics.get("warnings", [])]
    if "serving" in metrics:  # written by `serve --benchmark`
        serving = metrics["serving"]
        parts.append(
            f"Served over HTTP (`serve`), `{serving['endpoint']}` answers in "
            f"{serving['p50_ms']:.1f} ms (p50) and {serving['p95_ms']:.1f} ms (p95) over "
            f"{serving['requests']} requests on this machine.\n"
        )
    parts += [f"![{title}]({path})" for title, path in figures.items()]
    return "\n".join(parts)


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
        ]
    )


def replace_between(text: str, markers: tuple[str, str], body: str) -> str:
    start, end = markers
    head, found_start, rest = text.partition(start)
    _, found_end, tail = rest.partition(end)
    if not found_start or not found_end:
        raise ValueError(
            f"markers {start} ... {end} not found: put them back where the section goes"
        )
    return f"{head}{start}\n{body}\n{end}{tail}"


def write_report(run_dir: Path, root: Path = Path(".")) -> None:
    """Rewrite README.md and MODEL_CARD.md under `root` from the run in `run_dir`: the results
    and metrics sections, and the data sections where the run describes its data (so that a
    description of the shipped data never stays beside results on other data)."""
    metrics = read_metrics(run_dir)
    figures = copy_figures(run_dir, metrics.get("plots", {}), root)
    if (root / DEMO_SCREENSHOT).is_file():
        figures["The web demo"] = DEMO_SCREENSHOT.as_posix()
    description = metrics["dataset"].get("description")
    sections = {
        root / "README.md": (RESULTS_MARKERS, results_section(metrics, figures)),
        root / "MODEL_CARD.md": (CARD_MARKERS, card_section(metrics)),
    }
    for path, (markers, body) in sections.items():
        text = replace_between(path.read_text(encoding="utf-8"), markers, body)
        if description and DATA_MARKERS[0] in text:
            text = replace_between(text, DATA_MARKERS, description)
        path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"{__package__} report", description=__doc__)
    parser.add_argument("--run", type=Path, help="run folder (default: the latest finished run)")
    parser.add_argument("--runs-dir", type=Path, default=RUNS_DIR)
    args = parser.parse_args(argv)
    run_dir = args.run or latest_run(args.runs_dir)
    write_report(run_dir)
    print(f"README.md and MODEL_CARD.md updated from {run_dir}")
    return 0
