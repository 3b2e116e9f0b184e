"""`mlscaffold update` against `copier update` for the same change on the same project.

    python bench/bench_update.py [--repeat 5]

Both tools start from the same generated predictive-analytics project with one commit of
user work, and apply the same change: a new answer for `description`, which re-renders the
README, the model card, the package docstring and pyproject.toml. copier gets the composed
template as a git repository with a tag, as copier update requires. A `git` shim on PATH
counts every git subprocess each tool starts. Targets: update <= 1.0 s and at least 3x faster
than copier update; `mlscaffold check` <= 0.3 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlscaffold.catalog import find_template
from mlscaffold.render import compose

BIN = Path(sys.executable).parent
IDENTITY = {
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def sh(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=cwd, env=env, check=True, capture_output=True)


def git_shim(folder: Path, log: Path) -> dict[str, str]:
    """An environment whose `git` logs each call, then runs the real git."""
    real = shutil.which("git")
    folder.mkdir()
    shim = folder / "git"
    shim.write_text(f'#!/bin/sh\necho "$*" >> "{log}"\nexec {real} "$@"\n')
    shim.chmod(0o755)
    return {**os.environ, **IDENTITY, "PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def user_work(project: Path, env: dict[str, str]) -> None:
    readme = project / "README.md"
    readme.write_text(readme.read_text() + "\n## Notes\n\nMy own findings.\n")
    sh("git", "add", "--all", cwd=project, env=env)
    sh("git", "commit", "-q", "-m", "My notes", cwd=project, env=env)


def copier_template(work: Path, env: dict[str, str]) -> Path:
    """The composed template as copier wants it for updates: a git repository with a tag."""
    template = compose(find_template("predictive-analytics"), work / "copier-template")
    (template / "{{ _copier_conf.answers_file }}.jinja").write_text("{{ _copier_answers|to_nice_yaml }}")
    sh("git", "init", "-q", "-b", "main", cwd=template, env=env)
    sh("git", "add", "--all", cwd=template, env=env)
    sh("git", "commit", "-q", "-m", "v1", cwd=template, env=env)
    sh("git", "tag", "v1.0.0", cwd=template, env=env)
    return template


def measure(setup, run, repeat: int, log: Path) -> tuple[float, int]:
    """Median wall time of `run` after a fresh `setup`, and git calls in the last run."""
    times = []
    for index in range(repeat):
        project = setup(index)
        log.write_text("")
        start = time.perf_counter()
        run(project)
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(log.read_text().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    work = Path(tempfile.mkdtemp(prefix="mlscaffold-bench-update-"))
    log = work / "git-calls.log"
    env = git_shim(work / "bin", log)
    change = "description=A churn model for a telecom portfolio."
    try:
        template = copier_template(work, env)

        def mlscaffold_project(index: int) -> Path:
            project = work / f"ml-{index}"
            sh(BIN / "mlscaffold", "new", "predictive-analytics", project, "--defaults", env=env)
            user_work(project, env)
            return project

        def copier_project(index: int) -> Path:
            project = work / f"copier-{index}"
            sh(
                BIN / "copier",
                "copy",
                "--defaults",
                "--quiet",
                "--vcs-ref",
                "v1.0.0",
                template,
                project,
                env=env,
            )
            sh("git", "init", "-q", "-b", "main", cwd=project, env=env)
            sh("git", "add", "--all", cwd=project, env=env)
            sh("git", "commit", "-q", "-m", "Initial commit", cwd=project, env=env)
            user_work(project, env)
            return project

        def mlscaffold_update(project: Path) -> None:
            sh(BIN / "mlscaffold", "update", project, "--defaults", "-d", change, env=env)
            assert "My own findings." in (project / "README.md").read_text()
            assert "telecom" in (project / "README.md").read_text()

        def copier_update(project: Path) -> None:
            sh(BIN / "copier", "update", "--defaults", "--quiet", "--data", change, cwd=project, env=env)
            assert "My own findings." in (project / "README.md").read_text()
            assert "telecom" in (project / "README.md").read_text()

        def mlscaffold_check(project: Path) -> None:
            sh(BIN / "mlscaffold", "check", project, env=env)

        ours, our_git = measure(mlscaffold_project, mlscaffold_update, repeat, log)
        theirs, their_git = measure(copier_project, copier_update, repeat, log)
        check, check_git = measure(lambda i: work / f"ml-{i}", mlscaffold_check, repeat, log)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"median of {repeat} runs, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"  mlscaffold update   {ours:6.3f} s  {our_git:3d} git subprocesses   (target <= 1.0 s)")
    print(f"  copier update       {theirs:6.3f} s  {their_git:3d} git subprocesses")
    print(f"  speed-up            {theirs / ours:6.2f}x                      (target >= 3x)")
    print(f"  mlscaffold check    {check:6.3f} s  {check_git:3d} git subprocesses   (target <= 0.3 s)")


if __name__ == "__main__":
    main()
