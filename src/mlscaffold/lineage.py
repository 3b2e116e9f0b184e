"""The project's git history as the home of its pristine renders.

Every render of the template is a commit whose tree is exactly what the template
produced, marked with a `Mlscaffold-Render:` trailer. The first commit of `new` is
the first render; each update commits the next render on top of the previous one
and merges it into the user's branch, so a plain `git clone` carries everything an
update needs. Only this module knows git (through GitPython, imported lazily).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import GitError, PushFailed, TemplateError, UsageError

if TYPE_CHECKING:
    import git

BRANCH = "main"
RENDER_TRAILER = "Mlscaffold-Render"
# Carry a user's files into a renamed folder (a new package name) instead of stopping.
MERGE_CONFIG = ("-c", "merge.directoryRenames=true", "-c", "merge.renames=true")


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    def env(self) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


@dataclass(frozen=True)
class Commit:
    sha: str
    identity: Identity
    fallback: bool


@dataclass(frozen=True)
class MergePreview:
    """What merging a render into HEAD would give, computed without touching anything.

    `conflicts` maps each unmerged path to the sides that hold it: 1 the last render,
    2 the user's branch, 3 the new render.
    """

    tree: str
    conflicts: dict[str, set[int]] = field(default_factory=dict)


def require_git() -> None:
    """Fail early, before anything is written, when git is wanted but not installed."""
    if shutil.which("git") is None:
        raise GitError("git is not installed", "install git, or pass --no-git to skip the repository")


def open_repo(path: Path) -> git.Repo:
    """The git repository whose top folder is `path`."""
    require_git()
    import git

    try:
        repo = git.Repo(path)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError) as error:
        raise UsageError(
            f"{path} is not a git repository", "run this at the top of a project made by mlscaffold"
        ) from error
    if Path(repo.working_tree_dir or "").resolve() != path.resolve():
        raise UsageError(f"{path} is not the top of its git repository", f"run it in {repo.working_tree_dir}")
    return repo


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
        who = identity or fallback
        repo.git.add("--all")
        repo.git.commit("--quiet", "--no-verify", "-m", message, env=who.env())
        return Commit(sha=repo.head.commit.hexsha, identity=who, fallback=identity is None)
    except git.GitCommandError as error:
        raise GitError(f"git failed: {_reason(error)}", "check your git installation") from error


def add_remote(project: Path, url: str) -> None:
    open_repo(project).create_remote("origin", url)


def push(project: Path) -> None:
    """Push main to origin and track it; the project stays whatever happens."""
    import git

    repo = open_repo(project)
    try:
        repo.git.push("--set-upstream", "origin", BRANCH, env={"GIT_TERMINAL_PROMPT": "0"})
    except git.GitCommandError as error:
        raise PushFailed(
            f"the project is ready at {project}, but the push failed ({_reason(error)})",
            f"fix the remote, then run: git -C {project} push -u origin {BRANCH}",
        ) from error


def _reason(error: Exception) -> str:
    lines = (getattr(error, "stderr", "") or str(error)).strip().splitlines()
    return lines[-1].removeprefix("stderr: ").strip(" '") if lines else str(error)


def last_render(repo: git.Repo) -> str:
    """The newest pristine render reachable from HEAD."""
    # Renders form a chain (each the parent of the next): in topological order the newest comes
    # first, whatever the commit dates say (several commits often share one second).
    sha = repo.git.log("-1", "--topo-order", "--format=%H", f"--grep=^{RENDER_TRAILER}: ", "HEAD")
    if not sha:
        raise UsageError(
            "no pristine render found in this project's history",
            f"mlscaffold marks it with a '{RENDER_TRAILER}:' trailer; was the history rewritten?",
        )
    return sha


def tree_of(repo: git.Repo, rev: str) -> str:
    return repo.git.rev_parse(f"{rev}^{{tree}}")


def snapshot(repo: git.Repo, folder: Path) -> str:
    """Write every file of `folder` into the repository's object store; return the tree id."""
    with tempfile.TemporaryDirectory(prefix="mlscaffold-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        repo.git.execute(["git", f"--work-tree={folder}", "add", "--all", "--force", "."], env=env)
        return repo.git.write_tree(env=env)


def commit_tree(repo: git.Repo, tree: str, parent: str, message: str, who: Identity) -> str:
    return repo.git.commit_tree(tree, "-p", parent, "-m", message, env=who.env())


def preview_merge(repo: git.Repo, commit: str) -> MergePreview:
    """Three-way merge of `commit` into HEAD, in the object store only (git merge-tree)."""
    status, out, err = repo.git.execute(
        ["git", *MERGE_CONFIG, "merge-tree", "--write-tree", "--no-messages", "HEAD", commit],
        with_extended_output=True,
        with_exceptions=False,
    )
    if status not in (0, 1):
        raise GitError(f"git merge-tree failed: {err.strip()}", "mlscaffold update needs git 2.38 or newer")
    tree, *entries = out.splitlines()
    conflicts: dict[str, set[int]] = {}
    for entry in entries:
        if not entry:
            break
        info, path = entry.split("\t", 1)
        conflicts.setdefault(path, set()).add(int(info.split()[2]))
    return MergePreview(tree=tree, conflicts=conflicts)


def changes(repo: git.Repo, old: str, new: str) -> list[tuple[str, str]]:
    """(status letter, path) for each path that differs between two trees, renames as `old -> new`."""
    out = repo.git.diff("--name-status", "-M", "--no-color", old, new)
    rows = []
    for line in out.splitlines():
        status, *paths = line.split("\t")
        rows.append((status[0], " -> ".join(paths)))
    return rows


def patch(repo: git.Repo, old: str, new: str | None = None, stat: bool = False) -> str:
    """The diff from `old` to `new` (a tree or commit), or to the working tree when `new` is None."""
    args = ["--stat" if stat else "--patch", "-M", "--no-color", old]
    return repo.git.diff(*args, *([new] if new else []))


def dirty_paths(repo: git.Repo) -> set[str]:
    """Tracked files with uncommitted changes (staged or not), and untracked files."""
    out = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all")
    paths: set[str] = set()
    entries = iter(out.split("\0"))
    for entry in entries:
        if not entry:
            continue
        status, path = entry[:2], entry[3:]
        paths.add(path)
        if "R" in status or "C" in status:
            paths.add(next(entries, ""))
    return paths


def merge_in_progress(repo: git.Repo) -> bool:
    return Path(repo.git_dir, "MERGE_HEAD").exists()


def merge(repo: git.Repo, commit: str, message: str, who: Identity) -> list[str]:
    """Merge `commit` into the working tree and index (no commit yet); return unmerged paths."""
    repo.git.execute(
        ["git", *MERGE_CONFIG, "merge", "--no-ff", "--no-commit", "--quiet", "-m", message, commit],
        with_exceptions=False,
        env=who.env(),
    )
    return unmerged(repo)


def unmerged(repo: git.Repo) -> list[str]:
    return sorted({line.split("\t", 1)[1] for line in repo.git.ls_files("--unmerged").splitlines()})


def stages(repo: git.Repo, path: str) -> set[int]:
    """Which sides hold an unmerged path: 1 the last render, 2 the user, 3 the new render."""
    out = repo.git.ls_files("--unmerged", "--", path)
    return {int(line.split()[2]) for line in out.splitlines()}


def keep_user_side(repo: git.Repo, path: str) -> None:
    """Resolve a path to what the user has: their edited file, or its absence."""
    if 2 in stages(repo, path):
        repo.git.checkout("--ours", "--", path)
        repo.git.add("--", path)
    else:
        repo.git.rm("--quiet", "--force", "--", path)


def commit_merge(repo: git.Repo, message: str, who: Identity) -> str:
    repo.git.commit("--quiet", "--no-verify", "-m", message, env=who.env())
    return repo.head.commit.hexsha


def abort_merge(repo: git.Repo) -> None:
    if merge_in_progress(repo):
        repo.git.merge("--abort")


@contextlib.contextmanager
def scratch_objects(repo: git.Repo) -> Iterator[None]:
    """Write new git objects to a throw-away store, still reading the repository's own.

    A dry run or a failed update must leave the repository exactly as it was.
    """
    with tempfile.TemporaryDirectory(prefix="mlscaffold-objects-") as scratch:
        saved = {
            key: os.environ.get(key) for key in ("GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES")
        }
        os.environ["GIT_OBJECT_DIRECTORY"] = scratch
        os.environ["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = str(Path(repo.git_dir, "objects").resolve())
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def fetch_template(url: str, ref: str | None, into: Path) -> str:
    """Clone a template repository at `ref`, else its newest tag, else its default branch.

    Returns the version rendered: the tag or ref, or the commit's short id.
    """
    import git

    try:
        repo = git.Repo.clone_from(url, into, env={"GIT_TERMINAL_PROMPT": "0"})
    except git.GitCommandError as error:
        raise TemplateError(
            f"cannot clone {url} ({_reason(error)})", "check the URL, your network and access"
        ) from error
    tags = repo.git.tag("--list", "--sort=-v:refname").split()
    target = ref or (tags[0] if tags else None)
    if target is None:
        return repo.head.commit.hexsha[:12]
    try:
        repo.git.checkout("--quiet", "--detach", target)
    except git.GitCommandError as error:
        raise TemplateError(
            f"{url} has no ref {target!r}", "pass an existing tag, branch or commit to --vcs-ref"
        ) from error
    return target


def _ls_remote(url: str, *args: str) -> list[str]:
    import git

    try:
        out = git.Git().ls_remote(*args, url, env={"GIT_TERMINAL_PROMPT": "0"})
    except git.GitCommandError as error:
        raise TemplateError(
            f"cannot reach {url} ({_reason(error)})", "check the URL, your network and access"
        ) from error
    return out.splitlines()


def newest_tag(url: str) -> str | None:
    """The highest version tag of a remote repository, or None when it has no tags."""
    for line in _ls_remote(url, "--tags", "--refs", "--sort=-v:refname"):
        return line.split("\trefs/tags/", 1)[1]
    return None


def remote_head(url: str) -> str:
    lines = _ls_remote(url, "HEAD")
    return lines[0].split()[0][:12] if lines else "HEAD"
