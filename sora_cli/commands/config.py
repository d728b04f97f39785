"""`sora config set/get/unset/list/path`: the config file."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from sora_cli.commands._help import FullSummaryGroup
from sora_cli.completion import complete_config_key

app = typer.Typer(
    cls=FullSummaryGroup,
    help="Read and write the config file (precedence: flag > environment > file > default).",
)


@app.callback(invoke_without_command=True)
def overview(ctx: typer.Context) -> None:
    """Bare `sora config` shows its help and exits 0, as `gh` does for a command group."""
    if ctx.invoked_subcommand is None:  # bare `sora config`: its help, as a question answered
        typer.echo(ctx.get_help())
        raise typer.Exit()

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


def _load(key: str | None = None) -> Any:
    """The file, leniently: these commands must be able to fix a bad value. Given `key`, a
    file broken on that key's own line loads too, so `set`/`unset` can replace the line."""
    from sora_cli.config_file import ConfigFile
    from sora_cli.settings import resolve_paths

    path = resolve_paths().config_file
    config = (
        ConfigFile.load(path, lenient=True) if key is None else ConfigFile.load_to_edit(path, key)
    )
    console = _console()
    for warning in config.warnings:
        console.warn(warning)
    return config


def _validate(key: str, value: Any, config: Any) -> Any:
    """Check a value as the command line would use it, before it is written."""
    from sora_cli.config_keys import CONFIG_KEYS
    from sora_cli.errors import UsageError
    from sora_cli.profiles import get_profile

    try:
        value = CONFIG_KEYS[key].parse(value)
    except ValueError as exc:
        raise UsageError(f"bad value for {key}: {exc}") from None
    # size, seconds and model are checked against the profile the file chooses (a
    # [profiles.NAME] of the file included).
    from sora_cli.config_file import USER_PROFILES_TABLE
    from sora_cli.user_profiles import load_user_profiles

    user = load_user_profiles(config.path, config.text, config.data.get(USER_PROFILES_TABLE))
    profile = get_profile(
        value if key == "profile" else config.values.get("profile", "laozhang"), user
    )
    if key == "size":
        value = profile.check_size(value)
    elif key == "seconds":
        value = profile.check_seconds(value)
    elif key == "model":
        value = profile.check_model(value)
    if key in ("size", "seconds", "model"):
        _check_together(key, value, config, profile)
    if key in profile.pinned:
        _console().warn(
            f"the active profile sets {key} itself ({profile.defined_in}), which wins over "
            "this top-level key; edit the profile's table instead"
        )
    return value


def _check_together(key: str, value: Any, config: Any, profile: Any) -> None:
    """A default duration or size must be one the default model makes (a mismatch would
    break every later `generate`); a new default model that refuses the file's duration
    or size is allowed, with a warning saying which key to change."""
    from sora_cli.errors import UsageError

    chosen = {k: config.values.get(k) for k in ("model", "size", "seconds")}
    chosen[key] = value
    model = chosen["model"] or profile.default_model
    if not model or profile.entry(model) is None:
        return
    try:
        profile.choose(model, chosen["seconds"], chosen["size"], seconds_given=False)
    except UsageError as exc:
        if key == "model":
            _console().warn(
                f"{exc.message} (the file's defaults); change them: sora config set "
                "seconds/size VALUE, or sora config unset seconds/size"
            )
            return
        raise UsageError(
            f"{exc.message} (the default model in this file is {model})",
            hint=exc.hint,
        ) from None


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
    from sora_cli.config_keys import CONFIG_KEYS, normalise_key_name
    from sora_cli.errors import UsageError

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
    config = _load(name)
    config.set(name, _validate(name, value, config))
    config.save()
    _console().info(f"{name} saved to {config.path}{_repaired(config)}")


def _repaired(config: Any) -> str:
    line = config.repaired_line
    return f" (replacing the broken line {line})" if line else ""


@app.command("get")
def get_value(key: KeyArg, show_secret: ShowSecretOpt = False) -> None:
    """Print one key's value as set in the file (the API key redacted).

    A key the file does not set is exit 2, with the value sora uses instead and where
    it comes from (environment or default).

    Example: sora config get base-url
    """
    from sora_cli.config_keys import CONFIG_KEYS, normalise_key_name, redact
    from sora_cli.errors import UsageError

    name = normalise_key_name(key)
    config = _load()
    if name in config.problems:
        raise config.problems[name]
    secret = CONFIG_KEYS[name].secret and not show_secret
    overridden_by = _env_override(name)
    if name not in config.values:
        raise UsageError(
            f"{name} is not set in {config.path}; {_effective(name, secret)}",
            hint="to set it: sora config set "
            + ("api-key (hidden input)" if name == "api_key" else f"{key} VALUE"),
        )
    if overridden_by:
        _console().warn(f"{overridden_by} is set and takes precedence over the file")
    value = config.values[name]
    _console().result(str(redact(value) if secret else value))


def _env_override(name: str) -> str | None:
    """The environment variable that overrides this key, if one is set."""
    import os

    from sora_cli.settings import ENV_API_KEY, ENV_BASE_URL, ENV_PROFILE

    var = {"api_key": ENV_API_KEY, "base_url": ENV_BASE_URL, "profile": ENV_PROFILE}.get(name)
    return var if var and os.environ.get(var) else None


def _effective(name: str, secret: bool) -> str:
    """What sora uses for a key the file does not set, and where it comes from."""
    from sora_cli.config_keys import redact
    from sora_cli.errors import SoraError
    from sora_cli.settings import Overrides, load_settings

    try:
        settings = load_settings(Overrides())
    except SoraError as exc:
        return f"and the settings cannot be resolved: {exc.message}"
    if name == "output_dir":
        return "videos are saved in the current directory"
    if name == "api_key" and not settings.api_key:
        return "no API key is configured anywhere"
    value: Any = {"profile": settings.profile.name}.get(name, getattr(settings, name))
    env = _env_override(name)
    if env:
        source = f"from {env}"
    elif name in ("size", "seconds") and value is None:
        try:  # the default model's own default
            choice = settings.profile.choose(settings.model, None, None)
        except SoraError:
            return f"no default applies in the {settings.profile.name} profile"
        value = choice.size if name == "size" else choice.seconds
        if value is None:
            return f"the {settings.profile.name} profile sends none (the server decides)"
        source = f"the default of {choice.entry.name} in the {settings.profile.name} profile"
    elif name in ("model", "size", "seconds", "base_url"):
        if not value:
            return f"the {settings.profile.name} profile has none: it must be given"
        source = f"the {settings.profile.name} profile's default"
    else:
        source = "the default"
    shown = redact(value) if secret else value
    return f"sora uses {shown} ({source})"


@app.command("unset")
def unset_value(key: KeyArg) -> None:
    """Remove a key from the file.

    Example: sora config unset api-key
    """
    from sora_cli.config_keys import normalise_key_name

    name = normalise_key_name(key)
    config = _load(name)
    if not config.unset(name) and not config.repaired_line:
        _console().info(f"{name} was not set")
        return
    config.save()
    _console().info(f"{name} removed from {config.path}{_repaired(config)}")


@app.command("list")
def list_values(
    show_secret: ShowSecretOpt = False,
    json_out: Annotated[bool, typer.Option("--json", help="Print a JSON object.")] = False,
) -> None:
    """Print every key set in the file, as TOML lines (the API key redacted).

    Example: sora config list
    """
    from sora_cli.config_keys import CONFIG_KEYS, redact

    config = _load()
    shown = {
        k: (redact(v) if CONFIG_KEYS[k].secret and not show_secret else v)
        for k, v in config.values.items()
    }
    console = _console()
    if json_out:
        console.result_json(shown)
        return
    if shown:
        import tomli_w

        console.result(tomli_w.dumps(shown).rstrip("\n"))


@app.command("path")
def path() -> None:
    """Print where the config file lives ($SORA_HOME/config.toml when set).

    Example: sora config path
    """
    from sora_cli.settings import resolve_paths

    _console().result(str(resolve_paths().config_file))
