"""The project's git history: the first commit is the pristine render `mlscaffold update` builds on.

Only this module knows git (through GitPython, imported lazily).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GitError, PushFailed

if TYPE_CHECKING:
    import git

BRANCH = "main"
RENDER_TRAILER = "Mlscaffold-Render"


@dataclass(frozen=True)
class Identity:
    name: str
    email: str


@dataclass(frozen=True)
class Commit:
    sha: str
    identity: Identity
    fallback: bool


def require_git() -> None:
    """Fail early, before anything is written, when git is wanted but not installed."""
    if shutil.which("git") is None:
        raise GitError("git is not installed", "install git, or pass --no-git to skip the repository")


def _repo(path: Path) -> git.Repo:
    import git

    return git.Repo(path)


def configured_identity(repo: git.Repo) -> Identity | None:
    """The user's git identity (global or system config), if one is set."""
    reader = repo.config_reader()
    name = reader.get_value("user", "name", default="")
    email = reader.get_value("user", "email", default="")
    if name and email:
        return Identity(str(name), str(email))
    return None


def render_message(summary: str, template: str, version: str) -> str:
    return f"{summary}\n\n{RENDER_TRAILER}: {template} {version}\n"


def init_and_commit(project: Path, message: str, fallback: Identity) -> Commit:
    """`git init` on branch main and one commit of everything in `project`."""
    import git

    try:
        repo = git.Repo.init(project, initial_branch=BRANCH)
        identity = configured_identity(repo)
        used_fallback = identity is None
        who = identity or fallback
        env = {
            "GIT_AUTHOR_NAME": who.name,
            "GIT_AUTHOR_EMAIL": who.email,
            "GIT_COMMITTER_NAME": who.name,
            "GIT_COMMITTER_EMAIL": who.email,
        }
        repo.git.add("--all")
        with repo.git.custom_environment(**env):
            repo.git.commit("--quiet", "--no-verify", "-m", message)
        return Commit(sha=repo.head.commit.hexsha, identity=who, fallback=used_fallback)
    except git.GitCommandError as error:
        raise GitError(
            f"git failed: {error.stderr.strip() or error}", "check your git installation"
        ) from error


def add_remote(project: Path, url: str) -> None:
    _repo(project).create_remote("origin", url)


def push(project: Path) -> None:
    """Push main to origin and track it; the project stays whatever happens."""
    import git

    repo = _repo(project)
    try:
        repo.git.push("--set-upstream", "origin", BRANCH, env={**os.environ, "GIT_TERMINAL_PROMPT": "0"})
    except git.GitCommandError as error:
        detail = (error.stderr or "").strip().splitlines()
        reason = detail[-1] if detail else str(error)
        raise PushFailed(
            f"the project is ready at {project}, but the push failed ({reason.removeprefix('stderr: ')})",
            f"fix the remote, then run: git -C {project} push -u origin {BRANCH}",
        ) from error
