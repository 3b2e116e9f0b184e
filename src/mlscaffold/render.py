"""Templates to folders: built-in ones through copier, third-party ones through copier or
cookiecutter, every result checked before it goes anywhere.

Only this module knows copier and cookiecutter. Third-party templates are someone else's text,
untrusted unless the user says otherwise: their Jinja runs in a sandbox (copier's own; a
sandboxed environment in place of cookiecutter's plain one), and no tasks, migrations, hooks or
Jinja extensions run. Trusted or not, answers are never rendered as templates, every YAML or
JSON file a template brings is parsed within bounds, and a render holds nothing but files and
folders inside the project, none of them a `.git`.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .answers import MAX_YAML_DEPTH, MAX_YAML_NODES, YamlLoader, parse_yaml, read_text, read_yaml
from .catalog import Template, base_path
from .errors import InvalidAnswer, MlscaffoldError, TemplateError, UsageError

COPIER_FILE = "copier.yml"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def copier_files(template: Template) -> list[Path]:
    """The copier.yml files whose questions the template asks: the base's, then its own."""
    return [base_path() / COPIER_FILE, template.path / COPIER_FILE]


def compose(template: Template, into: Path, *, questions: bool = True) -> Path:
    """Lay `_base/` and the specialization into one copier template folder at `into`.

    The specialization's files win where both have one; the questions are the base's
    followed by the specialization's, and the exclusions are joined. With
    `questions=False` only copier's settings are kept: mlscaffold has already asked and
    validated every question, and copier gets the answers as data.
    """
    shutil.copytree(base_path(), into, ignore=IGNORED, dirs_exist_ok=True)
    shutil.copytree(template.path, into, ignore=IGNORED, dirs_exist_ok=True)
    merged: dict[str, Any] = {}
    exclude: list[str] = []
    for path in copier_files(template):
        spec = dict(read_yaml(path))
        exclude += [pattern for pattern in spec.pop("_exclude", []) if pattern not in exclude]
        merged.update(spec if questions else {k: v for k, v in spec.items() if k.startswith("_")})
    merged["_exclude"] = exclude
    (into / COPIER_FILE).write_text(yaml.safe_dump(merged, sort_keys=False), encoding="utf-8")
    return into


def _path_without_git() -> str:
    return os.pathsep.join(
        folder
        for folder in os.environ.get("PATH", "").split(os.pathsep)
        if not (Path(folder) / "git").exists()
    )


def render(template_dir: Path, values: Mapping[str, Any], dest: Path) -> None:
    """Render a built-in (composed) copier template non-interactively with `values` into `dest`.

    Tasks, migrations and custom Jinja extensions never run (`unsafe=False`). copier is
    not shown git: it would start one git process per rendered file to copy executable
    bits into a git index, and `dest` is a fresh folder, not a repository.
    """
    import copier  # Lazy: importing copier costs most of a second.
    from plumbum import local  # copier runs its commands through plumbum's `local`

    try:
        with local.env(PATH=_path_without_git()):
            copier.run_copy(
                str(template_dir),
                dest,
                data=dict(values),
                defaults=True,
                overwrite=True,
                quiet=True,
                unsafe=False,
                skip_tasks=True,
            )
    except Exception as error:  # copier raises many types; all mean "this render failed".
        raise TemplateError(
            f"rendering {template_dir.name} failed: {error}",
            "check the answers, or report the template bug",
        ) from error


def check_links(folder: Path) -> None:
    """Refuse symbolic links that point outside a template's `folder`: the renderers follow links
    inside a template and would copy what they point to. (A render holds no links: `check_render`.)"""
    root = folder.resolve()
    for path in folder.rglob("*"):
        if path.is_symlink() and not path.resolve().is_relative_to(root):
            raise TemplateError(
                f"{path.relative_to(folder)} is a link to {path.resolve()}, outside {folder.name}",
                "nothing was written; remove that link from the template",
            )


# Characters HFS+ ignores in file names, so that `.g\u200cit` is `.git` there.
HFS_IGNORED = dict.fromkeys([*range(0x200C, 0x2010), *range(0x202A, 0x202F), *range(0x206A, 0x2070), 0xFEFF])
UNSAFE = "nothing was written; this template is unsafe"


def is_git_name(name: str) -> bool:
    """Whether git, on some file system, would take a file or folder called `name` for `.git`.

    Any letter case (case-insensitive disks), trailing dots and spaces and `:stream` suffixes
    (NTFS drops them), `git~1` (the short name NTFS gives `.git`) and HFS+'s ignored characters.
    """
    plain = name.translate(HFS_IGNORED).split(":", 1)[0].rstrip(". ").lower()
    return plain in (".git", "git~1")


def _walk_error(error: OSError) -> None:
    raise TemplateError(f"cannot read the render: {error}", UNSAFE) from error


def check_render(folder: Path) -> None:
    """Refuse a render holding a `.git` of any spelling, a link, or anything but files and folders.

    git reads a `.git` folder's hooks and configuration (code) and follows a `.git` file to
    another repository; a link leads reads and writes out of the project; a fifo or a device is
    nothing a project is made of. Runs on the render before anything of mlscaffold's, git
    included, touches it.
    """
    for root, folders, files in os.walk(folder, onerror=_walk_error):
        for name in folders + files:
            path = Path(root, name)
            relative = path.relative_to(folder)
            if is_git_name(name):
                raise TemplateError(
                    f"the render holds {relative}, which git would read as a repository", UNSAFE
                )
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                raise TemplateError(f"the render holds a link, {relative}; a project holds no links", UNSAFE)
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise TemplateError(
                    f"the render holds {relative}, which is neither a file nor a folder", UNSAFE
                )


def verify(project: Path) -> None:
    """Refuse a built-in render that `check_render` refuses or that left template files behind."""
    check_render(project)
    for path in project.rglob("*"):
        if path.name.endswith(".jinja"):
            raise TemplateError(f"{path.relative_to(project)} was not rendered", "report the template bug")


def render_builtin(template: Template, values: Mapping[str, Any], dest: Path) -> None:
    """Render a built-in template (base + specialization) with resolved answers into `dest`, checked."""
    from .builtin_render import render_with_jinja

    render_with_jinja(template, values, dest)
    verify(dest)


@dataclass(frozen=True)
class Rendered:
    """What a third-party render recorded: the answers, and the unsafe features it skipped."""

    answers: dict[str, Any]
    skipped: list[str] = field(default_factory=list)


def refuse_settings(data: Mapping[str, Any]) -> None:
    """Answers are data: one named like a template setting (`_exclude`, `_extensions`,
    `_jinja2_env_vars`...) would change how the template renders, so it is refused."""
    settings = sorted(str(key) for key in data if str(key).startswith("_"))
    if settings:
        raise InvalidAnswer(
            f"answers may not set template settings ({', '.join(settings)})", "remove them from the answers"
        )


def check_bounds(value: Any, where: str) -> None:
    """Refuse data that expands past the YAML bounds: shared values counted wherever they appear.

    A few hundred bytes of YAML aliases load cheaply, as shared lists and dicts, but expand to
    billions of values for whatever walks them (copier, Jinja, a YAML dump). Each shared value
    is measured once, so this costs what the text does.
    """
    measured: dict[int, tuple[int, int] | None] = {}  # id -> (values, depth below); None: in progress

    def measure(node: Any, level: int) -> tuple[int, int]:
        if not isinstance(node, (list, dict)):
            return 1, 0
        if level > MAX_YAML_DEPTH:
            raise UsageError(f"{where} nests deeper than {MAX_YAML_DEPTH} levels", "simplify the file")
        if id(node) in measured:
            known = measured[id(node)]
            if known is None:
                raise UsageError(f"{where} holds a value that contains itself", "write the values out")
            if level + known[1] > MAX_YAML_DEPTH:
                raise UsageError(f"{where} nests deeper than {MAX_YAML_DEPTH} levels", "simplify the file")
            return known
        measured[id(node)] = None
        values, depth = 1, 0
        for child in [*node.keys(), *node.values()] if isinstance(node, dict) else node:
            child_values, child_depth = measure(child, level + 1)
            values, depth = values + child_values, max(depth, child_depth + 1)
            if values > MAX_YAML_NODES:
                raise UsageError(
                    f"{where} expands to more than {MAX_YAML_NODES} values (nested YAML aliases?)",
                    "write the values out instead of aliasing them",
                )
        measured[id(node)] = values, depth
        return values, depth

    measure(value, 0)


def _reason(error: BaseException) -> str:
    """The first line of what went wrong (cookiecutter appends its whole context to some errors)."""
    inner = getattr(error, "error", None)
    text = f"{getattr(error, 'message', '')}: {inner}" if isinstance(inner, Exception) else str(error)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:300] if lines else type(error).__name__


def read_template_file(template: Path, path: Path) -> str:
    """A text file of the template at `template`, within the size bound; an error names it by
    its place in the template, not by the temporary folder the template was checked out to."""
    try:
        return read_text(path)
    except UsageError as error:
        name = f"the template's {path.relative_to(template)}"
        raise UsageError(error.message.replace(str(path), name), error.remedy) from error


def _sandbox_refusal(error: BaseException) -> BaseException | None:
    """The Jinja SecurityError behind `error`, if the sandbox is why the render failed."""
    from jinja2.exceptions import SecurityError

    seen: set[int] = set()
    cause: BaseException | None = error
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, SecurityError):
            return cause
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return None


def _render_failed(
    template: Path, error: Exception, *, trust: bool, trust_lifts_sandbox: bool
) -> TemplateError:
    """One line saying why a render failed, naming --trust where it would make a difference."""
    refusal = _sandbox_refusal(error)
    if refusal is not None:
        remedy = (
            "pass --trust only if you trust the template to run code on this machine"
            if trust_lifts_sandbox
            else "copier's sandbox forbids this even with --trust"
        )
        return TemplateError(
            f"{template.name} needs what the template sandbox forbids ({_reason(refusal)})",
            f"nothing was written; {remedy}",
        )
    remedy = (
        "check the answers and the template"
        if trust
        else "check the answers; if the template needs what untrusted templates are denied "
        "(hooks, tasks, Jinja extensions, filters that read files or the environment), "
        "pass --trust if you trust it"
    )
    return TemplateError(f"rendering {template.name} failed: {_reason(error)}", remedy)


# --- copier ---------------------------------------------------------------------------------

COPIER_UNSAFE = {
    "_tasks": "copier tasks",
    "_migrations": "copier migrations",
    "_jinja_extensions": "Jinja extensions",
}
# Settings copier joins across the documents of copier.yml instead of letting the last one win.
COPIER_JOINED = ("_exclude", "_jinja_extensions", "_secret_questions", "_skip_if_exists")
COPIER_TYPES = ("bool", "float", "int", "json", "str", "yaml", "path")
MAX_INCLUDES = 64
# Filters copier's sandbox adds (from jinja2-ansible-filters) that read the process environment
# or the file system, or parse YAML without bounds: withheld from untrusted templates.
COPIER_WITHHELD_FILTERS = ("expandvars", "expanduser", "fileglob", "realpath", "relpath", "from_yaml_all")


def _copier_config_files(template: Path) -> list[Path]:
    """The files copier reads settings and questions from: copier.yml or copier.yaml, any case."""
    return [
        path
        for path in template.glob("copier.*")
        if path.is_file() and re.match(r"\.ya?ml", path.suffix, re.IGNORECASE)
    ]


def _flatten(documents: Iterable[Any]) -> Iterator[Any]:
    """copier's flattening of YAML documents: empty ones dropped, lists (from `!include`) opened."""
    for document in documents:
        if isinstance(document, list):
            yield from _flatten(document)
        elif document:
            yield document


def load_copier_config(template: Path) -> dict[str, Any]:
    """A copier template's settings and questions, merged as copier merges them, within bounds.

    copier reads every document of copier.yml and of the files its `!include` tags name inside
    the template; here each file is size-bounded, the includes are counted, and the merged
    values' expansion and nesting are bounded before copier or mlscaffold walks them.
    """
    files = _copier_config_files(template)
    if len(files) != 1:
        raise TemplateError(f"{template.name} has {len(files)} copier.yml files", "keep exactly one")
    root = template.resolve()
    includes = 0

    class Loader(YamlLoader):
        """libyaml's safe loader, plus copier's `!include` (bounded)."""

    def include(loader: Any, node: yaml.Node) -> list[Any]:
        nonlocal includes
        pattern = str(loader.construct_scalar(node))
        if PurePosixPath(pattern).is_absolute():
            raise TemplateError(f"copier.yml includes {pattern}, an absolute path", UNSAFE)
        documents: list[Any] = []
        for path in root.glob(pattern):
            includes += 1
            if includes > MAX_INCLUDES:
                raise UsageError(
                    f"copier.yml includes more than {MAX_INCLUDES} files", "simplify the template"
                )
            if not path.resolve().is_relative_to(root):
                raise TemplateError(f"copier.yml includes {pattern}, outside the template", UNSAFE)
            documents += _flatten(yaml.load_all(read_template_file(root, path), Loader=Loader))
        return documents

    Loader.add_constructor("!include", include)
    where = files[0].name
    try:
        documents = list(_flatten(yaml.load_all(read_template_file(template, files[0]), Loader=Loader)))
    except RecursionError as error:
        raise UsageError(f"{where} nests deeper than {MAX_YAML_DEPTH} levels", "simplify the file") from error
    except yaml.YAMLError as error:
        raise TemplateError(
            f"{where} is not valid YAML: {_reason(error)}", "report the template bug"
        ) from error
    if not all(isinstance(document, dict) for document in documents):
        raise TemplateError(f"{where} is not a mapping of settings and questions", "report the template bug")
    check_bounds(documents, where)
    merged: dict[str, Any] = {}
    for document in documents:
        merged.update(document)
    for key in COPIER_JOINED:
        parts = [document[key] for document in documents if key in document]
        if not all(isinstance(part, list) for part in parts):
            raise TemplateError(f"{where}: {key} is not a list", "report the template bug")
        if parts:
            merged[key] = [value for part in parts for value in part]
    return merged


def _sanitize_copier_config(template: Path, config: dict[str, Any]) -> list[str]:
    """Write an untrusted template's config back as one plain copier.yml, without its tasks,
    migrations and Jinja extensions: copier then parses only what was bounded here."""
    skipped = [label for key, label in COPIER_UNSAFE.items() if config.pop(key, None)]
    (config_file,) = _copier_config_files(template)  # `load_copier_config` allows only one
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
            contextlib.nullcontext() if trust else local.env(PATH=_path_without_git()),
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
        raise _render_failed(template, error, trust=trust, trust_lifts_sandbox=False) from error
    check_render(dest)
    return Rendered(answers=answers, skipped=skipped)


# --- cookiecutter ---------------------------------------------------------------------------


class Answer(str):
    """An answer on its way through cookiecutter, which renders every value it holds as a
    template: mlscaffold's environment hands it back as the text it is."""


class Text:
    """What cookiecutter gets in place of a template for an answer: the answer, unrendered."""

    def __init__(self, text: str) -> None:
        self.text = text

    def render(self, *args: Any, **kwargs: Any) -> str:
        return self.text


def as_data(value: Any) -> Any:
    """Mark every text in an answer, nested lists and dicts included, as data (see `Answer`)."""
    if isinstance(value, str):
        return Answer(value)
    if isinstance(value, list):
        return [as_data(item) for item in value]
    if isinstance(value, dict):
        return {as_data(key): as_data(item) for key, item in value.items()}
    return value


def split_rendered(path: str, output: str) -> tuple[str, str]:
    """Split off the part of a path cookiecutter has rendered already: the output folder and the
    project folder in it.

    cookiecutter renders each folder's absolute path, so the project folder's name (an answer,
    often) would be rendered a second time, as a template. Only the rest is a template.
    """
    if not path.startswith(output + os.sep):
        return "", path
    project, _, rest = path[len(output) + 1 :].partition(os.sep)
    return os.path.join(output, project, ""), rest


def check_output_path(path: str, output: str) -> None:
    """Refuse a path cookiecutter is about to create outside `output`, or named like `.git`.

    cookiecutter joins each rendered path to the output folder (files) or takes it whole
    (folders): an absolute result elsewhere, or a `..`, climbs out. Checked on the very text
    cookiecutter creates, whatever the template's delimiters.
    """
    relative = os.path.relpath(path, output) if os.path.isabs(path) else path
    parts = relative.split(os.sep)
    if ".." in parts:
        raise TemplateError(f"the template renders the path {path!r}, outside the project", UNSAFE)
    named_git = [part for part in parts if is_git_name(part)]
    if named_git:
        raise TemplateError(
            f"the template renders {named_git[0]!r}, which git would read as a repository", UNSAFE
        )


class CheckedPath:
    """A path cookiecutter is about to create: `rendered` kept as it is, `template` rendered, and
    the whole checked before cookiecutter gets it."""

    def __init__(self, rendered: str, template: Any, output: str) -> None:
        self.rendered = rendered
        self.template = template
        self.output = output

    def render(self, *args: Any, **kwargs: Any) -> str:
        path = self.rendered + self.template.render(*args, **kwargs)
        check_output_path(path, self.output)
        return path


@functools.cache
def _cookiecutter_environment(sandboxed: bool) -> type:
    """cookiecutter's StrictEnvironment (or the same in Jinja's sandbox) with answers kept as
    text and every path it renders while generating checked.

    cookiecutter renders answers, defaults and paths through `from_string`, and file contents
    through its loader; the sandbox covers both. Built on first use: jinja2 and cookiecutter
    are imported for renders only.
    """
    from cookiecutter.environment import ExtensionLoaderMixin, StrictEnvironment
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    class SandboxedStrictEnvironment(ExtensionLoaderMixin, SandboxedEnvironment):
        """cookiecutter's environment (StrictUndefined, its default extensions) in the sandbox."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(undefined=StrictUndefined, **kwargs)

    class Environment(SandboxedStrictEnvironment if sandboxed else StrictEnvironment):
        output: str | None = None  # set while generating: the folder every path must stay in

        def from_string(self, source: Any, globals: Any = None, template_class: Any = None) -> Any:
            if isinstance(source, Answer):
                return Text(str(source))
            if self.output is None:
                return super().from_string(source, globals, template_class)
            rendered, rest = split_rendered(source, self.output)
            return CheckedPath(rendered, super().from_string(rest, globals, template_class), self.output)

    return Environment


def _environment_with_context(sandboxed: bool, output: str | None, context: dict[str, Any]) -> Any:
    """cookiecutter's `create_env_with_context`, building mlscaffold's environment."""
    env_vars = context.get("cookiecutter", {}).get("_jinja2_env_vars", {})
    environment = _cookiecutter_environment(sandboxed)(
        context=context, keep_trailing_newline=True, **env_vars
    )
    environment.output = output
    return environment


@contextlib.contextmanager
def cookiecutter_run(template: Path, scratch: Path, *, trust: bool) -> Iterator[tuple[Path, Path]]:
    """Set cookiecutter up as its own `main` would, with mlscaffold's environment; yield the
    template folder to render and the folder to generate into, inside `scratch`.

    The environment is sandboxed unless trusted. A trusted template's `pre_prompt` hook runs on
    a copy of it, and that folder goes on the import path for its `_extensions`, as in
    cookiecutter. Temporary files go to `scratch`: cookiecutter leaves each hook it ran there.
    """
    from cookiecutter import generate, prompt
    from cookiecutter.hooks import run_pre_prompt_hook

    output, temporary = scratch / "output", scratch / "tmp"
    output.mkdir()
    temporary.mkdir()
    saved = prompt.create_env_with_context, generate.create_env_with_context, sys.path[:], tempfile.tempdir
    prompt.create_env_with_context = functools.partial(_environment_with_context, not trust, None)
    generate.create_env_with_context = functools.partial(_environment_with_context, not trust, str(output))
    tempfile.tempdir = str(temporary)
    try:
        if trust:
            template = Path(run_pre_prompt_hook(template))
            sys.path.append(str(template))
        yield template, output
    finally:
        prompt.create_env_with_context, generate.create_env_with_context, sys.path[:], tempfile.tempdir = (
            saved
        )


def load_cookiecutter_json(template: Path) -> dict[str, Any]:
    """cookiecutter.json within the bounds of every input: size, nesting and number of values."""
    where = "cookiecutter.json"
    try:
        data = json.loads(read_template_file(template, template / where))
    except RecursionError as error:
        raise UsageError(f"{where} nests deeper than {MAX_YAML_DEPTH} levels", "simplify the file") from error
    except ValueError as error:
        raise TemplateError(f"{where} is not valid JSON: {error}", "report the template bug") from error
    if not isinstance(data, dict):
        raise TemplateError(f"{where} is not a JSON object", "report the template bug")
    check_bounds(data, where)
    return data


def _withheld_from_cookiecutter(template: Path, defaults: dict[str, Any]) -> list[str]:
    """Drop an untrusted template's Jinja extensions; say what is withheld (its hooks never run)."""
    withheld = []
    hooks = sorted(path.name for path in (template / "hooks").glob("*") if path.is_file())
    if hooks:
        withheld.append(f"cookiecutter hooks ({', '.join(hooks)})")
    if defaults.pop("_extensions", None):
        withheld.append("Jinja extensions")
    return withheld


def _cookiecutter_context(
    template: Path, data: Mapping[str, Any], *, trust: bool
) -> tuple[dict[str, Any], list[str]]:
    """cookiecutter's context: cookiecutter.json with the answers applied, as data; and what an
    untrusted template is denied."""
    from cookiecutter.generate import apply_overwrites_to_context

    defaults = load_cookiecutter_json(template)
    skipped = [] if trust else _withheld_from_cookiecutter(template, defaults)
    try:
        apply_overwrites_to_context(defaults, as_data(data))
    except ValueError as error:
        raise InvalidAnswer(_reason(error), "use one of the template's choices") from error
    return {"cookiecutter": defaults}, skipped


def render_cookiecutter(
    template: Path, dest: Path, data: Mapping[str, Any], *, use_defaults: bool, trust: bool
) -> Rendered:
    """Render a cookiecutter template into `dest`, checked.

    cookiecutter's own steps (prompt, generate) do the work, in mlscaffold's environment:
    sandboxed, with no hooks and no Jinja extensions unless trusted; answers never rendered;
    paths checked as they are created. The render lands in a scratch folder first, and only a
    checked project folder moves to `dest`.
    """
    from cookiecutter.generate import generate_files
    from cookiecutter.prompt import prompt_for_config

    refuse_settings(data)
    with tempfile.TemporaryDirectory(prefix="mlscaffold-cookiecutter-") as scratch:
        try:
            with cookiecutter_run(template, Path(scratch), trust=trust) as (source, output):
                context, skipped = _cookiecutter_context(source, data, trust=trust)
                context["cookiecutter"] = prompt_for_config(context, no_input=use_defaults)
                context["cookiecutter"]["_template"] = str(template)
                made = Path(
                    generate_files(
                        repo_dir=str(source), context=context, output_dir=str(output), accept_hooks=trust
                    )
                )
        except MlscaffoldError:
            raise
        except Exception as error:  # cookiecutter, Jinja and the file system all raise their own.
            raise _render_failed(template, error, trust=trust, trust_lifts_sandbox=True) from error
        if list(output.iterdir()) != [made]:
            raise TemplateError("the template wrote outside its project folder", UNSAFE)
        check_render(made)
        shutil.move(made, dest)
    answers = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
    return Rendered(answers=answers, skipped=skipped)


# --- what update needs of a third-party template besides its render ---------------------------

COPIER_ANSWERS_FILE = ".copier-answers.yml"
PLAIN_TYPES = {bool: "bool", int: "int", float: "float", list: "yaml", dict: "yaml"}
JINJA_MARKS = ("{{", "{%", "{#")
ORIGIN_KEYS = ("_commit:", "_src_path:")


@dataclass(frozen=True)
class TemplateQuestion:
    """A third-party template's question, as mlscaffold asks it when a new version adds it.

    `question.default` is shown only when it is plain data (a Jinja default is the template's
    to compute); `required`: no default at all, so copier refuses to render without an answer.
    """

    question: Any  # answers.Question
    required: bool


def _choice_pairs(choices: Any) -> tuple[tuple[str, Any], ...]:
    if isinstance(choices, dict):
        return tuple((str(label), value) for label, value in choices.items())
    pairs = []
    for choice in choices or ():
        label, value = choice if isinstance(choice, (list, tuple)) and len(choice) == 2 else (choice, choice)
        pairs.append((str(label), value))
    return tuple(pairs)


def _template_question(name: str, spec: Any, *, cookiecutter: bool) -> TemplateQuestion:
    from .answers import Question

    spec = spec if isinstance(spec, dict) and not cookiecutter else {"default": spec}
    default, choices = spec.get("default"), spec.get("choices")
    if cookiecutter and isinstance(default, list):  # a cookiecutter choice: the first is the default
        choices, default = default, (default[0] if default else None)
    plain = None if isinstance(default, str) and any(mark in default for mark in JINJA_MARKS) else default
    kind = spec.get("type") or PLAIN_TYPES.get(type(default), "str")
    when = spec.get("when", True)
    question = Question(
        name=name,
        type=str(kind),
        default=plain,
        help=str(spec.get("help") or "").strip(),
        choices=_choice_pairs(choices),
        when=when if isinstance(when, bool) else True,
    )
    return TemplateQuestion(question, required="default" not in spec and when is not False)


def template_questions(template: Path, fmt: str) -> list[TemplateQuestion]:
    """The questions a third-party template asks (copier.yml, or cookiecutter.json's keys)."""
    specs = load_copier_config(template) if fmt == "copier" else load_cookiecutter_json(template)
    return [
        _template_question(name, spec, cookiecutter=fmt != "copier")
        for name, spec in specs.items()
        if not name.startswith("_")
    ]


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
            f"a task of the template failed: {_reason(error)}", "fix it and run the task yourself"
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
                f"the template's migration `{command}` does not render: {_reason(error)}",
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
