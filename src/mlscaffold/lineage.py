"""The project's git history as the home of its pristine renders.

Every render of the template is a commit whose tree is exactly what the template produced,
marked with a `Mlscaffold-Render:` trailer and the id of that tree (`Mlscaffold-Tree:`), so
that a render rewritten later (an amended or squashed first commit) is recognised instead of
being trusted as a merge base. The first commit of `new` is the first render; each update
commits the next render on top of the previous one and merges it into the user's branch, so a
plain `git clone` carries everything an update needs.

Only this module runs git, and always through `_run`: on a repository named explicitly (never
one found by walking up, never through a `.git` file), without hooks, fsmonitor, or the
repository-location and configuration variables of the caller's environment, with every exit
status checked and git's own reason in the error.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import guard
from .errors import GitError, PushFailed, TemplateError, UsageError

BRANCH = "main"
RENDER_TRAILER = "Mlscaffold-Render"
TREE_TRAILER = "Mlscaffold-Tree"
ZERO = "0" * 40
# Nothing a repository or the environment configures may run code or move the work tree for
# mlscaffold's commands; `gc --auto` would make a quick step slow and is the user's to run.
SAFE_CONFIG = (
    "-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false",
    "-c", "gc.auto=0", "-c", "maintenance.auto=false",
)  # fmt: skip
# Carry a user's files into a renamed folder (a new package name) instead of stopping.
MERGE_CONFIG = ("-c", "merge.directoryRenames=true", "-c", "merge.renames=true")
# The caller's git variables that are the user's own settings (identity, transport, trace);
# every other GIT_* variable (GIT_DIR, GIT_INDEX_FILE, GIT_OBJECT_DIRECTORY, GIT_CONFIG_* ...)
# would point mlscaffold's commands at another repository or inject configuration.
KEPT_VARIABLES = frozenset(
    {"GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_NOSYSTEM", "GIT_ASKPASS", "GIT_EXEC_PATH",
     "GIT_TERMINAL_PROMPT", "GIT_TEMPLATE_DIR", "GIT_ALLOW_PROTOCOL"}
)  # fmt: skip
KEPT_PREFIXES = (
    "GIT_AUTHOR_",
    "GIT_COMMITTER_",
    "GIT_SSH",
    "GIT_SSL_",
    "GIT_HTTP_",
    "GIT_PROXY_",
    "GIT_TRACE",
)
NETWORK = {"GIT_TERMINAL_PROMPT": "0"}
IN_PROGRESS = {
    "MERGE_HEAD": "a merge",
    "CHERRY_PICK_HEAD": "a cherry-pick",
    "REVERT_HEAD": "a revert",
    "rebase-merge": "a rebase",
    "rebase-apply": "a rebase or `git am`",
}
MERGE_FILES = ("MERGE_HEAD", "MERGE_MSG", "MERGE_MODE")
JOURNAL = "journal.json"


def clean_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without the git variables that are not the user's own settings (see KEPT_*)."""
    return {
        key: value
        for key, value in environ.items()
        if not key.startswith("GIT_") or key in KEPT_VARIABLES or key.startswith(KEPT_PREFIXES)
    }


def _reason(stderr: bytes, code: int) -> str:
    """git's own explanation: its first `fatal:` or `error:` line, else its last line."""
    lines = [line.strip() for line in os.fsdecode(stderr).splitlines() if line.strip()]
    for prefix in ("fatal: ", "error: "):
        for line in lines:
            if line.startswith(prefix):
                return line.removeprefix(prefix)
    return lines[-1] if lines else f"exit status {code}"


def _run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    ok: tuple[int, ...] = (0,),
    interruptible: bool = False,
    remedy: str = "check the message above; nothing was changed",
) -> subprocess.CompletedProcess[bytes]:
    """Run one git command; a status outside `ok` is a GitError with git's reason.

    Interrupts wait for the command to finish (a git killed halfway may leave `index.lock`
    behind), except for `interruptible` ones, which only touch throw-away folders.
    """
    guard.checkpoint()
    command = ["git", *SAFE_CONFIG, *args]
    scope = contextlib.nullcontext() if interruptible else guard.deferred_signals()
    with scope:
        try:
            done = subprocess.run(
                command,
                cwd=cwd,
                env={**clean_environment(os.environ), **(env or {})},
                input=input,
                stdin=None if input is not None else subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        except OSError as error:
            raise GitError(f"cannot run git: {error.strerror}", "install git") from error
    if done.returncode not in ok:
        verb = next(arg for arg in args if not arg.startswith("-") and "=" not in arg)
        raise GitError(f"git {verb} failed: {_reason(done.stderr, done.returncode)}", remedy)
    return done


def _paths(output: bytes) -> list[str]:
    return [os.fsdecode(part) for part in output.split(b"\0") if part]


def _nul(paths: Iterable[str]) -> bytes:
    return b"".join(os.fsencode(path) + b"\0" for path in paths)


def _literal(paths: Iterable[str]) -> list[str]:
    return [f":(literal){path}" for path in paths]


@dataclass(frozen=True)
class Repo:
    """A repository mlscaffold created or opened: its work tree and git folder, named explicitly.

    `env` holds variables for every command on it: a throw-away object store for a dry run.
    """

    work_tree: Path
    git_dir: Path
    env: Mapping[str, str] = field(default_factory=dict)

    def run(
        self,
        *args: str,
        input: bytes | None = None,
        ok: tuple[int, ...] = (0,),
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[bytes]:
        location = (f"--git-dir={self.git_dir}", f"--work-tree={self.work_tree}")
        env = {**self.env, **(env or {})}
        return _run([*location, *args], cwd=self.work_tree, env=env, input=input, ok=ok)

    def text(self, *args: str, input: bytes | None = None, env: Mapping[str, str] | None = None) -> str:
        return os.fsdecode(self.run(*args, input=input, env=env).stdout).strip()


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
class Render:
    """A pristine render in the history: its commit, and what its trailers say it holds.

    `recorded_tree` is None for renders made before mlscaffold recorded it.
    """

    sha: str
    tree: str
    template: str
    version: str
    recorded_tree: str | None

    @property
    def rewritten(self) -> bool:
        """The commit no longer holds the render (an amend or a squash added the user's edits)."""
        return self.recorded_tree is not None and self.recorded_tree != self.tree

    @property
    def pristine_tree(self) -> str:
        return self.recorded_tree or self.tree


@dataclass(frozen=True)
class MergePreview:
    """What merging two commits gives, computed in the object store only (git merge-tree).

    `stages` maps each unmerged path to its index entries (mode, object, stage): stage 1 the
    last render, 2 the user's branch, 3 the new render.
    """

    tree: str
    stages: dict[str, list[tuple[str, str, int]]] = field(default_factory=dict)

    @property
    def conflicts(self) -> dict[str, set[int]]:
        return {path: {stage for _, _, stage in entries} for path, entries in self.stages.items()}


def require_git() -> None:
    """Fail early, before anything is written, when git is wanted but not installed."""
    if shutil.which("git") is None:
        raise GitError("git is not installed", "install git, or pass --no-git to skip the repository")


def _enclosing_repository(path: Path) -> Path | None:
    for parent in path.parents:
        if (parent / ".git").exists():
            return parent
    return None


def open_repo(path: Path) -> Repo:
    """The repository whose top folder is `path`: its own `.git` folder, nothing above it."""
    require_git()
    path = path.absolute()
    dot_git = path / ".git"
    if dot_git.is_symlink() or dot_git.is_file():
        raise UsageError(
            f"{dot_git} is a link or a file pointing at another repository (a worktree or a submodule)",
            "run this in the project's main checkout, where .git is a folder",
        )
    if not (dot_git / "HEAD").is_file():
        above = _enclosing_repository(path)
        if above:
            raise UsageError(f"{path} is not the top of its git repository", f"run it in {above}")
        raise UsageError(
            f"{path} is not a git repository", "run this at the top of a project made by mlscaffold"
        )
    return Repo(path, dot_git)


def configured_identity(repo: Repo) -> Identity | None:
    """The user's git identity (global, system or repository config), if one is set."""
    out = repo.run("config", "--get-regexp", r"^user\.(name|email)$", ok=(0, 1)).stdout
    values = dict(line.split(" ", 1) for line in os.fsdecode(out).splitlines() if " " in line)
    name, email = values.get("user.name", ""), values.get("user.email", "")
    return Identity(name, email) if name and email else None


def render_message(summary: str, template: str, version: str, tree: str) -> str:
    return f"{summary}\n\n{RENDER_TRAILER}: {template} {version}\n{TREE_TRAILER}: {tree}\n"


def snapshot(repo: Repo, folder: Path, index: Path | None = None) -> str:
    """Write the render in `folder` into the object store and return its tree id.

    The one rule of what belongs to a render, for `new` and `update` alike: every file except
    those the render's own `.gitignore` files exclude (not the user's: the render is the
    template's). `index` is a throw-away index file; None writes the repository's own (`new`).
    """
    at = replace(repo, work_tree=folder)
    env = {"GIT_INDEX_FILE": str(index)} if index else {}
    files = at.run("ls-files", "-z", "--others", "--exclude-per-directory=.gitignore", env=env).stdout
    at.run("update-index", "--add", "-z", "--stdin", input=files, env=env)
    return at.text("write-tree", env=env)


def rewrite_tree(repo: Repo, tree: str, folder: Path, change: Callable[[Path, dict[str, str]], None]) -> str:
    """`tree` after `change(folder, env)` ran on a copy of it in `folder` (a template's migration),
    written to the object store: what was tracked stays tracked unless deleted, new files join
    by the rule of `snapshot`.

    The copy has a git repository of its own, whose index holds the tree's files, so that a
    command's `git mv` or `git rm` works there; `env` (the caller's environment without its git
    variables, and no repository to find above the copy) keeps git away from any other.
    """
    folder.mkdir(parents=True)
    at = replace(repo, work_tree=folder)
    env = {"GIT_INDEX_FILE": str(folder.parent / "index")}
    at.run("read-tree", tree, env=env)
    at.run("checkout-index", "--all", env=env)
    files = at.run("ls-files", "-z", env=env).stdout
    _run(["init", "--quiet", "--", str(folder)], cwd=folder)
    _run([f"--git-dir={folder / '.git'}", "update-index", "--add", "-z", "--stdin"], cwd=folder, input=files)
    change(folder, {**clean_environment(os.environ), "GIT_CEILING_DIRECTORIES": str(folder.parent)})
    shutil.rmtree(folder / ".git", ignore_errors=True)
    files += at.run("ls-files", "-z", "--others", "--exclude-per-directory=.gitignore", env=env).stdout
    at.run("update-index", "--add", "--remove", "-z", "--stdin", input=files, env=env)
    return at.text("write-tree", env=env)


def commit_tree(repo: Repo, tree: str, parents: Sequence[str], message: str, who: Identity) -> str:
    args = [arg for parent in parents for arg in ("-p", parent)]
    return repo.text("commit-tree", tree, *args, "-F", "-", input=message.encode(), env=who.env())


def init_and_commit(project: Path, summary: str, template: str, version: str, fallback: Identity) -> Commit:
    """`git init` on branch main in `project`, and its first commit: the render, by the rule of `snapshot`."""
    if os.path.lexists(project / ".git"):
        raise TemplateError("the render holds a .git", "nothing was written; this template is unsafe")
    _run(["init", "--quiet", f"--initial-branch={BRANCH}", "--", str(project)], cwd=project)
    repo = Repo(project, project / ".git")
    identity = configured_identity(repo)
    who = identity or fallback
    tree = snapshot(repo, project)
    sha = commit_tree(repo, tree, [], render_message(summary, template, version, tree), who)
    repo.run("update-ref", "-m", f"mlscaffold: {summary}", f"refs/heads/{BRANCH}", sha, ZERO)
    return Commit(sha=sha, identity=who, fallback=identity is None)


def user_settings(*keys: str) -> dict[str, str]:
    """The values of `keys` in git's system and global configuration (later files win); none without git.

    Run from the temporary folder, so that the configuration of a repository the user happens
    to be in (someone else's clone) is not read.
    """
    pattern = "^(" + "|".join(re.escape(key) for key in keys) + ")$"
    args = ["config", "--includes", "--null", "--get-regexp", pattern]
    try:
        found = _run(args, cwd=Path(tempfile.gettempdir()), ok=(0, 1))
    except GitError:
        return {}
    values: dict[str, str] = {}
    for entry in _paths(found.stdout):  # "key\nvalue"
        key, _, value = entry.partition("\n")
        if value.strip():
            values[key.lower()] = value.strip()
    return values


def add_remote(project: Path, url: str) -> None:
    open_repo(project).run("remote", "add", "--", "origin", url)


def remove_remote(project: Path) -> None:
    open_repo(project).run("remote", "remove", "origin")


def remote_url(project: Path) -> str | None:
    """The URL of the project's `origin`, or None when it has none."""
    out = open_repo(project).run("config", "--get", "remote.origin.url", ok=(0, 1)).stdout
    return os.fsdecode(out).strip() or None


def has_branch(project: Path, branch: str = BRANCH) -> bool:
    found = open_repo(project).run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", ok=(0, 1))
    return bool(found.stdout.strip())


def push(project: Path, env: Mapping[str, str] | None = None) -> None:
    """Push main to origin and track it; the project stays whatever happens.

    `env` adds to git's environment (`publish` passes its credentials there, never as arguments).
    """
    repo = open_repo(project)
    try:
        repo.run("push", "--set-upstream", "origin", BRANCH, env={**NETWORK, **(env or {})})
    except GitError as error:
        raise PushFailed(
            f"the project is ready at {project}, but the push failed ({error.message})",
            f"fix the remote, then run: git -C {project} push -u origin {BRANCH}",
        ) from error


def operation_in_progress(repo: Repo) -> str | None:
    """The unfinished git operation (merge, rebase...) the user is in the middle of, if any."""
    for name, what in IN_PROGRESS.items():
        if (repo.git_dir / name).exists():
            return what
    if repo.run("ls-files", "--unmerged").stdout:
        return "conflict resolution (the index has unmerged paths)"
    return None


def merge_in_progress(repo: Repo) -> bool:
    return (repo.git_dir / "MERGE_HEAD").exists()


def head(repo: Repo) -> str:
    out = repo.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok=(0, 1)).stdout
    if not out.strip():
        raise UsageError(f"{repo.work_tree} has no commits", "run this in a project made by `mlscaffold new`")
    return os.fsdecode(out).strip()


def _trailers(message: str, key: str) -> list[str]:
    return re.findall(rf"^{key}: (.+?)\s*$", message, re.MULTILINE)


def last_render(repo: Repo) -> Render:
    """The newest pristine render reachable from HEAD, with what its trailers record."""
    # Renders form a chain (each the parent of the next): in topological order the newest comes
    # first, whatever the commit dates say (several commits often share one second).
    out = repo.run(
        "log", "-1", "--topo-order", "--format=%H%x00%T%x00%B", f"--grep=^{RENDER_TRAILER}: ", head(repo)
    ).stdout
    if not out.strip():
        raise UsageError(
            "no pristine render found in this project's history",
            f"mlscaffold marks it with a '{RENDER_TRAILER}:' trailer; was the history rewritten?",
        )
    sha, tree, message = os.fsdecode(out).split("\0", 2)
    template, _, version = _trailers(message, RENDER_TRAILER)[-1].rpartition(" ")
    trees = [value for value in _trailers(message, TREE_TRAILER) if re.fullmatch(r"[0-9a-f]{40,64}", value)]
    return Render(sha, tree, template, version, trees[-1] if trees else None)


def has_object(repo: Repo, rev: str) -> bool:
    return repo.run("cat-file", "-e", rev, ok=(0, 1, 128)).returncode == 0


def read_blob(repo: Repo, rev: str, path: str) -> bytes | None:
    """A file's content in a commit or tree, or None when it holds no such file."""
    done = repo.run("cat-file", "blob", f"{rev}:{path}", ok=(0, 128))
    return done.stdout if done.returncode == 0 else None


def tree_of(repo: Repo, rev: str) -> str:
    return repo.text("rev-parse", "--verify", f"{rev}^{{tree}}")


def preview_merge(repo: Repo, ours: str, theirs: str) -> MergePreview:
    """Three-way merge of two commits in the object store only (git merge-tree)."""
    done = _run(
        [*MERGE_CONFIG, f"--git-dir={repo.git_dir}", "merge-tree", "--write-tree", "-z", "--no-messages",
         ours, theirs],
        cwd=repo.work_tree, env=repo.env, ok=(0, 1), remedy="mlscaffold update needs git 2.38 or newer",
    ).stdout  # fmt: skip
    tree, _, rest = os.fsdecode(done).partition("\0")
    stages: dict[str, list[tuple[str, str, int]]] = {}
    for entry in rest.split("\0"):
        if not entry:
            break
        info, path = entry.split("\t", 1)
        mode, oid, stage = info.split()
        stages.setdefault(path, []).append((mode, oid, int(stage)))
    return MergePreview(tree=tree, stages=stages)


def edit_tree(
    repo: Repo,
    tree: str,
    index: Path,
    *,
    remove: Sequence[str] = (),
    put: Mapping[str, tuple[str, str]] | None = None,
) -> str:
    """`tree` with `remove` taken out and `put` (path -> mode, object) set, built in a throw-away index."""
    if not remove and not put:
        return tree
    env = {"GIT_INDEX_FILE": str(index)}
    repo.run("read-tree", tree, env=env)
    if remove:
        repo.run("update-index", "--force-remove", "-z", "--stdin", input=_nul(remove), env=env)
    if put:
        lines = [f"{mode} {oid}\t{path}" for path, (mode, oid) in put.items()]
        repo.run("update-index", "--add", "-z", "--index-info", input=_nul(lines), env=env)
    return repo.text("write-tree", env=env)


def read_object(repo: Repo, oid: str) -> bytes:
    return repo.run("cat-file", "blob", oid).stdout


def changes(repo: Repo, old: str, new: str) -> list[tuple[str, str]]:
    """(status letter, path) for each path that differs between two trees, renames as `old -> new`."""
    out = repo.run("diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", old, new).stdout
    parts = iter(_paths(out))
    rows = []
    for status in parts:
        paths = [next(parts), next(parts)] if status[0] in "RC" else [next(parts)]
        rows.append((status[0], " -> ".join(paths)))
    return rows


def touched(repo: Repo, old: str, new: str) -> list[str]:
    """Every path a switch from tree `old` to tree `new` writes or deletes (renames as both ends)."""
    return _paths(repo.run("diff-tree", "-r", "-z", "--no-renames", "--name-only", old, new).stdout)


def patch(repo: Repo, old: str, new: str | None = None, stat: bool = False) -> str:
    """The diff from `old` to `new` (a tree or commit), or to the working tree when `new` is None."""
    args = ["--stat" if stat else "--patch", "-M", "--no-color", "--no-ext-diff", "--no-textconv", old]
    return os.fsdecode(repo.run("diff", *args, *([new] if new else [])).stdout)


def uncommitted(repo: Repo, paths: Iterable[str]) -> list[str]:
    """What an update writing or deleting `paths` would lose: every change there not committed.

    Modified, deleted, staged, untracked or ignored, a file or anything inside a folder at such a
    path; and a file, link or anything but a folder where a path needs a parent folder.
    """
    paths = sorted(set(paths))
    if not paths:
        return []
    out = repo.run(
        "--no-optional-locks", "status", "--porcelain=v1", "-z", "--no-renames", "--untracked-files=all",
        "--ignored=traditional", "--", *_literal(paths),
    ).stdout  # fmt: skip
    found = {entry[3:].rstrip("/") for entry in _paths(out)}
    wanted = set(paths)
    for path in paths:
        for parent in Path(path).parents:
            if parent == Path("."):
                break
            where = repo.work_tree / parent
            in_the_way = os.path.lexists(where) and (where.is_symlink() or not where.is_dir())
            if in_the_way and parent.as_posix() not in wanted:
                found.add(parent.as_posix())
    return sorted(found)


def staged(repo: Repo) -> list[str]:
    """Paths whose index entry differs from HEAD (changes `git commit` would record)."""
    return _paths(repo.run("diff-index", "--cached", "--name-only", "-z", "--no-renames", "HEAD").stdout)


@dataclass
class Transaction:
    """The state an update may change, saved so that a failure puts every bit of it back.

    The work tree is restored path by path (only the paths the update touches, each one checked
    clean beforehand), the index from a copy, HEAD and ORIG_HEAD through compare-and-swap.
    """

    repo: Repo
    folder: Path
    head: str
    paths: list[str]
    orig_head: str | None = None
    merge_files: list[str] = field(default_factory=list)
    committed: str | None = None
    conflicted: bool = False

    @property
    def index(self) -> Path:
        return self.repo.git_dir / "index"

    @property
    def index_copy(self) -> Path:
        return self.folder / "index.before"

    def moving_to(self, target: str) -> None:
        """Note, before the work tree moves, where it goes: what `recover` needs after a SIGKILL."""
        journal = self.folder / JOURNAL
        journal.with_suffix(".new").write_text(json.dumps({"head": self.head, "target": target}))
        os.replace(journal.with_suffix(".new"), journal)


@contextlib.contextmanager
def transaction(repo: Repo, folder: Path, paths: Sequence[str]) -> Iterator[Transaction]:
    """Save what an update may change; on any exception or interrupt before the commit, restore it.

    Once `committed` (or `conflicted`) is set the update stands: what fails after it (a
    trusted template's task) is reported without undoing it.
    """
    with guard.deferred_signals():
        orig = repo.run("rev-parse", "--verify", "--quiet", "ORIG_HEAD", ok=(0, 1)).stdout
        state = Transaction(repo, folder, head(repo), list(paths), os.fsdecode(orig).strip() or None)
        if state.index.exists():
            shutil.copy2(state.index, state.index_copy)
    try:
        yield state
    except BaseException as error:
        if state.committed is None and not state.conflicted:
            with guard.deferred_signals():
                try:
                    _roll_back(state)
                except (GitError, OSError) as failure:
                    raise GitError(
                        f"the update stopped ({error or type(error).__name__}), and undoing it failed: "
                        f"{failure}",
                        "see `git status`; `git merge --abort` or `git checkout HEAD -- PATH` restores files",
                    ) from error
        raise


def _roll_back(state: Transaction) -> None:
    """Put HEAD, ORIG_HEAD, the merge state, the index and the touched paths back as they were."""
    repo = state.repo
    current = repo.text("rev-parse", "HEAD")
    if current != state.head:
        repo.run("update-ref", "-m", "mlscaffold: roll back", "HEAD", state.head, current)
    for name in state.merge_files:
        (repo.git_dir / name).unlink(missing_ok=True)
    if state.orig_head:
        repo.run("update-ref", "--no-deref", "ORIG_HEAD", state.orig_head)
    else:
        repo.run("update-ref", "--no-deref", "-d", "ORIG_HEAD", ok=(0, 1))
    scratch = state.folder / "index.restore"
    env = {"GIT_INDEX_FILE": str(scratch)}
    repo.run("read-tree", state.head, env=env)
    before = set(_paths(repo.run("ls-files", "-z", "--", *_literal(state.paths), env=env).stdout))
    for path in sorted(set(state.paths) - before, reverse=True):
        _remove(repo.work_tree, path)
    if before:
        repo.run("checkout-index", "--force", "-z", "--stdin", input=_nul(sorted(before)), env=env)
    if state.index_copy.exists():
        os.replace(state.index_copy, state.index)
    else:
        state.index.unlink(missing_ok=True)


def _remove(top: Path, path: str) -> None:
    """Delete a file the update added, and the folders that held only it."""
    target = top / path
    if os.path.lexists(target) and not target.is_dir():
        target.unlink()
    for parent in Path(path).parents:
        folder = top / parent
        if parent == Path(".") or not folder.is_dir() or any(folder.iterdir()):
            break
        folder.rmdir()


def apply_merge(state: Transaction, commit: str, message: str) -> None:
    """Move the branch to a merge commit: its tree into the index and work tree, then HEAD.

    `read-tree -m -u` switches only the paths the merge changes, keeping every other local
    change, staged ones included; the branch moves last, by compare-and-swap.
    """
    repo = state.repo
    state.moving_to(commit)
    repo.run("read-tree", "-m", "-u", state.head, commit)
    with guard.deferred_signals():
        repo.run("update-ref", "-m", f"mlscaffold: {message}", "HEAD", commit, state.head)
        state.committed = commit
    repo.run("update-ref", "--no-deref", "ORIG_HEAD", state.head)


def apply_conflicts(
    state: Transaction, tree: str, stages: Mapping[str, list[tuple[str, str, int]]], render: str, message: str
) -> None:
    """Leave the merge as `git merge` leaves a conflicted one, for the user to resolve and commit.

    The merged `tree` (conflict markers in the files) goes to the work tree, each conflicted
    path gets its index stages, and MERGE_HEAD names the render, so that `git commit` records
    the merge and `git merge --abort` undoes it.
    """
    repo = state.repo
    state.moving_to(tree)
    repo.run("read-tree", "-m", "-u", state.head, tree)
    lines = [f"0 {ZERO}\t{path}" for path in stages]
    lines += [
        f"{mode} {oid} {stage}\t{path}" for path, entries in stages.items() for mode, oid, stage in entries
    ]
    repo.run("update-index", "-z", "--index-info", input=_nul(lines))
    repo.run("update-ref", "--no-deref", "ORIG_HEAD", state.head)
    state.merge_files = list(MERGE_FILES)
    with guard.deferred_signals():
        for name, text in zip(MERGE_FILES, (f"{render}\n", message, "no-ff"), strict=True):
            (repo.git_dir / name).write_text(text, encoding="utf-8")
        state.conflicted = True


def recover(repo: Repo, folder: Path) -> bool:
    """Undo the half of an update that a SIGKILL cut short: work tree and index moved, branch not.

    `folder` is the killed run's staging folder. git's own two-tree switch moves the paths back,
    and refuses (changing nothing) if any of them changed since, or if the update had not
    moved them yet; a finished update (HEAD moved) or a conflicted merge is left as it is.
    """
    try:
        journal = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
        before, target = str(journal["head"]), str(journal["target"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if merge_in_progress(repo) or head(repo) != before:
        return False
    return repo.run("read-tree", "-m", "-u", target, before, ok=(0, 128)).returncode == 0


def with_scratch_objects(repo: Repo, folder: Path) -> Repo:
    """The repository writing new objects to `folder`, still reading its own: a dry run adds nothing."""
    folder.mkdir(parents=True, exist_ok=True)
    objects = (repo.git_dir / "objects").resolve()
    return replace(
        repo, env={"GIT_OBJECT_DIRECTORY": str(folder), "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(objects)}
    )


# --- template repositories -------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateRepo:
    """A clone of a template's repository in a throw-away folder."""

    path: Path
    url: str

    def run(self, *args: str, ok: tuple[int, ...] = (0,)) -> bytes:
        location = (f"--git-dir={self.path / '.git'}", f"--work-tree={self.path}")
        return _run([*location, *args], cwd=self.path, ok=ok, interruptible=True).stdout

    def text(self, *args: str) -> str:
        return os.fsdecode(self.run(*args)).strip()


def is_local(url: str) -> bool:
    return url.startswith(("/", "file://")) or not re.match(r"^[\w+.-]+://|^[\w.-]+@", url)


def _network(args: Sequence[str], url: str, doing: str, cwd: Path | None = None) -> bytes:
    """A git command that talks to a template's repository; its failure names the URL and why."""
    try:
        return _run(args, cwd=cwd, env=NETWORK, interruptible=True).stdout
    except GitError as error:
        reason = error.message.split(" failed: ", 1)[-1]
        raise TemplateError(
            f"cannot {doing} {url} ({reason})", "check the URL, your network and access"
        ) from error


def clone_template(url: str, into: Path) -> TemplateRepo:
    """Clone a template repository, without checking anything out yet."""
    _network(["clone", "--quiet", "--no-checkout", "--", url, str(into)], url, "clone", cwd=into.parent)
    return TemplateRepo(into, url)


def template_refs(repo: TemplateRepo) -> tuple[list[str], list[str]]:
    """The template's tags and branches."""
    out = repo.text("for-each-ref", "--format=%(refname)", "refs/tags", "refs/remotes/origin")
    tags = [ref.removeprefix("refs/tags/") for ref in out.splitlines() if ref.startswith("refs/tags/")]
    branches = [
        ref.removeprefix("refs/remotes/origin/")
        for ref in out.splitlines()
        if ref.startswith("refs/remotes/origin/") and ref != "refs/remotes/origin/HEAD"
    ]
    return tags, branches


def resolve_commit(repo: TemplateRepo, ref: str) -> str | None:
    out = repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", ok=(0, 1))
    return os.fsdecode(out).strip() or None


def has_path(repo: TemplateRepo, commit: str, path: str) -> bool:
    """Whether the template holds a file at `path` in `commit`."""
    return bool(repo.run("ls-tree", "--name-only", commit, "--", path).strip())


def check_out(repo: TemplateRepo, commit: str) -> str:
    """Check out `commit` with its submodules; return `git describe --tags --always`, as copier records it.

    Submodules may use the local file protocol only when the template itself is local: a remote
    template naming a path on this machine would otherwise copy it into the project.
    """
    repo.run("checkout", "--quiet", "--detach", commit)
    if (repo.path / ".gitmodules").is_file():
        allow = ("-c", "protocol.file.allow=always") if is_local(repo.url) else ()
        _run(
            [*allow, f"--git-dir={repo.path / '.git'}", f"--work-tree={repo.path}", "submodule", "update",
             "--init", "--recursive", "--quiet"],
            cwd=repo.path, env=NETWORK, interruptible=True, remedy="check the template's submodule URLs",
        )  # fmt: skip
    return repo.text("describe", "--tags", "--always", commit)


def remote_refs(url: str, *patterns: str) -> dict[str, str]:
    """refs -> commit of a remote repository (`git ls-remote`), e.g. its tags or one branch."""
    out = _network(["ls-remote", "--refs", "--", url, *patterns], url, "reach")
    rows = (line.split("\t", 1) for line in os.fsdecode(out).splitlines() if "\t" in line)
    return {ref: sha for sha, ref in rows}


def remote_head(url: str) -> str:
    line = os.fsdecode(_network(["ls-remote", "--", url, "HEAD"], url, "reach")).split("\t", 1)[0].strip()
    return line[:12] if line else "HEAD"


def tags_holding(url: str, tags: Sequence[str], paths: Sequence[str], into: Path) -> set[str]:
    """The tags holding a file at any of `paths`: one shallow fetch of trees, no file contents."""
    _run(["init", "--quiet", "--bare", str(into)], cwd=into.parent, interruptible=True)
    refspecs = [f"refs/tags/{tag}:refs/tags/{tag}" for tag in tags]
    fetch = ["fetch", "--quiet", "--depth=1", "--filter=blob:none", "--no-tags", "--", url, *refspecs]
    _network([f"--git-dir={into}", *fetch], url, "fetch from", cwd=into)
    listing = [f"--git-dir={into}", "ls-tree", "--name-only"]
    return {
        tag for tag in tags if _run([*listing, f"refs/tags/{tag}", "--", *paths], cwd=into).stdout.strip()
    }
