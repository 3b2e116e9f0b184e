"""The `mlscaffold` command: parse arguments, call one library function, print the result.

Exit codes: 0 success, 1 error (or `check`: an update exists), 2 bad input, 3 update
conflicts to resolve, 4 push failed (project kept), 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from . import __version__, catalog
from .errors import MlscaffoldError

# What the running command has already done, for an interrupt that comes while it prints the
# result: "nothing was written" would then be false.
finished: list[str] = []

app = typer.Typer(
    name="mlscaffold",
    help="Generate ready-to-run machine-learning portfolio projects, and keep them up to date.",
    no_args_is_help=True,
    # Plain help: typer's rich help pulls in a Markdown parser, a tenth of a second on every --help.
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        out.print(f"mlscaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Generate ready-to-run machine-learning portfolio projects, and keep them up to date."""


@app.command("list")
def list_templates(
    as_json: Annotated[bool, typer.Option("--json", help="Print every field as JSON.")] = False,
) -> None:
    """Show the templates: one per specialization, then those installed plugins add."""
    templates = catalog.builtin_templates() + catalog.plugin_templates()
    if as_json:
        out.print_json(json.dumps([template.as_dict() for template in templates]))
        return
    from rich.table import Table

    # Three columns that fit 80: names never break, the summary is cut with an ellipsis.
    table = Table(box=None, pad_edge=False, header_style="bold")
    table.add_column("template", no_wrap=True)
    table.add_column("alias", no_wrap=True)
    table.add_column("what you get", no_wrap=True, overflow="ellipsis")
    for template in templates:
        table.add_row(template.name, template.alias, template.summary)
    out.print(table, soft_wrap=False)
    out.print("Details: mlscaffold info TEMPLATE; every field: mlscaffold list --json", markup=False)
    out.print("Create one: mlscaffold new TEMPLATE DEST (or a folder, git URL, gh:OWNER/REPO)", markup=False)


def _shown(value: Any) -> str:
    """A value as it would be typed after -d: yes/no for booleans."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@app.command()
def info(
    template: Annotated[str, typer.Argument(help="Template name or alias.")],
    data: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="An answer, as KEY=VALUE: the defaults that follow from it."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a template's questions, each with the default `new` would use and the rule it checks."""
    from .answers import load_questions, parse_data, resolve
    from .render import copier_files

    found = catalog.find_template(template)
    questions = load_questions(copier_files(found))
    defaults = resolve(questions, parse_data(data or []), use_defaults=True)
    asked = [q for q in questions if not q.computed]
    if as_json:
        rows = [{**q.as_dict(), "default": defaults[q.name], "rule": q.rule} for q in asked]
        payload = {**found.as_dict(), "produces": found.produces, "questions": rows}
        out.print_json(json.dumps(payload, default=str))
        return
    from rich.padding import Padding

    heading = f"[bold]{escape(found.name)}[/] ({escape(found.alias)}): {escape(found.description)}\n"
    out.print(heading, soft_wrap=False)
    out.print(found.produces + "\n", markup=False, soft_wrap=False)
    out.print("Questions (answer with -d NAME=VALUE), each with its default and its rule:\n")
    for q in asked:
        out.print(f"[bold]{escape(q.name)}[/] = {escape(_shown(defaults[q.name]))}")
        out.print(Padding(f"{escape(q.help)}\n[dim]{escape(q.rule)}[/]", (0, 0, 0, 4)), soft_wrap=False)


def _prompt(question: Any, default: Any, error: str | None) -> Any:
    from rich.prompt import Prompt

    if error:
        err.print(f"[red]{escape(error)}[/]")
    choices = [str(value) for _, value in question.choices] or None
    shown = "" if default is None else str(default).lower() if isinstance(default, bool) else str(default)
    return Prompt.ask(
        f"{question.help or question.name} [dim]({question.name})[/]", default=shown, choices=choices
    )


# Options `new` and `update` share.
VcsRefOption = Annotated[
    str | None, typer.Option("--vcs-ref", help="Git template: tag, branch or commit (default: newest tag).")
]
TrustOption = Annotated[
    bool, typer.Option("--trust", help="Run a third-party template's tasks, hooks and extensions.")
]


@app.command()
def new(
    template: Annotated[str, typer.Argument(help="Template name or alias (see `mlscaffold list`).")],
    dest: Annotated[Path, typer.Argument(help="Folder to create; must be missing or empty.")],
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="An answer, as KEY=VALUE (repeatable).")
    ] = None,
    answers_file: Annotated[
        Path | None, typer.Option("--answers-file", help="YAML file of answers (KEY: VALUE).")
    ] = None,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="Use defaults for every unanswered question.")
    ] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Do not create a git repository.")] = False,
    remote: Annotated[
        str | None, typer.Option("--remote", help="Set this URL as the `origin` remote.")
    ] = None,
    push: Annotated[
        bool, typer.Option("--push", help="Push main to the remote after the first commit.")
    ] = False,
    vcs_ref: VcsRefOption = None,
    directory: Annotated[
        str, typer.Option("--directory", help="Third-party template: the sub-folder that holds it.")
    ] = "",
    trust: TrustOption = False,
) -> None:
    """Generate a project from a template into DEST, with a git repository and a first commit.

    TEMPLATE is a built-in name or alias, a plugin's template, a local folder, a git URL,
    or gh:OWNER/REPO / gl:OWNER/REPO.
    """
    from .scaffold import new_project

    interactive = not defaults and sys.stdin.isatty()
    project = new_project(
        template,
        dest,
        data=data or [],
        answers_file=answers_file,
        use_defaults=defaults or not interactive,
        git=not no_git,
        remote=remote,
        push=push,
        ask=_prompt if interactive else None,
        vcs_ref=vcs_ref,
        directory=directory,
        trust=trust,
    )
    finished.append(f"{project.path} was created")
    record = project.record
    out.print(f"[green]Created[/] {project.path} from {record.template} {record.version}")
    for skipped in project.skipped:
        out.print(f"[yellow]Skipped {skipped}[/]: the template is not trusted; pass --trust to allow them")
    if project.commit:
        who = project.commit.identity
        out.print(f"git: branch main, commit {project.commit.sha[:8]} by {who.name} <{who.email}>")
        if project.commit.fallback:
            out.print(
                "[yellow]No git identity is configured, so the commit uses the author answers.[/] "
                'Set yours with: git config --global user.name "Your Name" && '
                "git config --global user.email you@example.com"
            )
    if project.pushed:
        out.print(f"Pushed main to {remote}")
    if record.source == "builtin":
        _warn_placeholders(record.template, record.answers)
        out.print(
            f"Next: cd {project.path} && python -m venv .venv && . .venv/bin/activate && "
            f'pip install -e ".[dev]" && {record.answers["package_name"]} train',
            markup=False,
        )


def _warn_placeholders(template: str, answers: dict[str, Any]) -> None:
    """One line when a placeholder ("Your Name") reached the project, and how to set the real value."""
    from .answers import load_questions, placeholders
    from .render import copier_files

    found = placeholders(load_questions(copier_files(catalog.find_template(template))), answers)
    if found:
        settings = "; ".join(dict.fromkeys(found.values()))
        out.print(
            f"[yellow]Placeholders written:[/] {escape(', '.join(found))}. Set yours with: "
            f"{escape(settings)}; then fix this project: mlscaffold update -d NAME=VALUE",
            soft_wrap=True,
        )


@app.command()
def update(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
    data: Annotated[
        list[str] | None, typer.Option("--data", "-d", help="Change an answer, as KEY=VALUE (repeatable).")
    ] = None,
    defaults: Annotated[bool, typer.Option("--defaults", help="Use defaults for new questions.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and the diff; change nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    vcs_ref: VcsRefOption = None,
    trust: TrustOption = False,
) -> None:
    """Merge the newest template (and changed answers) into the project, keeping every edit of yours."""
    from .update import CONFLICTS, PLANNED, UP_TO_DATE, update_project

    interactive = not defaults and sys.stdin.isatty() and not as_json
    result = update_project(
        path,
        data=data or [],
        use_defaults=not interactive,
        ask=_prompt if interactive else None,
        dry_run=dry_run,
        vcs_ref=vcs_ref,
        trust=trust,
    )
    if result.commit:
        finished.append(f"the update was committed as {result.commit[:8]}")
    if as_json:
        out.print_json(json.dumps(result.as_dict()))
    elif result.status == UP_TO_DATE:
        out.print(f"Already up to date with {result.template} {result.to_version}.")
    else:
        verb = "would change" if result.status == PLANNED else "changed"
        out.print(f"{result.template} {result.from_version} -> {result.to_version}: {verb}", markup=False)
        for name, (old, new) in result.changed_answers.items():
            out.print(f"  answer {name}: {old!r} -> {new!r}", markup=False)
        for name in result.new_questions:
            out.print(f"  new question {name}", markup=False)
        for skipped in result.skipped:
            out.print(f"  skipped {skipped}: not trusted; pass --trust to allow them", markup=False)
        for status, changed in result.changes:
            out.print(f"  {status} {changed}", markup=False)
        for kept in result.kept:
            out.print(f"  kept {kept}: the template dropped it, but you changed it", markup=False)
        for gone in result.kept_deleted:
            out.print(f"  left deleted {gone}: you deleted it; the template changed it", markup=False)
        if result.status == PLANNED:
            out.print(result.diff, markup=False, highlight=False)
            if result.conflicts:
                out.print(f"would conflict: {', '.join(result.conflicts)}", markup=False)
        elif result.commit:
            out.print(f"Committed the update as {result.commit[:8]}.")
    if result.status == CONFLICTS:
        err.print(
            f"conflicts in {', '.join(result.conflicts)}: resolve the <<<<<<< markers, "
            "`git add` the files, then `git commit` (or `git merge --abort`)",
            markup=False,
        )
        raise typer.Exit(3)


@app.command()
def publish(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
    name: Annotated[
        str | None, typer.Option("--name", help="Repository name (default: the project name).")
    ] = None,
    private: Annotated[bool, typer.Option("--private", help="Create a private repository.")] = False,
    homepage: Annotated[
        str | None,
        typer.Option("--homepage", help="The repository's website; default: the Space the README links."),
    ] = None,
    api_url: Annotated[
        str, typer.Option("--api-url", help="GitHub's REST API (GitHub Enterprise: https://HOST/api/v3).")
    ] = "https://api.github.com",
) -> None:
    """Create the project's GitHub repository (description, topics), add it as origin, push main.

    The token comes from GH_TOKEN, GITHUB_TOKEN or `gh auth login`; it is never printed or saved.
    """
    from .publish import publish as publish_project

    result = publish_project(path, name=name, private=private, api_url=api_url, homepage=homepage)
    finished.append(f"{result.url} was created and main pushed")
    visibility = "private" if result.private else "public"
    out.print(f"[green]Published[/] {escape(result.url)} ({visibility}); pushed main to origin")
    if result.topics:
        out.print(f"topics: {', '.join(result.topics)}", markup=False)
    if result.topics_error:
        out.print(f"[yellow]Topics not set[/] ({escape(result.topics_error)}); add them on GitHub")


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
) -> None:
    """Exit 0 when the project is on the newest template version, 1 when an update exists."""
    from .update import check_project

    result = check_project(path)
    if result.up_to_date:
        out.print(f"{result.template} {result.current} is the newest version.", markup=False)
        return
    out.print(
        f"{result.template} {result.current} -> {result.latest} available: run `mlscaffold update`",
        markup=False,
    )
    raise typer.Exit(1)


@app.command()
def diff(
    path: Annotated[Path, typer.Argument(help="The project (default: here).")] = Path("."),
    stat: Annotated[bool, typer.Option("--stat", help="Only a summary per file.")] = False,
) -> None:
    """Show what you changed relative to the pristine template render."""
    from .update import diff_project

    text = diff_project(path, stat=stat)
    out.print(text or "No changes from the pristine render.", markup=False, highlight=False)


INTERRUPTED = 130
INTERRUPTED_MESSAGE = "interrupted: nothing was written"


def click_errors() -> tuple[type[Exception], type[Exception]]:
    """The usage-error base class and the abort class of the click that typer runs on.

    typer before 0.2x runs on the `click` package, later ones on their own copy
    (`typer._click`), whose classes the `click` package's never match. typer re-exports
    `BadParameter` and `Abort` from whichever it uses, so the classes come from there.
    """
    usage_base = next(cls for cls in typer.BadParameter.__mro__ if cls.__name__ == "ClickException")
    return usage_base, typer.Abort


class CarriedInterrupt(Exception):
    """A Ctrl-C or Ctrl-D inside a command, carried past typer, which would make it a bare exit 130
    and lose what the command had to say (an `Interrupted` error names what was kept)."""

    def __init__(self, interrupt: BaseException) -> None:
        super().__init__(str(interrupt))
        self.interrupt = interrupt


def _interrupt_behind(error: BaseException) -> BaseException | None:
    """The Ctrl-C or signal an error was raised from, if any: Python 3.11 wraps one that lands in
    a class's `__set_name__` while a module imports in a RuntimeError."""
    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, KeyboardInterrupt):
        cause = cause.__cause__
    return cause


def _carrying_interrupts(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)  # typer reads the parameters through the wrapper
    def run_command(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (KeyboardInterrupt, EOFError) as interrupt:
            raise CarriedInterrupt(interrupt) from interrupt
        except Exception as error:
            interrupt = _interrupt_behind(error)
            if interrupt is None:
                raise
            raise CarriedInterrupt(interrupt) from error

    return run_command


for _command in app.registered_commands:  # every command above
    _command.callback = _carrying_interrupts(_command.callback)


def interrupted(interrupt: BaseException | None = None) -> int:
    """Ctrl-C or Ctrl-D: one line and exit 130; an mlscaffold `Interrupted` error words it itself.

    On a terminal the line starts afresh: the cursor may still be after a prompt's `^C`.
    """
    if err.is_terminal:
        err.print()
    if isinstance(interrupt, MlscaffoldError):
        err.print(str(interrupt), markup=False)
        return interrupt.exit_code
    err.print(f"interrupted after {finished[-1]}" if finished else INTERRUPTED_MESSAGE, markup=False)
    return INTERRUPTED


def run(args: list[str] | None = None) -> int:
    """Run the command line and return its exit code; every error is one line or click's usage message."""
    from .guard import interrupts_as_keyboard_interrupt

    usage_error, abort = click_errors()
    try:
        with interrupts_as_keyboard_interrupt():  # SIGTERM and SIGHUP at a prompt act as Ctrl-C
            code = app(args=args, standalone_mode=False)  # a typer.Exit's code instead of exiting
    except CarriedInterrupt as carried:
        return interrupted(carried.interrupt)
    except MlscaffoldError as error:
        err.print(f"[red]error:[/] {escape(str(error))}")
        return error.exit_code
    except (KeyboardInterrupt, EOFError, abort):  # outside a command (older typer: abort)
        return interrupted()
    except usage_error as error:  # a missing argument, an unknown option: usage, one line, exit 2
        error.show()
        return error.exit_code
    if code == INTERRUPTED:  # typer 0.2x turns a Ctrl-C outside a command into a bare `Exit(130)`
        return interrupted()
    return code if isinstance(code, int) else 0


def main() -> None:
    """Console entry point (`mlscaffold`, `python -m mlscaffold`)."""
    sys.exit(run())


if __name__ == "__main__":
    main()
