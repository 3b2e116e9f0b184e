"""The built-in templates and their catalog entries.

Reads each template's `template.toml` with the standard library only: `mlscaffold list`
must stay fast, so nothing here imports copier, cookiecutter or Jinja.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import TemplateNotFound

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

BASE_NAME = "_base"
PLUGIN_GROUP = "mlscaffold.templates"


@dataclass(frozen=True)
class Template:
    """One built-in template: its catalog entry and where its files are."""

    name: str
    alias: str
    specialization: str
    description: str
    frameworks: tuple[str, ...]
    dataset: str
    cpu_training_time: str
    produces: str
    path: Path = field(compare=False)
    # GitHub topics `mlscaffold publish` gives the project's repository.
    topics: tuple[str, ...] = ()
    origin: str = "built-in"

    @property
    def summary(self) -> str:
        """One line for `mlscaffold list`: the specialization, else the description."""
        return self.specialization or self.description

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "alias": self.alias,
            "specialization": self.specialization,
            "description": self.description,
            "frameworks": list(self.frameworks),
            "dataset": self.dataset,
            "cpu_training_time": self.cpu_training_time,
            "topics": list(self.topics),
            "origin": self.origin,
        }


def templates_root() -> Path:
    """The templates folder: inside the installed wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "templates"


def base_path() -> Path:
    return templates_root() / BASE_NAME


def load_template(path: Path, origin: str = "built-in", name: str = "") -> Template:
    """A template's catalog entry from its template.toml (a plugin's may leave keys out)."""
    entry = path / "template.toml"
    meta = tomllib.loads(entry.read_text(encoding="utf-8")) if entry.is_file() else {}
    return Template(
        name=name or meta["name"],
        alias=meta.get("alias", ""),
        specialization=meta.get("specialization", ""),
        description=meta.get("description", ""),
        frameworks=tuple(meta.get("frameworks", ())),
        dataset=meta.get("dataset", ""),
        cpu_training_time=meta.get("cpu_training_time", ""),
        produces=meta.get("produces", ""),
        path=path,
        topics=tuple(meta.get("topics", ())),
        origin=origin,
    )


def plugin_templates() -> list[Template]:
    """Templates that installed packages register under the `mlscaffold.templates` entry point.

    An entry point names a template and points at its folder (a path, or a function
    returning one); the folder is a copier or cookiecutter template, optionally with a
    template.toml for the catalog.
    """
    from importlib.metadata import entry_points

    found = []
    for entry in entry_points(group=PLUGIN_GROUP):
        target = entry.load()
        folder = Path(target() if callable(target) else target)
        dist = entry.dist.name if entry.dist else "a plugin"
        found.append(load_template(folder, origin=f"plugin ({dist})", name=entry.name))
    return sorted(found, key=lambda template: template.name)


def plugin_template(name: str) -> Template | None:
    return next((t for t in plugin_templates() if name in (t.name, t.alias)), None)


def builtin_templates() -> list[Template]:
    """Every built-in template, sorted by name."""
    root = templates_root()
    found = [load_template(entry.parent) for entry in root.glob("*/template.toml")]
    return sorted(found, key=lambda template: template.name)


def template_version(template: Template) -> str:
    """The version of a built-in template: the mlscaffold release that ships it."""
    return __version__


def find_template(name: str) -> Template:
    """A built-in template by name or alias; the error suggests the closest match."""
    templates = builtin_templates()
    for template in templates:
        if name in (template.name, template.alias):
            return template
    known = [t.name for t in templates] + [t.alias for t in templates if t.alias]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    names = ", ".join(f"{t.name} ({t.alias})" for t in templates)
    raise TemplateNotFound(f"unknown template {name!r}", f"{hint}run `mlscaffold list`; built-in: {names}")
