"""Where a template comes from: built in, a plugin, a local folder, or a git repository.

A git template (a URL, `gh:OWNER/REPO`, `gl:OWNER/REPO`, or a local folder that is a git
repository) is rendered at its newest tag, or at `--vcs-ref`.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from . import catalog, lineage
from .errors import TemplateError, TemplateNotFound
from .render import check_links

SHORTHANDS = {"gh:": "https://github.com/{}.git", "gl:": "https://gitlab.com/{}.git"}
URL_PREFIXES = ("https://", "http://", "git@", "ssh://", "git://", "file://", "git+")
BUILTIN, PLUGIN, PATH, GIT = "builtin", "plugin", "path", "git"
COPIER, COOKIECUTTER = "copier", "cookiecutter"


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
    """A template's files, ready to render, and the version they are."""

    path: Path
    version: str
    format: str


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
    if (folder / "copier.yml").is_file() or (folder / "copier.yaml").is_file():
        return COPIER
    if (folder / "cookiecutter.json").is_file():
        return COOKIECUTTER
    raise TemplateError(
        f"{folder.name} has neither copier.yml nor cookiecutter.json",
        "pass --directory SUBFOLDER when the template is in a sub-folder",
    )


@contextlib.contextmanager
def checkout(source: Source) -> Iterator[Checkout]:
    """The template's files in a temporary folder (without .git), at the version to render."""
    with tempfile.TemporaryDirectory(prefix="mlscaffold-source-") as scratch:
        files = Path(scratch) / "template"
        if source.kind == GIT:
            version = lineage.fetch_template(source.location, source.ref, files)
            shutil.rmtree(files / ".git", ignore_errors=True)
        else:
            root = (
                catalog.plugin_template(source.location).path
                if source.kind == PLUGIN
                else Path(source.location)
            )
            shutil.copytree(root, files, symlinks=True, ignore=shutil.ignore_patterns(".git"))
            version = "local"
        folder = files / source.directory if source.directory else files
        if not folder.resolve().is_relative_to(files.resolve()) or not folder.is_dir():
            raise TemplateError(f"no folder {source.directory!r} in the template", "check --directory")
        check_links(files)
        yield Checkout(folder, version, detect_format(folder))


def newest_version(source: Source) -> str:
    """The version an update would render, without rendering (may ask the git remote)."""
    if source.kind == GIT:
        return source.ref or lineage.newest_tag(source.location) or lineage.remote_head(source.location)
    return "local"


def source_of(record_source: str, template: str, vcs_ref: str | None, directory: str) -> Source:
    """Where a project's template came from, as its answers file records it."""
    if record_source in (BUILTIN, PLUGIN):
        return Source(record_source, template, vcs_ref, directory)
    if record_source.startswith(URL_PREFIXES) or record_source.endswith(".git"):
        return Source(GIT, record_source, vcs_ref, directory)
    path = Path(record_source)
    if not path.is_dir():
        raise TemplateNotFound(
            f"the template folder {record_source} no longer exists", "restore it to update"
        )
    return Source(GIT if (path / ".git").exists() else PATH, record_source, vcs_ref, directory)


def recorded_source(source: Source) -> str:
    """What the answers file records as the source: `builtin`, `plugin`, a path or a URL."""
    return source.kind if source.kind in (BUILTIN, PLUGIN) else source.location
