"""Third-party copier templates: rendered in copier's sandbox (untrusted ones without tasks,
migrations, extensions or the filters that read files and the environment), and what an update
needs of them besides the render: the answers file copier reads, tasks after the commit,
migrations on scratch copies.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .answers import parse_yaml, read_text
from .errors import MlscaffoldError, TemplateError
from .render import (
    COPIER_TYPES,
    Rendered,
    check_render,
    copier_config_files,
    error_reason,
    load_copier_config,
    path_without_git,
    refuse_settings,
    render_failed,
)

COPIER_UNSAFE = {
    "_tasks": "copier tasks",
    "_migrations": "copier migrations",
    "_jinja_extensions": "Jinja extensions",
}

# Filters copier's sandbox adds (from jinja2-ansible-filters) that read the process environment
# or the file system, or parse YAML without bounds: withheld from untrusted templates.
COPIER_WITHHELD_FILTERS = ("expandvars", "expanduser", "fileglob", "realpath", "relpath", "from_yaml_all")


def _sanitize_copier_config(template: Path, config: dict[str, Any]) -> list[str]:
    """Write an untrusted template's config back as one plain copier.yml, without its tasks,
    migrations and Jinja extensions: copier then parses only what was bounded here."""
    skipped = [label for key, label in COPIER_UNSAFE.items() if config.pop(key, None)]
    (config_file,) = copier_config_files(template)  # `load_copier_config` allows only one
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return skipped


def _is_yaml_question(spec: Any) -> bool:
    """Whether copier parses this question's answers as YAML: `type: yaml`, or no type and a
    default of a type copier does not name (none at all included)."""
    spec = spec if isinstance(spec, dict) else {"default": spec}
    kind = spec.get("type") or type(spec.get("default")).__name__
    return kind == "yaml" or kind not in COPIER_TYPES


def check_yaml_answers(config: Mapping[str, Any], data: Mapping[str, Any]) -> None:
    """Bound the YAML that copier will parse on its own: text answers (and text defaults) of the
    questions whose answers it reads as YAML. An answers file is parsed within bounds, but a
    text value inside it is one value until copier parses it."""
    for name, spec in config.items():
        if name.startswith("_") or not _is_yaml_question(spec):
            continue
        default = spec.get("default") if isinstance(spec, dict) else spec
        for origin, value in (("answer", data.get(name)), ("default", default)):
            if not isinstance(value, str) or (origin == "default" and ("{{" in value or "{%" in value)):
                continue  # not text, or a default Jinja computes first (a template's own cost)
            parse_yaml(value, f"the {origin} to {name}")


def _bounded_from_yaml(value: Any) -> Any:
    """copier's `from_yaml` filter, within the bounds of every YAML input."""
    return parse_yaml(value, "a from_yaml value") if isinstance(value, str) else value


def _withhold_copier_filters(environment: Any) -> None:
    """Take from copier's sandbox the filters an untrusted template must not have."""
    for name in COPIER_WITHHELD_FILTERS:
        environment.filters.pop(name, None)
    environment.filters["from_yaml"] = _bounded_from_yaml


def render_copier(
    template: Path, dest: Path, data: Mapping[str, Any], *, use_defaults: bool, trust: bool
) -> Rendered:
    """Render a third-party copier template into `dest`, checked.

    copier's sandbox always holds for Jinja. Untrusted templates also lose their tasks,
    migrations, Jinja extensions and the filters that read files or the environment, and copier
    is not shown git: it would run git in the render, which may hold a hostile `.git` until
    `check_render` has seen it.
    """
    import copier
    from plumbum import local

    refuse_settings(data)
    config = load_copier_config(template)
    check_yaml_answers(config, data)
    skipped = [] if trust else _sanitize_copier_config(template, config)
    try:
        with (
            contextlib.nullcontext() if trust else local.env(PATH=path_without_git()),
            copier.Worker(
                src_path=str(template),
                dst_path=dest,
                data=dict(data),
                defaults=use_defaults,
                overwrite=True,
                quiet=True,
                unsafe=trust,
                skip_tasks=True,  # run_copier_tasks runs them once the project is committed
            ) as worker,
        ):
            if not trust:
                _withhold_copier_filters(worker.jinja_env)
            worker.run_copy()
            questions = set(worker.template.questions_data)
            answers = {k: v for k, v in worker.answers.combined.items() if k in questions}
    except MlscaffoldError:
        raise
    except Exception as error:  # copier raises many types; all mean "this render failed".
        raise render_failed(template, error, trust=trust, trust_lifts_sandbox=False) from error
    check_render(dest)
    return Rendered(answers=answers, skipped=skipped)


COPIER_ANSWERS_FILE = ".copier-answers.yml"

ORIGIN_KEYS = ("_commit:", "_src_path:")


def copier_answers_file(template: Path) -> str:
    """Where a copier template writes its answers file in the project (`_answers_file`)."""
    return str(load_copier_config(template).get("_answers_file", COPIER_ANSWERS_FILE))


def record_copier_origin(template: Path, dest: Path, origin: str, commit: str | None) -> None:
    """Make the render's copier answers file say what `copier copy` would have written.

    copier rendered from a temporary folder without git, so it recorded that folder as
    `_src_path` and no `_commit`; `copier update` needs the real path or URL and the
    `git describe` of the template's commit, and an update must not churn on a temporary name.
    The two lines are rewritten in place (the template's own layout of the file is kept).
    """
    relative = copier_answers_file(template)
    path = dest / relative
    if not path.resolve().is_relative_to(dest.resolve()) or path.is_symlink() or not path.is_file():
        return  # the template writes no answers file
    text = read_text(path)
    data = parse_yaml(text, relative)
    if not isinstance(data, dict) or data.get("_src_path") != str(template):
        return
    wanted = {**({"_commit": commit} if commit else {}), "_src_path": origin}
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith(ORIGIN_KEYS))
    kept = [line for line in lines if not line.startswith(ORIGIN_KEYS)]
    dumped = yaml.safe_dump(wanted, sort_keys=False, allow_unicode=True, width=10_000)
    fixed = "".join([*kept[:at], dumped, *kept[at:]])
    if parse_yaml(fixed, relative) != {**data, **wanted}:  # an unusual layout: write plain YAML
        rest = {key: value for key, value in data.items() if key not in wanted}
        fixed = yaml.safe_dump({**wanted, **rest}, sort_keys=False, allow_unicode=True)
    path.write_text(fixed, encoding="utf-8")


def run_copier_tasks(template: Path, project: Path, answers: Mapping[str, Any]) -> None:
    """Run a trusted copier template's `_tasks` in `project`, as `copier copy` runs them.

    mlscaffold runs them once the project is committed and in place (after `new`, after an
    update's merge), so that tasks like `pre-commit install` find the repository and paths
    they write hold. copier renders nothing here: every file is excluded, only tasks run.
    """
    import copier

    try:
        copier.run_copy(
            str(template),
            project,
            data=dict(answers),
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=True,
            exclude=["*"],
        )
    except Exception as error:  # copier raises many types; all mean "a task failed".
        raise TemplateError(
            f"a task of the template failed: {error_reason(error)}", "fix it and run the task yourself"
        ) from error


def _pep440(describe: str) -> Any:
    """A template version as copier compares it: PEP 440, a `git describe` past a tag as a
    post-release (`v1.0-3-gabc` is `v1.0.post3+gabc`); None when it is no version."""
    from packaging.version import InvalidVersion, Version

    match = re.fullmatch(r"(.+)-(\d+)-g(\w+)", describe)
    try:
        return Version(f"{match[1]}.post{match[2]}+{match[3]}" if match else describe)
    except InvalidVersion:
        return None


def _as_bool(value: Any) -> bool:
    """copier's `cast_to_bool` for a rendered `when`."""
    with contextlib.suppress(TypeError, ValueError):
        return bool(float(value))
    if isinstance(value, str):
        return value.strip().lower() not in {"", "n", "no", "f", "false", "off", "~", "null", "none"}
    return bool(value)


@dataclass(frozen=True)
class Migration:
    """One of a copier template's `_migrations` for one stage: its command, condition,
    folder, and the variables copier gives it (`_stage`, `_version_from`...)."""

    command: str | list[str]
    when: Any
    folder: str
    variables: dict[str, Any]


def copier_migrations(template: Path, old: str, new: str, stage: str) -> list[Migration]:
    """The `_migrations` `copier update` runs at `stage` ("before" or "after") from version `old`
    to `new`, with copier's selection: those whose `version` lies in (old, new], and those
    without one; none unless both ends are versions. Legacy items (`version` with `before`/
    `after` lists) give one migration per command."""
    start, end = _pep440(old), _pep440(new)
    if start is None or end is None:
        return []
    variables: dict[str, Any] = {
        "stage": stage, "version_from": old, "version_to": new,
        "version_pep440_from": start, "version_pep440_to": end,
    }  # fmt: skip
    found = []
    for item in load_copier_config(template).get("_migrations") or []:
        spec = item if isinstance(item, dict) else {"command": item}
        if "version" in spec:
            current = _pep440(str(spec["version"]))
            if current is None:
                raise TemplateError(
                    f"a copier migration's version {spec['version']!r} is not a version",
                    "report the template bug",
                )
            if not end >= current > start:
                continue
            # as copier does, later items without a version keep the last one's
            variables = {**variables, "version_current": spec["version"], "version_pep440_current": current}
        if "before" in spec or "after" in spec:
            found += [Migration(command, True, ".", variables) for command in spec.get(stage) or []]
        elif "command" in spec:
            when = spec.get("when", '{{ _stage == "after" }}')
            found.append(Migration(spec["command"], when, str(spec.get("working_directory", ".")), variables))
    return found


def run_copier_migrations(
    template: Path,
    project: Path,
    answers: Mapping[str, Any],
    migrations: Iterable[Migration],
    env: Mapping[str, str],
) -> None:
    """Run a trusted copier template's migrations in `project`, as `copier update` runs them:
    `command`, `when` and `working_directory` rendered by the template's Jinja with the answers
    and the migration's variables (`_stage`...), which are also its environment (`STAGE`,
    `VERSION_FROM`...); a text command through the shell, a list without. `env` is the rest of
    its environment. A failure is a TemplateError naming the command."""
    import copier

    with copier.Worker(src_path=str(template), dst_path=project, data=dict(answers), unsafe=True) as worker:
        jinja = worker.jinja_env
    base = {**answers, "_folder_name": project.name, "_copier_python": sys.executable}
    for migration in migrations:
        variables = {**{f"_{k}": v for k, v in migration.variables.items()}, "_copier_operation": "update"}
        context = {**base, "_copier_phase": "migrate", **variables}

        def rendered(text: Any, context: dict[str, Any] = context) -> str:
            return jinja.from_string(str(text)).render(**context)

        command = migration.command
        try:
            when = rendered(migration.when) if isinstance(migration.when, str) else migration.when
            if not _as_bool(when):
                continue
            shown = rendered(command) if isinstance(command, str) else [rendered(part) for part in command]
        except Exception as error:  # Jinja raises many types; all mean "this migration is broken".
            raise TemplateError(
                f"the template's migration `{command}` does not render: {error_reason(error)}",
                "report the template bug",
            ) from error
        variables_env = {key[1:].upper(): str(value) for key, value in variables.items()}
        try:
            done = subprocess.run(
                shown,
                shell=isinstance(shown, str),
                cwd=project / rendered(migration.folder),
                env={**env, **variables_env},
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
            said = [line.strip() for line in os.fsdecode(done.stderr).splitlines() if line.strip()]
            failed = (said[-1] if said else f"exit status {done.returncode}") if done.returncode else ""
        except OSError as error:
            failed = error.strerror or str(error)
        if failed:
            text = shown if isinstance(shown, str) else " ".join(shown)
            raise TemplateError(
                f"the template's migration `{text}` failed ({failed})",
                "fix it, or update with `copier update`",
            )
