"""Settings come from DOSSIER_* variables and .env, and .env.example documents every one."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import BUNDLED_MODEL, Settings

ROOT = Path(__file__).resolve().parent.parent


def test_env_example_lists_every_setting_with_its_description() -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    for name, field in Settings.model_fields.items():
        assert f"DOSSIER_{name.upper()}=" in example, name
        assert field.description and field.description in example, name


def test_defaults_use_the_bundled_model_and_local_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.embedding_model == BUNDLED_MODEL and settings.data_dir == Path("data")
    assert settings.telegram_token is None and settings.llm_base_url is None


def test_environment_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text(
        "DOSSIER_DATA_DIR=/srv/dossier\nDOSSIER_TELEGRAM_TOKEN=\nDOSSIER_ADMIN_IDS=[1, 2]\n"
    )
    monkeypatch.setenv("DOSSIER_RATE_LIMIT_PER_MINUTE", "7")
    settings = Settings()
    assert settings.data_dir == Path("/srv/dossier") and settings.rate_limit_per_minute == 7
    assert settings.admin_ids == [1, 2]
    assert settings.telegram_token is None  # an empty line in .env means "not set"


def test_the_token_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOSSIER_TELEGRAM_TOKEN", "123456:SECRET-TOKEN")
    settings = Settings()
    assert "SECRET" not in repr(settings) and "SECRET" not in str(settings.model_dump())
