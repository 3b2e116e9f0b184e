"""Questions, answers and the answers file.

Questions come from a template's `copier.yml` (typed, with defaults, choices,
validators and help). mlscaffold asks them itself, so `-d KEY=VALUE`, an answers
file, `--defaults` and the terminal prompt all go through one validation. Answers
are data: they are never rendered as templates; only the template's own defaults
and validators are.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InvalidAnswer, MlscaffoldError, UsageError

ANSWERS_FILE = ".mlscaffold-answers.yml"
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}
TYPE_RULES = {
    "bool": "yes or no",
    "int": "a whole number",
    "float": "a number",
    "yaml": "YAML",
    "json": "JSON",
}
# What a template's defaults may use from the user's environment (see templates/_base/copier.yml),
# and how the user sets each one; copier leaves them undefined, so its render uses the placeholder.
ENVIRONMENT_SETTINGS = {
    "git_user_name": 'git config --global user.name "Your Name"',
    "git_user_email": "git config --global user.email you@example.com",
    "github_login": "git config --global github.user YOUR-LOGIN",
}
GIT_SETTINGS = {"user.name": "git_user_name", "user.email": "git_user_email", "github.user": "github_login"}


@dataclass(frozen=True)
class Question:
    """One question of a template's copier.yml."""

    name: str
    type: str = "str"
    default: Any = None
    help: str = ""
    choices: tuple[tuple[str, Any], ...] = ()
    validator: str = ""
    when: Any = True

    @property
    def computed(self) -> bool:
        """`when: false` values are derived by the template, never asked nor recorded."""
        return self.when is False

    @property
    def rule(self) -> str:
        """What the question accepts, in words: its choices, or its type and its validator's messages."""
        if self.choices:
            return "one of: " + ", ".join(str(value) for _, value in self.choices)
        rules = [TYPE_RULES.get(self.type, ""), *validator_messages(self.validator)]
        return "; ".join(rule for rule in rules if rule) or "any text"

    @property
    def environment_keys(self) -> list[str]:
        """The environment values its default uses (`git_user_name`, ...), if any."""
        return [key for key in ENVIRONMENT_SETTINGS if key in str(self.default)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "default": self.default,
            "choices": [value for _, value in self.choices],
            "help": self.help,
        }


@dataclass(frozen=True)
class AnswersRecord:
    """What the answers file at a project's root records."""

    template: str
    version: str
    source: str
    answers: dict[str, Any] = field(default_factory=dict)
    format: str = "builtin"
    directory: str = ""
    # Rendered with --trust (hooks, tasks, extensions ran): an update must be trusted too.
    trust: bool = False


def _regex_search(value: str, pattern: str) -> str | None:
    match = re.search(pattern, str(value))
    return match.group(0) if match else None


def _strftime(fmt: str) -> str:
    return time.strftime(fmt)


@functools.cache
def _environment() -> Any:
    """The sandbox that renders a template's own defaults and validators (never answers).

    Built on first use: `check` and `list` never need Jinja.
    """
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(keep_trailing_newline=False)
    env.filters["regex_search"] = _regex_search
    env.filters["strftime"] = _strftime
    return env


def _render(source: str, context: Mapping[str, Any]) -> str:
    return _environment().from_string(source).render(**context)


def validator_messages(validator: str) -> list[str]:
    """The messages a validator can give: the text between its tags, rendered with only the
    validator's own `{% set %}` values (a list of choices shows; an answer shows as nothing)."""
    from jinja2 import TemplateError

    values = "".join(re.findall(r"\{%-?\s*set\s.*?%\}", validator, flags=re.DOTALL))
    text = re.sub(r"\{#.*?#\}", "", validator, flags=re.DOTALL)
    messages = []
    for piece in re.split(r"\{%.*?%\}", text, flags=re.DOTALL):
        try:
            shown = _render(values + piece, {})
        except TemplateError:
            shown = re.sub(r"\{\{.*?\}\}", "", piece, flags=re.DOTALL)
        if shown := " ".join(shown.split()):
            messages.append(shown)
    return messages


def user_environment() -> dict[str, str]:
    """What defaults may take from the user's environment: git's identity and GitHub login.

    The GitHub login comes from `git config github.user`, else from the GitHub CLI's
    configuration. Missing git or files simply leave the values out.
    """
    values = _git_settings()
    if "github_login" not in values and (login := _github_cli_login()):
        values["github_login"] = login
    return values


def _git_settings() -> dict[str, str]:
    """user.name, user.email and github.user from git's system and global configuration."""
    from .lineage import user_settings  # only lineage runs git

    return {GIT_SETTINGS[key]: value for key, value in user_settings(*GIT_SETTINGS).items()}


def github_cli_host(host: str = "github.com") -> dict[str, Any]:
    """What `gh auth login` recorded for `host` in the GitHub CLI's hosts.yml (empty if nothing)."""
    if folder := os.environ.get("GH_CONFIG_DIR"):
        hosts = Path(folder) / "hosts.yml"
    else:
        config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        hosts = Path(config) / "gh" / "hosts.yml"
    if not hosts.is_file():
        return {}
    try:
        data = parse_yaml(read_text(hosts, limit=1 << 16), str(hosts))
    except MlscaffoldError:
        return {}
    entry = data.get(host) if isinstance(data, dict) else None
    return entry if isinstance(entry, dict) else {}


def _github_cli_login() -> str:
    """The login `gh auth login` recorded for github.com."""
    login = github_cli_host().get("user")
    return login.strip() if isinstance(login, str) else ""


# libyaml's parser when present: pure-Python YAML parsing is a visible part of `new`.
YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Bounds on every YAML input (answers files, recorded answers, copier.yml): a few hundred bytes
# of nested aliases expand to billions of nodes, so the expanded size is counted before loading.
MAX_YAML_BYTES = 1 << 20
MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64
CONFLICT_MARKERS = ("<<<<<<< ", ">>>>>>> ")


def _expanded_size(text: str, where: str) -> None:
    """Count the nodes `text` expands to (aliases counted in full) and its nesting, from events only."""
    anchored: dict[str, int] = {}
    frames: list[list[Any]] = [[None, 0]]  # [anchor, nodes so far] per open collection
    total = 0
    for event in yaml.parse(text, Loader=YamlLoader):
        if isinstance(event, yaml.CollectionStartEvent):
            frames.append([event.anchor, 1])
            if len(frames) > MAX_YAML_DEPTH:
                raise UsageError(f"{where} nests deeper than {MAX_YAML_DEPTH} levels", "simplify the file")
            continue
        if isinstance(event, yaml.CollectionEndEvent):
            anchor, size = frames.pop()
        elif isinstance(event, yaml.ScalarEvent):
            anchor, size = event.anchor, 1
        elif isinstance(event, yaml.AliasEvent):
            anchor, size = None, anchored.get(event.anchor or "", 1)
        else:
            continue
        if anchor:
            anchored[anchor] = size
        frames[-1][1] += size
        total += size
        if total > MAX_YAML_NODES:
            raise UsageError(
                f"{where} expands to more than {MAX_YAML_NODES} values (nested YAML aliases?)",
                "write the values out instead of aliasing them",
            )


def parse_yaml(text: str, where: str) -> Any:
    """Parse untrusted YAML with bounds on size, alias expansion and depth; errors name `where`."""
    if len(text) > MAX_YAML_BYTES:
        raise UsageError(f"{where} is larger than {MAX_YAML_BYTES >> 20} MiB", "is it the right file?")
    if any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines(keepends=True)):
        raise UsageError(
            f"{where} holds git conflict markers", "resolve the <<<<<<< ======= >>>>>>> lines first"
        )
    try:
        _expanded_size(text, where)
        return yaml.load(text, Loader=YamlLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise UsageError(f"{where} is not valid YAML{line}: {problem}", "fix the file") from error


def read_text(path: Path, limit: int = MAX_YAML_BYTES) -> str:
    """A small text file, refused (not read whole) when it is over `limit` bytes."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}", "check the path") from error
    if len(raw) > limit:
        raise UsageError(f"{path} is larger than {limit >> 10} KiB", "is it the right file?")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UsageError(f"{path} is not UTF-8 text", "save it as UTF-8") from error


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping file, parsed once per process and version (copier.yml is read by several steps)."""
    stat = path.stat()
    return _read_yaml(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _read_yaml(path: Path, mtime_ns: int, size: int) -> dict[str, Any]:
    data = parse_yaml(read_text(path), str(path)) or {}
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a YAML mapping", "fix the file")
    return data


def load_questions(copier_files: Iterable[Path]) -> list[Question]:
    """The questions of one or more copier.yml files, in order; later files add or override."""
    merged: dict[str, Question] = {}
    for path in copier_files:
        for name, value in read_yaml(path).items():
            if name.startswith("_"):
                continue
            merged[name] = _question(name, value)
    return list(merged.values())


def _question(name: str, spec: Any) -> Question:
    if not isinstance(spec, dict):
        return Question(name=name, type=_type_of(spec), default=spec)
    choices = spec.get("choices") or ()
    if isinstance(choices, dict):
        pairs = tuple((str(label), value) for label, value in choices.items())
    else:
        pairs = tuple((str(value), value) for value in choices)
    return Question(
        name=name,
        type=spec.get("type", _type_of(spec.get("default"))),
        default=spec.get("default"),
        help=str(spec.get("help", "")).strip(),
        choices=pairs,
        validator=str(spec.get("validator", "")),
        when=spec.get("when", True),
    )


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, (list, dict)):
        return "yaml"
    return "str"


def parse_data(items: Iterable[str]) -> dict[str, str]:
    """`-d KEY=VALUE` options as a dict; a malformed one is an error that shows the form."""
    data: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip().isidentifier():
            raise UsageError(f"malformed -d {item!r}", "use -d KEY=VALUE, e.g. -d task=regression")
        data[key.strip()] = value
    return data


def cast(question: Question, value: Any) -> Any:
    """Convert a value (a string from the command line, or YAML data) to the question's type."""
    kind = question.type
    try:
        if kind == "bool":
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                return word in TRUE_WORDS
            raise ValueError(value)
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError(value)
            return int(value)
        if kind == "float":
            return float(value)
        if kind in {"yaml", "json"}:
            return parse_yaml(value, f"-d {question.name}") if isinstance(value, str) else value
        return str(value)
    except (TypeError, ValueError, yaml.YAMLError) as error:
        raise InvalidAnswer(
            f"{question.name}={value!r} is not a valid {kind}",
            f"pass -d {question.name}=<{kind}>",
        ) from error


def validate(question: Question, value: Any, context: Mapping[str, Any]) -> None:
    """Check choices and the template's validator; raise InvalidAnswer saying the rule."""
    if question.choices and value not in [choice for _, choice in question.choices]:
        allowed = ", ".join(str(choice) for _, choice in question.choices)
        raise InvalidAnswer(
            f"{question.name}={value!r} is not one of the choices",
            f"use one of: {allowed}",
        )
    if question.validator:
        message = _render(question.validator, {**context, question.name: value}).strip()
        if message:
            raise InvalidAnswer(
                f"{question.name}={value!r} {message}", f"pass a valid -d {question.name}=..."
            )


def default_value(
    question: Question, context: Mapping[str, Any], environment: Mapping[str, str] | None = None
) -> Any:
    """The question's default, rendered against the answers so far (and the user's environment).

    A value from the environment that breaks the question's rule (an odd `git config
    user.email`) gives way to the template's own default instead of stopping `--defaults`.
    """
    if environment and question.environment_keys:
        value = _default(question, {**environment, **context})
        try:
            validate(question, value, context)
            return value
        except InvalidAnswer:
            pass
    return _default(question, context)


def _default(question: Question, context: Mapping[str, Any]) -> Any:
    default = question.default
    if isinstance(default, str) and ("{{" in default or "{%" in default):
        default = _render(default, context)
    elif isinstance(default, (list, dict)):
        return default
    return None if default is None else cast(question, default)


def is_asked(question: Question, context: Mapping[str, Any]) -> bool:
    when = question.when
    if isinstance(when, str):
        return _render(when, context).strip().lower() not in FALSE_WORDS | {""}
    return bool(when)


Ask = Callable[[Question, Any, "str | None"], Any]


def resolve(
    questions: list[Question],
    given: Mapping[str, Any],
    *,
    use_defaults: bool,
    ask: Ask | None = None,
    environment: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every question's value: given, else its default (`use_defaults` or no prompt), else asked.

    Computed (`when: false`) values are included, so the caller can pass them to the
    renderer; `recorded_answers` drops them again before they are written down. Defaults
    may use `environment` (by default the user's: see `user_environment`).
    """
    environment = user_environment() if environment is None else environment
    names = {question.name for question in questions}
    unknown = sorted(set(given) - names)
    if unknown:
        asked = ", ".join(q.name for q in questions if not q.computed)
        raise UsageError(f"unknown question(s): {', '.join(unknown)}", f"this template asks: {asked}")
    values: dict[str, Any] = {}
    for question in questions:
        if question.name in given and not question.computed:
            value = cast(question, given[question.name])
            validate(question, value, values)
        elif question.computed or use_defaults or ask is None or not is_asked(question, values):
            value = default_value(question, values, environment)
            if not question.computed:
                validate(question, value, values)
        else:
            value = _ask_until_valid(question, default_value(question, values, environment), values, ask)
        values[question.name] = value
    return values


def _ask_until_valid(question: Question, default: Any, values: Mapping[str, Any], ask: Ask) -> Any:
    error: str | None = None
    while True:
        try:
            value = cast(question, ask(question, default, error))
            validate(question, value, values)
            return value
        except InvalidAnswer as invalid:
            error = str(invalid)


def placeholders(questions: list[Question], answers: Mapping[str, Any]) -> dict[str, str]:
    """Answers still at the template's placeholder where the environment had nothing to offer.

    Maps each such question to the command that sets the value for the next project.
    """
    found: dict[str, str] = {}
    for question in questions:
        keys = question.environment_keys
        if keys and question.name in answers and answers[question.name] == _default(question, answers):
            found[question.name] = ENVIRONMENT_SETTINGS[keys[0]]
    return found


def recorded_answers(questions: list[Question], values: Mapping[str, Any]) -> dict[str, Any]:
    """The values worth writing down: everything but computed ones."""
    return {q.name: values[q.name] for q in questions if not q.computed and q.name in values}


def read_answers_input(path: Path) -> dict[str, Any]:
    """Answers given as a YAML file: a plain mapping, or another project's answers file."""
    data = parse_yaml(read_text(path), f"answers file {path}") or {}
    answers = data.get("answers", data) if isinstance(data, dict) else data
    if not isinstance(answers, dict) or not all(isinstance(key, str) for key in answers):
        raise UsageError(f"answers file {path} is not a mapping", "write one KEY: VALUE per line")
    return {key: value for key, value in answers.items() if not key.startswith("_")}


def write_record(project: Path, record: AnswersRecord) -> Path:
    path = project / ANSWERS_FILE
    header = (
        "# Written by mlscaffold: the template this project was generated from and your answers.\n"
        "# `mlscaffold update` reads it; change answers with `mlscaffold update -d KEY=VALUE`.\n"
    )
    body: dict[str, Any] = {"template": record.template, "version": record.version, "source": record.source}
    if record.format != "builtin":
        body["format"] = record.format
    if record.directory:
        body["directory"] = record.directory
    if record.trust:
        body["trust"] = True
    body["answers"] = record.answers
    path.write_text(header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


RECORD_FIELDS: dict[str, tuple[type, ...]] = {
    "template": (str,),
    "version": (str, int, float),
    "source": (str,),
    "format": (str,),
    "directory": (str,),
    "trust": (bool,),
    "answers": (dict, type(None)),
}
FORMATS = ("builtin", "copier", "cookiecutter")


def read_record(project: Path) -> AnswersRecord:
    """The project's answers file, checked key by key: a broken one is one line naming the key."""
    path = project / ANSWERS_FILE
    if not path.is_file():
        raise UsageError(f"{project} has no {ANSWERS_FILE}", "run this in a project made by `mlscaffold new`")
    remedy = f"fix {ANSWERS_FILE} (`git checkout -- {ANSWERS_FILE}` restores the committed one)"
    try:
        data = parse_yaml(read_text(path), ANSWERS_FILE)
    except UsageError as error:
        raise UsageError(error.message, remedy) from error
    if not isinstance(data, dict):
        raise UsageError(f"{ANSWERS_FILE} is not a mapping of template, version, source, answers", remedy)
    for key, kinds in RECORD_FIELDS.items():
        value = data.get(key)
        # YAML reads `yes` as a bool, and a bool is an int to isinstance: only `trust` may be one.
        if key in data and (not isinstance(value, kinds) or isinstance(value, bool) != (bool in kinds)):
            raise UsageError(f"{ANSWERS_FILE}: {key!r} is not a {kinds[0].__name__}", remedy)
    for key in ("template", "version"):
        if not str(data.get(key, "")).strip():
            raise UsageError(f"{ANSWERS_FILE} has no {key!r}", remedy)
    answers = data.get("answers") or {}
    if not all(isinstance(key, str) and key.isidentifier() for key in answers):
        raise UsageError(f"{ANSWERS_FILE}: every answer needs a name (an identifier)", remedy)
    if data.get("format", "builtin") not in FORMATS:
        raise UsageError(f"{ANSWERS_FILE}: 'format' must be one of {', '.join(FORMATS)}", remedy)
    return AnswersRecord(
        template=data["template"],
        version=str(data["version"]),
        source=data.get("source", "builtin"),
        answers=dict(answers),
        format=data.get("format", "builtin"),
        directory=data.get("directory", ""),
        trust=data.get("trust", False),
    )
