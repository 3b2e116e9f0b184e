"""Start-up and `new` timings of mlscaffold against copier on the same template, same run.

    python bench/bench_cli.py [--repeat 7]

Targets: `mlscaffold --help` and `mlscaffold list` <= 0.3 s; `mlscaffold new
predictive-analytics` at most 0.9 times `copier copy` of the same (composed) template
followed by `git init`, `git add` and `git commit` (medians of interleaved runs).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mlscaffold.catalog import find_template
from mlscaffold.render import compose

BIN = Path(sys.executable).parent
NEW_RATIO = 0.9  # `new` against `copier copy` + git init/add/commit, wall-clock medians


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(runs: dict[str, Callable[[], None]], repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall time and median CPU time (user + system, all child processes) of each run.

    The runs take turns, so a machine that gets busier or quieter meanwhile weighs on all.
    """
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            cpu, start = children_cpu(), time.perf_counter()
            run()
            walls[name].append(time.perf_counter() - start)
            cpus[name].append(children_cpu() - cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in runs}


def command(*args: str | Path, cwd: Path | None = None) -> Callable[[], None]:
    def run() -> None:
        subprocess.run([str(a) for a in args], cwd=cwd, check=True, capture_output=True)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="mlscaffold-bench-"))
    os.environ.setdefault("GIT_AUTHOR_NAME", "Bench")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@example.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", "Bench")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@example.com")
    try:
        composed = compose(find_template("predictive-analytics"), work / "template")
        counter = iter(range(10_000))

        def mlscaffold_new() -> None:
            dest = work / f"new-{next(counter)}"
            command(BIN / "mlscaffold", "new", "predictive-analytics", dest, "--defaults")()

        def copier_copy_and_commit() -> None:
            dest = work / f"copier-{next(counter)}"
            command(BIN / "copier", "copy", "--defaults", "--quiet", composed, dest)()
            command("git", "init", "-q", "-b", "main", cwd=dest)()
            command("git", "add", "--all", cwd=dest)()
            command("git", "commit", "-q", "-m", "Initial commit", cwd=dest)()

        figures = timed(
            {
                "mlscaffold --help": command(BIN / "mlscaffold", "--help"),
                "mlscaffold list": command(BIN / "mlscaffold", "list"),
                "mlscaffold new": mlscaffold_new,
                "copier copy + git init/add/commit": copier_copy_and_commit,
            },
            repeat,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)

    load = os.getloadavg()[0]
    print(f"median of {repeat} runs, {os.cpu_count()} CPUs, load {load:.2f}, Python {sys.version.split()[0]}")
    print(f"  {'':<36} {'wall':>8} {'cpu':>8}")
    for name, (wall, cpu) in figures.items():
        print(f"  {name:<36} {wall:7.3f}s {cpu:7.3f}s")
    new, peer = figures["mlscaffold new"], figures["copier copy + git init/add/commit"]
    ratio = new[0] / peer[0]
    verdict = "ok" if ratio <= NEW_RATIO else "OVER"
    print(f"  ratio new / (copier copy + git)      {ratio:8.2f} {new[1] / peer[1]:8.2f}")
    print(f"  {'mlscaffold new':<36} wall {verdict} (target <= {NEW_RATIO:.2f} x copier copy + git)")
    for name in ("mlscaffold --help", "mlscaffold list"):
        verdict = "ok" if figures[name][0] <= 0.3 else "OVER"
        print(f"  {name:<36} wall {verdict} (target <= 0.30 s)")


if __name__ == "__main__":
    main()
