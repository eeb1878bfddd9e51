from __future__ import annotations

from pathlib import Path

import pytest

from broadsheet.config import ConfigError, load_settings


def test_defaults_use_a_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.data_dir == Path("broadsheet-data")
    assert settings.resolved_database_url.endswith("broadsheet-data/broadsheet.db")
    assert settings.fetch.allow_private_networks is False


def test_toml_then_env_then_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "broadsheet.toml").write_text(
        'data_dir = "from-toml"\n[fetch]\nper_host_delay_s = 2\nallow_private_networks = true\n'
    )
    settings = load_settings()
    assert settings.data_dir == Path("from-toml")
    assert settings.fetch.per_host_delay_s == 2.0
    assert settings.fetch.allow_private_networks is True
    monkeypatch.setenv("BROADSHEET_DATA_DIR", "from-env")
    monkeypatch.setenv("BROADSHEET_DATABASE_URL", "sqlite:///elsewhere.db")
    assert load_settings().data_dir == Path("from-env")
    assert load_settings().resolved_database_url == "sqlite:///elsewhere.db"
    assert load_settings(data_dir=Path("from-cli")).data_dir == Path("from-cli")


@pytest.mark.parametrize(
    "text, message",
    [
        ("[fetch]\nnot_a_setting = 1\n", "unknown setting fetch.not_a_setting"),
        ("[fetch]\ntimeout_s = 'soon'\n", "fetch.timeout_s must be float"),
        ("this is = = not toml", "cannot read"),
        ("[stories]\nwindow = 3\n", r"unknown setting stories.window \(known: window_days"),
        ("[stories]\njoin_threshold = 'high'\n", "stories.join_threshold must be a number"),
        ("[stories]\nreopen_threshold = 1.5\n", "must be a number from 0 to 1, got 1.5"),
        ("[stories]\nwindow_days = 0\n", "stories.window_days must be a number from 0.01"),
        ("[stories]\nmemory_days = true\n", "stories.memory_days must be a number"),
        ("stories = 3\n", r"\[stories\] must be a table"),
        ("[stories]\nreopen_as_thread = 1\n", "stories.reopen_as_thread must be true or false"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "broadsheet.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_missing_explicit_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(config_path=tmp_path / "nope.toml")


def test_story_settings_are_the_clusterers_thresholds_and_windows(tmp_path: Path) -> None:
    from dataclasses import fields

    from broadsheet.config import STORY_SETTINGS, STORY_SWITCHES
    from broadsheet.stories.cluster import ClusterConfig

    defaults = {f.name: f.default for f in fields(ClusterConfig)}
    for name, (low, high) in STORY_SETTINGS.items():
        assert isinstance(defaults[name], float) and low <= defaults[name] <= high
    assert all(isinstance(defaults[name], bool) for name in STORY_SWITCHES)
    (tmp_path / "broadsheet.toml").write_text(
        '[stories]\nwindow_days = 5\nreopen_threshold = 0.3\nreopen_as_thread = true\n'
        'embedding_model = "models/m"\n'  # read by the embeddings option, not here
    )
    settings = load_settings()
    assert settings.clustering == {
        "window_days": 5.0, "reopen_threshold": 0.3, "reopen_as_thread": True,
    }
    assert ClusterConfig(**settings.clustering).window_days == 5.0
