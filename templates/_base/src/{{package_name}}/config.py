"""Typed configuration: a YAML file read into dataclasses, with `key=value` overrides.

Keeping every hyper-parameter in one dataclass (and one YAML file per profile)
means a run folder's `config.yaml` is enough to reproduce it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


class ConfigError(ValueError):
    """A config file or override that does not fit the config dataclass."""


def load_config(  # noqa: UP047 - PEP 695 generics would not run on Python 3.10 and 3.11
    cls: type[T], path: str | Path | None = None, overrides: list[str] | None = None
) -> T:
    """Build `cls` from the YAML file at `path`, then apply `section.key=value` overrides."""
    raw: dict[str, Any] = {}
    if path is not None:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    for override in overrides or []:
        key, sep, value = override.partition("=")
        if not sep or not key:
            raise ConfigError(f"override {override!r} must look like key=value")
        set_key(raw, key, yaml.safe_load(value))
    return from_dict(cls, raw)


def set_key(raw: dict[str, Any], key: str, value: Any) -> None:
    """Set a dotted key (`model.lr`) in a nested dict, making the sections it needs."""
    *parents, leaf = key.split(".")
    node = raw
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def from_dict(  # noqa: UP047 - as load_config
    cls: type[T], raw: dict[str, Any], prefix: str = ""
) -> T:
    """Recursively build dataclass `cls` from a plain dict, rejecting unknown keys.

    `prefix` is where `raw` sits in the file (`model.`), so an error names the whole key.
    """
    hints = typing.get_type_hints(cls)
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(raw) - names
    if unknown:
        keys = ", ".join(prefix + key for key in sorted(unknown))
        raise ConfigError(f"unknown config key(s): {keys}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        hint = hints[name]
        if dataclasses.is_dataclass(hint) and isinstance(value, dict):
            values[name] = from_dict(hint, value, f"{prefix}{name}.")  # type: ignore[arg-type]
        else:
            values[name] = _coerce(hint, value, prefix + name)
    return cls(**values)


def _coerce(hint: Any, value: Any, name: str) -> Any:
    """Accept ints where floats are expected and lists where tuples are; reject the rest."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in typing.get_args(hint):
            return None
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
        origin = typing.get_origin(hint)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if origin in (list, tuple) and isinstance(value, list):
        return origin(value)
    if origin is None and isinstance(hint, type) and not isinstance(value, hint):
        raise ConfigError(f"{name} must be {hint.__name__}, got {value!r}")
    return value


def to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def save_config(config: Any, path: Path) -> None:
    path.write_text(yaml.safe_dump(to_dict(config), sort_keys=False), encoding="utf-8")
