"""Shared fixtures: run the real CLI in a subprocess, with an isolated git configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def git_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A HOME with a known git identity, so tests never read the developer's own config."""
    home = tmp_path_factory.mktemp("home")
    (home / ".gitconfig").write_text("[user]\n\tname = Test User\n\temail = test@example.com\n")
    return {**os.environ, "HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "COLUMNS": "200"}


@pytest.fixture
def env(git_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """This process's git commands (the tests' own: template repositories) use the test identity."""
    monkeypatch.setenv("HOME", git_env["HOME"])
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return git_env


@pytest.fixture
def cli(git_env: dict[str, str]):
    """Run `mlscaffold ARGS...` as a user would, returning exit code and output."""

    def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
        completed = subprocess.run(
            [sys.executable, "-m", "mlscaffold", *map(str, args)],
            cwd=cwd,
            env=env or git_env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=300,
        )
        return Result(completed.returncode, completed.stdout, completed.stderr)

    return run


def git(project: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(project), *args], capture_output=True, text=True, check=True
    ).stdout.strip()
