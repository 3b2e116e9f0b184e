"""The installed `mlscaffold` console script at its edges: usage errors, Ctrl-C and Ctrl-D."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
import typer

from mlscaffold.cli import app

SCRIPT = Path(sys.executable).parent / "mlscaffold"
COMMANDS = typer.main.get_command(app).commands  # every command, so a new one is covered too


def console_script(
    *args: str | Path, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the installed entry point, as a user's shell would."""
    return subprocess.run(
        [str(SCRIPT), *map(str, args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def assert_usage_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit 2, no traceback, and click's short usage message (or its one-line error) on stderr."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("Usage: ") or len(lines) == 1, result.stderr
    assert len(lines) <= 4 and lines[-1].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in result.stderr


def test_the_console_script_is_installed() -> None:
    assert SCRIPT.is_file(), "install the project (pip install -e .) to get the mlscaffold script"


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unknown_option_is_a_usage_error_for_every_command(command, git_env, tmp_path) -> None:
    result = console_script(command, "--bogus", env=git_env, cwd=tmp_path)
    assert_usage_error(result, "No such option: --bogus", f"mlscaffold {command} --help")


@pytest.mark.parametrize(
    "command", sorted(name for name, cmd in COMMANDS.items() if any(p.required for p in cmd.params))
)
def test_a_missing_argument_is_a_usage_error_for_every_command(command, git_env, tmp_path) -> None:
    result = console_script(command, env=git_env, cwd=tmp_path)
    assert_usage_error(result, "Missing argument")


def test_every_command_with_a_required_argument_is_covered() -> None:
    required = {name for name, cmd in COMMANDS.items() if any(p.required for p in cmd.params)}
    assert required == {"new", "info"}


def test_new_with_a_template_but_no_destination_names_dest(git_env, tmp_path) -> None:
    assert_usage_error(console_script("new", "tabular", env=git_env, cwd=tmp_path), "Missing argument 'DEST'")


def test_an_unknown_command_or_top_level_option_is_a_usage_error(git_env, tmp_path) -> None:
    assert_usage_error(console_script("bogus", env=git_env, cwd=tmp_path), "No such command 'bogus'")
    assert_usage_error(console_script("--bogus", env=git_env, cwd=tmp_path), "No such option: --bogus")


def test_a_bad_option_value_is_a_usage_error(git_env, tmp_path) -> None:
    result = console_script("new", "tabular", tmp_path / "p", "--defaults=maybe", env=git_env, cwd=tmp_path)
    assert_usage_error(result)
    assert not (tmp_path / "p").exists()


def test_no_arguments_shows_the_usage_and_the_commands(git_env, tmp_path) -> None:
    result = console_script(env=git_env, cwd=tmp_path)
    assert result.returncode in (0, 2) and "Traceback" not in result.stderr
    assert "Commands" in result.stdout + result.stderr


def read_until(fd: int, needle: bytes, timeout: float = 60) -> bytes:
    """What the terminal shows until `needle` appears (or the program ends, or time runs out)."""
    screen, deadline = b"", time.monotonic() + timeout
    while needle not in screen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the program closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    return screen


def make_controlling_terminal() -> None:
    """In the child: a session of its own whose terminal is the pty, so Ctrl-C sends SIGINT."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


@pytest.mark.parametrize(("key", "name"), [(b"\x03", "Ctrl-C"), (b"\x04", "Ctrl-D")])
def test_ctrl_c_or_ctrl_d_at_a_prompt_is_one_line_and_exit_130(key, name, git_env, tmp_path) -> None:
    dest = tmp_path / "p"
    controller, terminal = pty.openpty()
    process = subprocess.Popen(
        [str(SCRIPT), "new", "tabular", str(dest)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env={**git_env, "TERM": "dumb"},
        cwd=tmp_path,
        preexec_fn=make_controlling_terminal,  # Ctrl-C reaches only a terminal's own session
    )
    os.close(terminal)
    try:
        screen = read_until(controller, b"(project_name)")
        assert b"(project_name)" in screen, screen.decode(errors="replace")
        os.write(controller, key)
        screen += read_until(controller, b"\0", timeout=30)
        code = process.wait(timeout=30)
    finally:
        process.kill()
        os.close(controller)
    text = screen.decode(errors="replace")
    assert code == 130, f"{name}: {text}"
    assert "Traceback" not in text
    [line] = [line for line in text.splitlines() if "interrupted" in line]
    assert line.startswith("interrupted: nothing was written"), text  # (a remedy may follow)
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "nothing may be written"


def test_a_signal_python_wrapped_while_a_module_imported_is_still_one_line_and_exit_130(
    monkeypatch, capsys
) -> None:
    """A SIGTERM that lands in a class's `__set_name__` (a dataclass field, as a module imports)
    reaches the command as the RuntimeError Python 3.11 wraps it in, not as the interrupt."""
    from mlscaffold import catalog, cli
    from mlscaffold.guard import Interrupt

    class Field:
        def __set_name__(self, owner: type, name: str) -> None:
            raise Interrupt("SIGTERM")  # what guard's handler raises mid-import

    def import_a_module() -> list:
        type("Transaction", (), {"merge_files": Field()})
        return []

    monkeypatch.setattr(catalog, "builtin_templates", import_a_module)
    assert cli.run(["list"]) == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.strip().startswith("interrupted"), err
