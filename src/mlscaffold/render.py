"""Templates to folders, and what every render must be: the shared part of rendering.

Built-in templates are composed from `_base/` and a specialization and rendered by
`builtin_render` (copier renders the same composition identically: `compose`, `render`).
Third-party templates are rendered by `render_copier` and `render_cookiecutter`, the only
modules besides this one that know copier and cookiecutter. This one reads their specs within
bounds (`copier.yml` with its includes, `cookiecutter.json`), and checks every render before
anything else touches it: nothing but files and folders inside the project, none a `.git`.

Third-party templates are someone else's text, untrusted unless the user says otherwise: their
Jinja runs in a sandbox, and no tasks, migrations, hooks or Jinja extensions run. Trusted or
not, answers are never rendered as templates.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from .answers import MAX_YAML_DEPTH, MAX_YAML_NODES, YamlLoader, read_text, read_yaml
from .catalog import Template, base_path
from .errors import InvalidAnswer, TemplateError, UsageError

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


def path_without_git() -> str:
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
        with local.env(PATH=path_without_git()):
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


def error_reason(error: BaseException) -> str:
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


def render_failed(
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
            f"{template.name} needs what the template sandbox forbids ({error_reason(refusal)})",
            f"nothing was written; {remedy}",
        )
    remedy = (
        "check the answers and the template"
        if trust
        else "check the answers; if the template needs what untrusted templates are denied "
        "(hooks, tasks, Jinja extensions, filters that read files or the environment), "
        "pass --trust if you trust it"
    )
    return TemplateError(f"rendering {template.name} failed: {error_reason(error)}", remedy)


# Settings copier joins across the documents of copier.yml instead of letting the last one win.
COPIER_JOINED = ("_exclude", "_jinja_extensions", "_secret_questions", "_skip_if_exists")
COPIER_TYPES = ("bool", "float", "int", "json", "str", "yaml", "path")
MAX_INCLUDES = 64


def copier_config_files(template: Path) -> list[Path]:
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
    files = copier_config_files(template)
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
            f"{where} is not valid YAML: {error_reason(error)}", "report the template bug"
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


PLAIN_TYPES = {bool: "bool", int: "int", float: "float", list: "yaml", dict: "yaml"}
JINJA_MARKS = ("{{", "{%", "{#")


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
