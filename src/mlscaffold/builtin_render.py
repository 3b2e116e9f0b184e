"""Built-in templates rendered with Jinja alone: the part of copier they use, at a fraction of its cost.

A built-in template is `_base/` plus a specialization, and stays a valid copier template:
`render.compose` lays both into one folder that copier renders, and
tests/test_builtin_render.py checks that copier and this module write the same files, with
the same bytes and modes, for every option combination. Here nothing is copied or composed,
copier is not imported (a fifth of a second), and only names holding Jinja are rendered.

What the built-ins use of copier, and so what this module does: `_templates_suffix` files
rendered with the answers in a sandbox, other files copied; templated file and folder names,
a name that renders empty skipped; a plain file left out when a templated sibling exists;
`_exclude` patterns matched against each part of the rendered path; modes kept.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Mapping
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from .answers import read_yaml
from .catalog import Template, base_path
from .errors import TemplateError

COPIER_FILE = "copier.yml"
TEMPLATE_SYNTAX = ("{{", "{%")


def render_with_jinja(template: Template, values: Mapping[str, Any], dest: Path) -> None:
    """Render a built-in template (the specialization over `_base/`) with resolved answers into `dest`."""
    from jinja2 import FileSystemLoader
    from jinja2 import TemplateError as JinjaError
    from jinja2.sandbox import SandboxedEnvironment

    layers = [template.path, base_path()]  # the specialization's files win, as in `compose`
    suffix, exclude = _settings(layers)
    env = SandboxedEnvironment(
        loader=FileSystemLoader([str(layer) for layer in layers]), keep_trailing_newline=True
    )
    sources = _sources(layers)
    try:
        for relative, source in sorted(sources.items()):
            target = _target(relative, suffix, sources, env, values)
            if target is None or any(
                fnmatchcase(part, pattern) for part in target.parts for pattern in exclude
            ):
                continue
            path = dest.joinpath(*target.parts)
            if source.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            if relative.name.endswith(suffix):
                path.write_bytes(env.get_template(relative.as_posix()).render(values).encode())
            else:
                path.write_bytes(source.read_bytes())
            path.chmod(stat.S_IMODE(source.stat().st_mode))
    except JinjaError as error:
        raise TemplateError(
            f"rendering {template.name} failed: {error}", "check the answers, or report the template bug"
        ) from error


def _settings(layers: list[Path]) -> tuple[str, list[str]]:
    """The template suffix and the joined exclusions of every layer's copier.yml."""
    suffix, exclude = "", []
    for layer in reversed(layers):
        spec = read_yaml(layer / COPIER_FILE)
        suffix = spec.get("_templates_suffix", suffix)
        exclude += [pattern for pattern in spec.get("_exclude", []) if pattern not in exclude]
    if any("/" in pattern for pattern in exclude) or not suffix:
        raise TemplateError(
            "a built-in template uses copier settings this renderer does not (a path in _exclude, "
            "no _templates_suffix)",
            "extend mlscaffold/builtin_render.py, or report the template bug",
        )
    return suffix, exclude


def _sources(layers: list[Path]) -> dict[PurePosixPath, Path]:
    """Every file and folder of the template, by path inside it; a later layer is overridden."""
    found: dict[PurePosixPath, Path] = {}
    for layer in reversed(layers):
        for path in _walk(layer):
            found[PurePosixPath(path.relative_to(layer).as_posix())] = path
    return found


def _walk(folder: Path) -> Iterator[Path]:
    """Every path under `folder` but Python's caches (a source checkout that ran its tests has them)."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = [name for name in dirs if name != "__pycache__"]
        for name in dirs + files:
            if not name.endswith(".pyc"):
                yield Path(root, name)


def _target(
    relative: PurePosixPath,
    suffix: str,
    sources: Mapping[PurePosixPath, Path],
    env: Any,
    values: Mapping[str, Any],
) -> PurePosixPath | None:
    """Where a template path lands in the project, or None when it is left out.

    A plain file with a templated sibling (`x` beside `x.jinja`) is left out, as copier does.
    """
    if relative.with_name(relative.name + suffix) in sources:
        return None
    if relative.name.endswith(suffix):
        relative = relative.with_name(relative.name.removesuffix(suffix))
    parts = []
    for part in relative.parts:
        rendered = env.from_string(part).render(values) if any(s in part for s in TEMPLATE_SYNTAX) else part
        if not rendered:
            return None
        if rendered in (".", "..") or "/" in rendered or os.sep in rendered:
            raise TemplateError(
                f"{relative} renders to {rendered!r}, outside its folder", "check the answers"
            )
        parts.append(rendered)
    return PurePosixPath(*parts)
