"""Where a template comes from: built in, a plugin, a local folder, or a git repository.

A git template (a URL, `gh:OWNER/REPO`, `gl:OWNER/REPO`, or a local folder that is a git
repository) is rendered at `--vcs-ref` when given, else at its newest release tag, as copier
chooses it: tags ordered by PEP 440, pre-releases only for a project already on one, and, for a
project, only tags that still hold the project's template format (a release that moved to
another format cannot update it). A project generated from a branch follows that branch: its
version is recorded as `BRANCH@COMMIT`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from . import catalog, lineage
from .errors import TemplateError, TemplateNotFound
from .render import check_links

SHORTHANDS = {"gh:": "https://github.com/{}.git", "gl:": "https://gitlab.com/{}.git"}
URL_PREFIXES = ("https://", "http://", "git@", "ssh://", "git://", "file://", "git+")
BUILTIN, PLUGIN, PATH, GIT = "builtin", "plugin", "path", "git"
COPIER, COOKIECUTTER = "copier", "cookiecutter"
FORMAT_FILES = {COPIER: ("copier.yml", "copier.yaml"), COOKIECUTTER: ("cookiecutter.json",)}
LOCAL = "local"
FOLLOWED = re.compile(r"^(?P<branch>.+)@(?P<commit>[0-9a-f]{12})$")


@dataclass(frozen=True)
class Source:
    """A resolved template location."""

    kind: str
    location: str
    ref: str | None = None
    directory: str = ""

    @property
    def name(self) -> str:
        """A short name: the built-in name, or the last part of the path or URL."""
        if self.kind in (BUILTIN, PLUGIN):
            return self.location
        tail = self.location.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git")
        return f"{tail}/{self.directory}" if self.directory else tail


@dataclass(frozen=True)
class Checkout:
    """A template's files, ready to render, and the version they are.

    `commit` is what copier records as `_commit` (`git describe --tags --always`), for git
    templates; `origin` what it records as `_src_path`: the path or URL the user gave.
    """

    path: Path
    version: str
    format: str
    origin: str
    commit: str | None = None


def resolve_source(spec: str, vcs_ref: str | None = None, directory: str = "") -> Source:
    """Turn what the user typed into a Source; unknown names suggest a built-in template."""
    for prefix, pattern in SHORTHANDS.items():
        if spec.startswith(prefix):
            return Source(GIT, pattern.format(spec.removeprefix(prefix)), vcs_ref, directory)
    if spec.startswith(URL_PREFIXES) or spec.endswith(".git"):
        return Source(GIT, spec.removeprefix("git+"), vcs_ref, directory)
    path = Path(spec).expanduser()
    if path.is_dir():
        kind = GIT if (path / ".git").exists() else PATH
        return Source(kind, str(path.resolve()), vcs_ref, directory)
    if "/" in spec or spec.startswith("."):
        raise TemplateNotFound(f"no template folder at {spec}", "check the path, or pass a git URL")
    try:  # built-in names first: a plugin cannot shadow them, and no package scan is needed
        return Source(BUILTIN, catalog.find_template(spec).name)
    except TemplateNotFound:
        plugin = catalog.plugin_template(spec)
        if plugin is None:
            raise
        return Source(PLUGIN, plugin.name, vcs_ref, directory)


def detect_format(folder: Path) -> str:
    for kind, names in FORMAT_FILES.items():
        if any((folder / name).is_file() for name in names):
            return kind
    if (folder / "ccds.json").is_file():
        raise TemplateError(
            f"{folder.name} keeps its questions in ccds.json, the format of cookiecutter-data-science v2, "
            "which only its own `ccds` command renders",
            "use `ccds`, or pass --vcs-ref with a v1 tag for the last cookiecutter release",
        )
    raise TemplateError(
        f"{folder.name} has neither copier.yml nor cookiecutter.json",
        "pass --directory SUBFOLDER when the template is in a sub-folder",
    )


def _version(tag: str) -> Version | None:
    try:
        return Version(tag)
    except InvalidVersion:
        return None


def is_prerelease(version: str) -> bool:
    parsed = _version(version)
    return parsed is not None and (parsed.is_prerelease or parsed.is_devrelease)


def release_order(tags: Iterable[str], prereleases: bool) -> list[str]:
    """Version tags newest first (PEP 440, `v` prefixes and semver pre-releases included);
    pre-releases (`v2.0.0rc1`, `v2.0.0-beta.1`) only when asked for, as copier does."""
    versions = {
        tag: version
        for tag in tags
        if (version := _version(tag)) is not None and (prereleases or not is_prerelease(tag))
    }
    return sorted(versions, key=versions.__getitem__, reverse=True)


def newer(releases: list[str], current: str) -> list[str]:
    """The release tags (newest first) above `current`; all of them when `current` is no version."""
    floor = _version(current)
    return [tag for tag in releases if floor is None or Version(tag) > floor]


def format_paths(fmt: str, directory: str) -> list[str]:
    """Where the files of template format `fmt` sit in the repository."""
    return [f"{directory.strip('/')}/{name}" if directory else name for name in FORMAT_FILES[fmt]]


def _holds(clone: lineage.TemplateRepo, commit: str, fmt: str | None, directory: str) -> bool:
    return fmt is None or any(lineage.has_path(clone, commit, path) for path in format_paths(fmt, directory))


def _pick(
    source: Source, clone: lineage.TemplateRepo, fmt: str | None, current: str | None
) -> tuple[str, str]:
    """The commit to render and its version: `--vcs-ref` (tag, branch or commit), else the newest
    release tag that holds the template format, else the default branch's head."""
    tags, branches = lineage.template_refs(clone)
    ref = source.ref
    if ref is None:
        for tag in release_order(tags, prereleases=is_prerelease(current or "")):
            commit = lineage.resolve_commit(clone, f"refs/tags/{tag}")
            if commit and _holds(clone, commit, fmt, source.directory):
                return commit, tag
        commit = lineage.resolve_commit(clone, "HEAD")
        if commit is None:
            raise TemplateError(f"{source.location} has no commits", "check the URL")
        return commit, commit[:12]
    if ref in branches:
        commit = lineage.resolve_commit(clone, f"refs/remotes/origin/{ref}")
        return str(commit), f"{ref}@{str(commit)[:12]}"
    followed = FOLLOWED.match(ref)  # a commit of a branch, as a branch-following project records it
    if followed and followed["branch"] in branches:
        commit = lineage.resolve_commit(clone, followed["commit"])
        if commit:
            return commit, ref
    commit = lineage.resolve_commit(clone, f"refs/tags/{ref}" if ref in tags else ref)
    if commit is None:
        raise TemplateError(
            f"{source.location} has no ref {ref!r}", "pass an existing tag, branch or commit to --vcs-ref"
        )
    return commit, ref


def _remove_git_folders(root: Path) -> None:
    """The clone's `.git` and its submodules' `.git` files: a template's files are only its files."""
    for folder, folders, files in os.walk(root):
        for name in [*folders, *files]:
            if name == ".git":
                path = Path(folder, name)
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() else path.unlink()
        folders[:] = [name for name in folders if name != ".git"]


@contextlib.contextmanager
def checkout(source: Source, *, fmt: str | None = None, current: str | None = None) -> Iterator[Checkout]:
    """The template's files in a temporary folder (without .git), at the version to render.

    `fmt` and `current`: the format and version of the project being updated, which decide the
    default version (see the module docstring).
    """
    with tempfile.TemporaryDirectory(prefix="mlscaffold-source-") as scratch:
        files = Path(scratch) / "template"
        commit = None
        if source.kind == GIT:
            clone = lineage.clone_template(source.location, files)
            target, version = _pick(source, clone, fmt, current)
            commit = lineage.check_out(clone, target)
            _remove_git_folders(files)
            origin = source.location
        else:
            root = (
                catalog.plugin_template(source.location).path
                if source.kind == PLUGIN
                else Path(source.location)
            )
            try:
                shutil.copytree(root, files, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            except (shutil.Error, OSError) as error:  # a fifo or a device, an unreadable file
                raise TemplateError(
                    f"cannot copy the template folder {root}: it holds something that is not a "
                    "readable file or folder",
                    "a template holds files and folders only",
                ) from error
            version, origin = LOCAL, str(root)
        folder = files / source.directory if source.directory else files
        if not folder.resolve().is_relative_to(files.resolve()) or not folder.is_dir():
            raise TemplateError(f"no folder {source.directory!r} in the template", "check --directory")
        check_links(files)
        yield Checkout(folder, version, detect_format(folder), origin, commit)


def newest_version(source: Source, fmt: str, current: str) -> str:
    """The version an update would render, without rendering or cloning (one `git ls-remote`,
    and one shallow fetch of trees only when newer release tags exist)."""
    if source.kind != GIT:
        return LOCAL
    if source.ref is not None:
        heads = lineage.remote_refs(source.location, f"refs/heads/{source.ref}")
        sha = heads.get(f"refs/heads/{source.ref}")
        return f"{source.ref}@{sha[:12]}" if sha else source.ref
    tags = [ref.removeprefix("refs/tags/") for ref in lineage.remote_refs(source.location, "refs/tags/*")]
    releases = release_order(tags, prereleases=is_prerelease(current))
    if not releases:
        return lineage.remote_head(source.location)
    candidates = newer(releases, current)
    if not candidates:
        return current
    with tempfile.TemporaryDirectory(prefix="mlscaffold-check-") as scratch:
        paths = format_paths(fmt, source.directory)
        holding = lineage.tags_holding(source.location, candidates, paths, Path(scratch) / "trees")
    return next((tag for tag in candidates if tag in holding), current)


def source_of(
    record_source: str, template: str, vcs_ref: str | None, directory: str, version: str = ""
) -> Source:
    """Where a project's template came from, as its answers file records it.

    Without `vcs_ref`, a project on `BRANCH@COMMIT` follows that branch.
    """
    followed = FOLLOWED.match(version)
    ref = vcs_ref or (followed["branch"] if followed else None)
    if record_source in (BUILTIN, PLUGIN):
        return Source(record_source, template, ref, directory)
    if record_source.startswith(URL_PREFIXES) or record_source.endswith(".git"):
        return Source(GIT, record_source, ref, directory)
    path = Path(record_source)
    if not path.is_dir():
        raise TemplateNotFound(
            f"the template folder {record_source} no longer exists", "restore it to update"
        )
    return Source(GIT if (path / ".git").exists() else PATH, record_source, ref, directory)


def recorded_source(source: Source) -> str:
    """What the answers file records as the source: `builtin`, `plugin`, a path or a URL."""
    return source.kind if source.kind in (BUILTIN, PLUGIN) else source.location
