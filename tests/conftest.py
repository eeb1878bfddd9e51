"""Shared fixtures: a fresh store per test, and the path to ../shared for realdata tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from broadsheet.store import Store

# CI runs the property tests with a fixed seed, so a run is reproducible and a red build
# is never a roll of the dice; locally they keep exploring new examples.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

pytest_plugins = ["tests.support.http_server"]

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(relative: str) -> Path:
    """A path under ../shared, or a skip when the evaluation data is not there."""
    path = SHARED / relative
    if not path.exists():
        pytest.skip(f"realdata: {path} is absent (evaluation data lives in ../shared)")
    return path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's own broadsheet.toml or data directory."""
    for name in (
        "BROADSHEET_CONFIG", "BROADSHEET_DATA_DIR", "BROADSHEET_DATABASE_URL",
        "BROADSHEET_ALLOW_PRIVATE_NETWORKS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
