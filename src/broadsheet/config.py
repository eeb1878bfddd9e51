"""Settings from ``broadsheet.toml`` and the environment.

Precedence, lowest first: built-in defaults, the TOML file, environment variables, then
command-line options (applied by the CLI). The TOML file is looked for at ``--config``,
then ``$BROADSHEET_CONFIG``, then ``./broadsheet.toml``, then ``<data dir>/broadsheet.toml``.

Example ``broadsheet.toml``::

    data_dir = "broadsheet-data"
    # database_url = "postgresql+psycopg://user@localhost/broadsheet"

    [fetch]
    allow_private_networks = false
    per_host_delay_s = 1.0
    max_entries_per_feed = 30

    [stories]
    window_days = 3.0          # a story closes 3 days after its last article
    reopen_as_thread = false   # true: stories are single events, and a follow-up
                               # starts a story in its storyline's thread

    # Outlet and feed overrides: see broadsheet.registry for the format.
    [outlets]
    disable = ["some-outlet-slug"]
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = Path("broadsheet-data")
CONFIG_FILENAME = "broadsheet.toml"


class ConfigError(Exception):
    """The configuration file or an environment setting is unusable."""


@dataclass(slots=True)
class FetchSettings:
    allow_private_networks: bool = False
    respect_robots: bool = True
    timeout_s: float = 20.0
    max_bytes: int = 5_000_000
    max_decompressed_bytes: int = 20_000_000
    max_redirects: int = 5
    per_host_concurrency: int = 2
    per_host_delay_s: float = 1.0
    global_concurrency: int = 16
    retries: int = 2
    backoff_s: float = 0.5
    max_entries_per_feed: int = 30
    user_agent: str | None = None


# ``[stories]`` settings of the clusterer that a store may change between builds: its
# thresholds and windows (``OnlineClusterer.restore`` takes them; the representation
# settings would make stored centroids and new articles incomparable). Name -> (lowest,
# highest) allowed value; ``ClusterConfig`` holds the defaults and what each means.
STORY_SETTINGS: dict[str, tuple[float, float]] = {
    "window_days": (0.01, 3650.0),  # a story closes this long after its last article
    "half_life_days": (0.01, 3650.0),
    "decay_floor": (0.0, 1.0),
    "join_threshold": (0.0, 1.0),
    "merge_threshold": (0.0, 1.0),
    "reopen_threshold": (0.0, 1.0),  # 1.0 (or memory_days = 0): never reopen
    "memory_days": (0.0, 36500.0),
    "thread_days": (0.0, 3650.0),
    "thread_threshold": (0.0, 1.0),
    "provisional_below": (0.0, 1.0),  # 0: no join is provisional (no re-seating)
    "reseat_min": (0.0, 1.0),
    "reseat_rest": (0.0, 1.0),
}
# ``[stories]`` switches of the clusterer (true or false).
STORY_SWITCHES = ("reopen_as_thread",)  # stories are single events, threads the storylines
# Read by the CLI's embeddings option (``cli._embedder``).
_EMBEDDING_SETTINGS = ("embedding_model", "embedding_dtype", "embedding_device")


@dataclass(slots=True)
class Settings:
    data_dir: Path = DEFAULT_DATA_DIR
    database_url: str | None = None
    config_path: Path | None = None
    fetch: FetchSettings = field(default_factory=FetchSettings)
    # ``[stories]`` clusterer settings given in the file: ``STORY_SETTINGS`` as floats,
    # ``STORY_SWITCHES`` as booleans.
    clustering: dict[str, float | bool] = field(default_factory=dict)
    # The raw parsed TOML: stages read their own sections (outlets, feeds, ...).
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'broadsheet.db').resolve()}"


def _find_config(explicit: Path | None, data_dir: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"config file not found: {explicit}")
        return explicit
    env = os.environ.get("BROADSHEET_CONFIG")
    if env:
        path = Path(env)
        if not path.is_file():
            raise ConfigError(f"BROADSHEET_CONFIG points to a missing file: {env}")
        return path
    for candidate in (Path(CONFIG_FILENAME), (data_dir or DEFAULT_DATA_DIR) / CONFIG_FILENAME):
        if candidate.is_file():
            return candidate
    return None


def _apply_fetch(section: dict[str, Any], fetch: FetchSettings, source: str) -> None:
    for key, value in section.items():
        if not hasattr(fetch, key):
            raise ConfigError(f"{source}: unknown setting fetch.{key}")
        current = getattr(fetch, key)
        expected = type(current) if current is not None else str
        if expected is float and isinstance(value, int):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{source}: fetch.{key} must be {expected.__name__}, got {value!r}"
            )
        setattr(fetch, key, value)


def story_settings(section: dict[str, Any], source: str) -> dict[str, float | bool]:
    """The clusterer settings of a ``[stories]`` table, checked (``ConfigError`` says what
    is wrong, naming ``source``); the embedding keys are left to the embeddings option."""
    out: dict[str, float | bool] = {}
    for key, value in section.items():
        if key in _EMBEDDING_SETTINGS:
            continue
        if key in STORY_SWITCHES:
            if not isinstance(value, bool):
                raise ConfigError(f"{source}: stories.{key} must be true or false, got {value!r}")
            out[key] = value
            continue
        if key not in STORY_SETTINGS:
            known = ", ".join([*STORY_SETTINGS, *STORY_SWITCHES, *_EMBEDDING_SETTINGS])
            raise ConfigError(f"{source}: unknown setting stories.{key} (known: {known})")
        low, high = STORY_SETTINGS[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not (
            low <= value <= high
        ):
            raise ConfigError(
                f"{source}: stories.{key} must be a number from {low:g} to {high:g}, "
                f"got {value!r}"
            )
        out[key] = float(value)
    return out


def _env_bool(name: str) -> bool | None:
    value = os.environ.get(name)
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, got {value!r}")


def load_settings(
    *, config_path: Path | None = None, data_dir: Path | None = None
) -> Settings:
    """Build the settings; ``data_dir`` given here (a CLI option) wins over everything."""
    env_data_dir = os.environ.get("BROADSHEET_DATA_DIR")
    hint_dir = data_dir or (Path(env_data_dir) if env_data_dir else None)
    path = _find_config(config_path, hint_dir)
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read {path}: {exc}") from exc

    settings = Settings(config_path=path, raw=raw)
    if "data_dir" in raw:
        settings.data_dir = Path(raw["data_dir"])
    if "database_url" in raw:
        settings.database_url = str(raw["database_url"])
    fetch_section = raw.get("fetch", {})
    if not isinstance(fetch_section, dict):
        raise ConfigError(f"{path}: [fetch] must be a table")
    _apply_fetch(fetch_section, settings.fetch, str(path))
    stories_section = raw.get("stories", {})
    if not isinstance(stories_section, dict):
        raise ConfigError(f"{path}: [stories] must be a table")
    settings.clustering = story_settings(stories_section, str(path))

    if env_data_dir:
        settings.data_dir = Path(env_data_dir)
    if os.environ.get("BROADSHEET_DATABASE_URL"):
        settings.database_url = os.environ["BROADSHEET_DATABASE_URL"]
    allow = _env_bool("BROADSHEET_ALLOW_PRIVATE_NETWORKS")
    if allow is not None:
        settings.fetch.allow_private_networks = allow
    if data_dir is not None:
        settings.data_dir = data_dir
    return settings
