"""`sora config set/get/unset/list/path`: the config file."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from sora_cli.completion import complete_config_key

app = typer.Typer(
    help="Read and write the config file (precedence: flag > environment > file > default).",
    no_args_is_help=True,
)

KeyArg = Annotated[
    str,
    typer.Argument(
        help="Key, e.g. api-key, base-url, size, profile.",
        autocompletion=complete_config_key,
        metavar="KEY",
    ),
]
ShowSecretOpt = Annotated[bool, typer.Option("--show-secret", help="Show the API key in full.")]


def _console() -> Any:
    from sora_cli.console import Console

    return Console()


def _load() -> Any:
    from sora_cli.settings import ConfigFile, resolve_paths

    config = ConfigFile.load(resolve_paths().config_file)
    console = _console()
    for warning in config.warnings:
        console.warn(warning)
    return config


def _validate(key: str, value: Any, current: dict[str, Any]) -> Any:
    """Check a value as the command line would use it, before it is written."""
    from sora_cli import constants
    from sora_cli.errors import UsageError
    from sora_cli.profiles import get_profile
    from sora_cli.settings import CONFIG_KEYS, check_base_url

    try:
        value = CONFIG_KEYS[key].parse(value)
    except ValueError as exc:
        raise UsageError(f"bad value for {key}: {exc}") from None
    profile = get_profile(value if key == "profile" else current.get("profile", "laozhang"))
    if key == "base_url":
        value = check_base_url(value)
    elif key == "size":
        value = profile.check_size(value)
    elif key == "seconds":
        value = profile.check_seconds(value)
    elif key == "model":
        value = profile.check_model(value)
    elif key == "poll_interval" and value < constants.MIN_POLL_INTERVAL:
        raise UsageError(f"poll_interval must be at least {constants.MIN_POLL_INTERVAL:g} s")
    elif key == "timeout" and value <= 0:
        raise UsageError("timeout must be positive")
    return value


def _read_secret() -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        return getpass.getpass("API key (input hidden): ")
    return sys.stdin.readline() if sys.stdin is not None else ""


@app.command("set")
def set_value(
    key: KeyArg,
    value: Annotated[
        str | None,
        typer.Argument(
            help="The value; omit it for api-key to type it hidden.", show_default=False
        ),
    ] = None,
) -> None:
    """Set a key. With no value, `api-key` is read with hidden input (or from stdin).

    Example: sora config set size 1280x720
    """
    from sora_cli.errors import UsageError
    from sora_cli.settings import CONFIG_KEYS, normalise_key_name

    name = normalise_key_name(key)
    if value is not None and CONFIG_KEYS[name].secret:
        _console().warn(
            "a key typed on the command line stays in your shell history; next time run "
            "`sora config set api-key` with no value to type it hidden"
        )
    if value is None:
        if name != "api_key":
            raise UsageError(f"give a value: sora config set {key} VALUE")
        value = _read_secret().strip()
        if not value:
            raise UsageError("no API key given; nothing was changed")
    config = _load()
    config.values[name] = _validate(name, value, config.values)
    config.save()
    _console().info(f"{name} saved to {config.path}")


@app.command("get")
def get_value(key: KeyArg, show_secret: ShowSecretOpt = False) -> None:
    """Print one key's value from the file (the key is shown redacted).

    Example: sora config get base-url
    """
    from sora_cli.errors import UsageError
    from sora_cli.settings import CONFIG_KEYS, normalise_key_name, redact

    name = normalise_key_name(key)
    config = _load()
    if name not in config.values:
        raise UsageError(f"{name} is not set in {config.path}")
    value = config.values[name]
    shown = redact(value) if CONFIG_KEYS[name].secret and not show_secret else value
    _console().result(str(shown))


@app.command("unset")
def unset_value(key: KeyArg) -> None:
    """Remove a key from the file.

    Example: sora config unset api-key
    """
    from sora_cli.settings import normalise_key_name

    name = normalise_key_name(key)
    config = _load()
    if config.values.pop(name, None) is None:
        _console().info(f"{name} was not set")
        return
    config.save()
    _console().info(f"{name} removed from {config.path}")


@app.command("list")
def list_values(
    show_secret: ShowSecretOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Print every key set in the file (the key redacted).

    Example: sora config list
    """
    from sora_cli.settings import CONFIG_KEYS, redact

    config = _load()
    shown = {
        k: (redact(v) if CONFIG_KEYS[k].secret and not show_secret else v)
        for k, v in config.values.items()
    }
    console = _console()
    if json_out:
        console.result_json(shown)
        return
    for k, v in shown.items():
        console.result(f"{k.replace('_', '-')} = {v}")


@app.command("path")
def path() -> None:
    """Print where the config file lives ($SORA_HOME/config.toml when set).

    Example: sora config path
    """
    from sora_cli.settings import resolve_paths

    _console().result(str(resolve_paths().config_file))
