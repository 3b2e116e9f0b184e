"""Fault injection: `new` and `update` killed (SIGINT, SIGTERM, SIGHUP, SIGKILL) at random points.

Afterwards git fsck is clean, no commit is lost, no uncommitted user content is lost, the
project is either as before or updated (never half of each), and no staging folder remains,
except after a SIGKILL, whose leftovers the next run removes (and whose half-applied update,
if the kill fell between moving the work tree and moving the branch, it undoes).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import git

RUNS = 60  # per command; the signals take turns
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGKILL)
USER_FILES = {"scratch.txt": "untracked notes\n", ".env": "API_KEY=secret\n", "runs/log.txt": "ignored log\n"}


@pytest.fixture
def template(tmp_path: Path) -> Path:
    """A tiny cookiecutter template in a plain folder: the fastest full run there is."""
    root = tmp_path / "template"
    project = root / "{{cookiecutter.slug}}"
    project.mkdir(parents=True)
    (root / "cookiecutter.json").write_text(json.dumps({"project_name": "Demo", "slug": "demo"}))
    (project / "README.md").write_text("# {{ cookiecutter.project_name }}\n")
    (project / "notes.txt").write_text("".join(f"line {i:02d}\n" for i in range(1, 21)))
    (project / ".gitignore").write_text(".env\nruns/\n")
    return root


def start(env: dict[str, str], *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "mlscaffold", *map(str, args)],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def whole_run(env: dict[str, str], *args: str | Path) -> float:
    """Seconds one uninterrupted run takes on this machine now: the kills must land anywhere in
    a run, on a quiet machine and a loaded one alike, so their delays are drawn up to this."""
    began = time.monotonic()
    assert start(env, *args).wait(timeout=60) == 0
    return 1.2 * (time.monotonic() - began)


def kill_later(run: subprocess.Popen[str], delay: float, signum: int) -> tuple[int, str, str]:
    time.sleep(delay)
    if run.poll() is None:
        run.send_signal(signum)
    out, err = run.communicate(timeout=60)
    return run.returncode, out, err


def assert_no_crash(code: int, err: str, signum: int) -> None:
    if err.rstrip().endswith("KeyboardInterrupt"):  # Python was still starting: no handler yet
        assert code in (1, -signum), (code, err)
        return
    assert code in (0, 130, -signum), (code, err)
    assert "Traceback" not in err, err


def cli_window(err: str) -> bool:
    """A SIGINT after the library call returned, while the CLI prints: cli.py's own handler
    answers it, and does not know what was done (its message is generic). Tolerated here, and
    reported: cli.py should say what was done, see the report of issue 16."""
    return err.strip() == "interrupted: nothing was written"


def fsck_clean(project: Path) -> None:
    done = subprocess.run(
        ["git", "-C", str(project), "fsck", "--no-dangling", "--no-progress"], capture_output=True
    )
    assert done.returncode == 0, done.stderr


def stagings(folder: Path, prefix: str) -> set[Path]:
    return set(folder.glob(f"{prefix}*"))


def test_new_killed_at_random_points_leaves_nothing_or_a_whole_project(tmp_path, template, git_env) -> None:
    rng = random.Random(1616)
    parent = tmp_path / "projects"
    (parent / "mine").mkdir(parents=True)
    (parent / "mine" / "notes.txt").write_text("my own folder\n")
    (parent / ".mlscaffold-not-ours").mkdir()  # looks like staging, but carries no marker
    left_by_a_kill: set[Path] = set()
    outcomes = {"created": 0, "nothing": 0}
    longest = whole_run(git_env, "new", template, parent / "first", "--defaults")
    for run in range(RUNS):
        signum = SIGNALS[run % len(SIGNALS)]
        dest = parent / f"p{run}"
        code, _, err = kill_later(
            start(git_env, "new", template, dest, "--defaults"), rng.uniform(0, longest), signum
        )
        assert_no_crash(code, err, signum)
        if code == 0:  # a run that finished removed what killed runs left before it
            assert not (left_by_a_kill & stagings(parent, ".mlscaffold-")), left_by_a_kill
        left_by_a_kill &= stagings(parent, ".mlscaffold-")
        if dest.exists():  # all or nothing: a whole, committed project
            outcomes["created"] += 1
            fsck_clean(dest)
            assert git(dest, "rev-list", "--count", "HEAD") == "1"
            assert git(dest, "status", "--porcelain") == ""
            assert (dest / "README.md").read_text() == "# Demo\n"
            if code == 130:
                assert ("interrupted after" in err and "was created" in err) or cli_window(err), err
        else:
            outcomes["nothing"] += 1
            if code == 130:
                assert "nothing was written" in err, err
        leftovers = stagings(parent, ".mlscaffold-") - {parent / ".mlscaffold-not-ours"} - left_by_a_kill
        if signum == signal.SIGKILL:
            left_by_a_kill |= leftovers
        else:
            assert not leftovers, (signum, leftovers)
    assert outcomes["created"] and outcomes["nothing"], outcomes  # the kills fell on both sides
    assert start(git_env, "new", template, parent / "last", "--defaults").wait(timeout=60) == 0
    assert stagings(parent, ".mlscaffold-") == {parent / ".mlscaffold-not-ours"}
    assert (parent / "mine" / "notes.txt").read_text() == "my own folder\n"


def user_state(project: Path) -> dict[str, str]:
    """Everything of the user's that is not committed: files, the staged change, the dirty file."""
    files = {name: (project / name).read_text() for name in USER_FILES}
    files["notes.txt"] = (project / "notes.txt").read_text()
    files["staged.txt staged"] = str("staged.txt" in git(project, "diff", "--cached", "--name-only").split())
    return files


def test_update_killed_at_random_points_is_all_or_nothing(tmp_path, template, git_env) -> None:
    rng = random.Random(1617)
    project = tmp_path / "p"
    assert start(git_env, "new", template, project, "--defaults").wait(timeout=60) == 0
    for name, text in USER_FILES.items():
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_text(text)
    longest = whole_run(git_env, "update", project, "--defaults", "-d", "project_name=First")
    (project / "staged.txt").write_text("staged, not committed\n")
    git(project, "add", "staged.txt")
    (project / "notes.txt").write_text((project / "notes.txt").read_text() + "uncommitted line\n")
    mine = user_state(project)
    status = git(project, "status", "--porcelain")
    outcomes = {"updated": 0, "unchanged": 0, "recovered": 0}
    left_by_a_kill: set[Path] = set()
    half_applied = None  # the state a SIGKILL left between work tree and branch, until a run undoes it
    for run in range(RUNS):
        signum = SIGNALS[run % len(SIGNALS)]
        before = git(project, "rev-parse", "HEAD")
        update = start(git_env, "update", project, "--defaults", "-d", f"project_name=Name{run}")
        code, _, err = kill_later(update, rng.uniform(0, longest), signum)
        assert_no_crash(code, err, signum)
        if code == 0:  # a run that finished removed what killed runs left before it
            assert not (left_by_a_kill & stagings(project / ".git", "mlscaffold-")), left_by_a_kill
        left_by_a_kill &= stagings(project / ".git", "mlscaffold-")
        fsck_clean(project)
        after = git(project, "rev-parse", "HEAD")
        assert (
            subprocess.run(
                ["git", "-C", str(project), "merge-base", "--is-ancestor", before, after]
            ).returncode
            == 0
        )
        assert user_state(project) == mine, ("uncommitted user content survives", signum)
        now = git(project, "status", "--porcelain")
        if after != before:
            outcomes["updated"] += 1
            half_applied = None
            assert git(project, "rev-parse", "HEAD^1") == before
            assert (project / "README.md").read_text() == f"# Name{run}\n"
            if code == 130:
                assert "committed as" in err or cli_window(err), err
        elif now == status:
            outcomes["unchanged"] += 1
            half_applied = None
            if code == 130:
                assert "nothing was changed" in err or "nothing was written" in err, err
        else:  # a SIGKILL between moving the work tree and the branch: the next whole run undoes it
            assert signum == signal.SIGKILL or now == half_applied, (run, signum, code, err, now)
            outcomes["recovered"] += signum == signal.SIGKILL
            half_applied = now
        leftovers = stagings(project / ".git", "mlscaffold-") - left_by_a_kill
        if signum == signal.SIGKILL:
            left_by_a_kill |= leftovers
        else:
            assert not leftovers, (signum, leftovers)
    assert outcomes["updated"] and outcomes["unchanged"], outcomes
    final = start(git_env, "update", project, "--defaults", "-d", "project_name=Final")
    assert final.wait(timeout=60) == 0, final.stderr.read() if final.stderr else ""
    assert (project / "README.md").read_text() == "# Final\n"
    assert not stagings(project / ".git", "mlscaffold-")
    assert git(project, "status", "--porcelain") == status
    assert user_state(project) == mine


def test_an_update_killed_between_work_tree_and_branch_is_undone_by_the_next_run(
    tmp_path, template, git_env
) -> None:
    project = tmp_path / "p"
    assert start(git_env, "new", template, project, "--defaults").wait(timeout=60) == 0
    (project / "scratch.txt").write_text("untracked\n")
    status = git(project, "status", "--porcelain")
    killer = (
        "import os, signal, sys\n"
        "from mlscaffold import lineage\n"
        "real = lineage.Repo.run\n"
        "def run(self, *args, **kwargs):\n"
        "    if args[:1] == ('update-ref',) and 'HEAD' in args:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(self, *args, **kwargs)\n"
        "lineage.Repo.run = run\n"
        "from mlscaffold.cli import main\n"
        "sys.argv = ['mlscaffold', 'update', sys.argv[1], '--defaults', '-d', 'project_name=Killed']\n"
        "main()\n"
    )
    killed = subprocess.run([sys.executable, "-c", killer, str(project)], env=git_env, capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    assert (project / "README.md").read_text() == "# Killed\n"  # the work tree moved, the branch did not
    assert git(project, "status", "--porcelain") != status

    dry = start(git_env, "update", project, "--defaults", "--dry-run")
    assert dry.wait(timeout=60) == 0
    assert git(project, "status", "--porcelain") == status  # undone first, then planned
    assert (project / "README.md").read_text() == "# Demo\n"
    assert not stagings(project / ".git", "mlscaffold-")


def test_sigterm_during_new_says_so_and_leaves_nothing(tmp_path, git_env, monkeypatch) -> None:
    from mlscaffold import render
    from mlscaffold.errors import Interrupted
    from mlscaffold.scaffold import new_project

    monkeypatch.setenv("HOME", git_env["HOME"])
    real = render.verify

    def terminated(project: Path) -> None:
        real(project)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(render, "verify", terminated)
    with pytest.raises(Interrupted, match="nothing was written") as interrupted:
        new_project("tabular", tmp_path / "p", use_defaults=True)
    assert interrupted.value.exit_code == 130
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # the handler is put back
