"""`dossier bot` start-up failures, `dossier health`, and the Docker entrypoint run outside Docker."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index, run_dossier
from tests.support.bot import ROOT, TOKEN, BotProcess, bot_env, free_port, with_onnx_export


@pytest.fixture(autouse=True, scope="module")
def _fast_start(seed_data_dir: Path) -> None:
    with_onnx_export(seed_data_dir)  # the data directories below link to its models/


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("dossier: ")]
    return line


def test_missing_token_is_one_clear_line(seeded_env: dict[str, str]) -> None:
    line = one_line_error(run_dossier(seeded_env, "bot"))
    assert "DOSSIER_TELEGRAM_TOKEN is not set" in line and "@BotFather" in line


def test_malformed_token_is_one_clear_line_that_does_not_echo_it(seeded_env: dict[str, str]) -> None:
    env = {**seeded_env, "DOSSIER_TELEGRAM_TOKEN": "paste-your-token-here"}
    line = one_line_error(run_dossier(env, "bot"))
    assert "does not look like a bot token" in line
    assert "paste-your-token-here" not in run_dossier(env, "bot").stderr


def test_token_telegram_rejects_is_one_clear_line(seeded_env: dict[str, str]) -> None:
    with FakeBotApi() as telegram:
        env = {
            **seeded_env,
            "DOSSIER_TELEGRAM_TOKEN": "999:WRONG-TOKEN",
            "DOSSIER_TELEGRAM_BASE_URL": telegram.base_url,
        }
        assert "Telegram rejected DOSSIER_TELEGRAM_TOKEN" in one_line_error(run_dossier(env, "bot"))
        debug = run_dossier(env, "-vv", "bot")  # with tracebacks and PTB's request log
    assert debug.returncode == 1 and "getMe" in debug.stderr and "WRONG-TOKEN" not in debug.stderr


def test_unreachable_bot_api_is_one_clear_line(seeded_env: dict[str, str]) -> None:
    base_url = f"http://127.0.0.1:{free_port()}/bot"
    env = {**seeded_env, "DOSSIER_TELEGRAM_TOKEN": TOKEN, "DOSSIER_TELEGRAM_BASE_URL": base_url}
    result = run_dossier(env, "bot")
    assert f"cannot reach the Bot API at {base_url}" in one_line_error(result)
    assert "TEST-TOKEN" not in result.stderr


def test_missing_index_is_one_clear_line(cli_env: dict[str, str]) -> None:
    env = {**cli_env, "DOSSIER_TELEGRAM_TOKEN": TOKEN}
    assert "dossier index build" in one_line_error(run_dossier(env, "bot"))


def test_bad_webhook_secret_is_one_clear_line(seeded_env: dict[str, str]) -> None:
    env = {**seeded_env, "DOSSIER_TELEGRAM_TOKEN": TOKEN, "DOSSIER_WEBHOOK_SECRET": "has spaces!"}
    assert "DOSSIER_WEBHOOK_SECRET must be" in one_line_error(run_dossier(env, "bot"))


def test_start_runs_the_bot_when_a_token_is_set(seeded_env: dict[str, str], tmp_path: Path) -> None:
    with FakeBotApi() as telegram:
        env = bot_env(Path(seeded_env["DOSSIER_DATA_DIR"]), telegram)
        process = BotProcess(env, tmp_path / "bot.log", "start").start(lambda: bool(telegram.commands))
        telegram.push_message(5001, "/about")
        about = telegram.wait_for_messages(5001)[0]["text"]
        assert "holds 2 news articles" in about
        assert f"Dossier {importlib.metadata.version('dossier')}, MIT licence." in about  # as --version
        assert process.stop() == 0
    assert "is up (long polling): 2 articles in the archive" in process.log


def test_health_checks_the_index_and_the_bots_heartbeat(seeded_env: dict[str, str]) -> None:
    ok = run_dossier(seeded_env, "health")
    assert ok.returncode == 0 and ok.stdout.strip() == "ok: index: 2 articles"
    with_token = {**seeded_env, "DOSSIER_TELEGRAM_TOKEN": TOKEN}
    assert "no heartbeat" in one_line_error(run_dossier(with_token, "health"))
    heartbeat = Path(seeded_env["DOSSIER_DATA_DIR"]) / "bot.heartbeat"
    heartbeat.touch()
    assert run_dossier(with_token, "health").stdout.startswith("ok: index: 2 articles; bot: heartbeat")
    os.utime(heartbeat, (time.time() - 600, time.time() - 600))
    assert "last heartbeat" in one_line_error(run_dossier(with_token, "health"))
    assert run_dossier(with_token, "health", "--no-bot").returncode == 0


def test_health_fails_without_an_index(cli_env: dict[str, str]) -> None:
    assert "no index" in one_line_error(run_dossier(cli_env, "health"))


def test_running_bot_keeps_its_heartbeat_fresh(seeded_env: dict[str, str], tmp_path: Path) -> None:
    with FakeBotApi() as telegram:
        env = bot_env(Path(seeded_env["DOSSIER_DATA_DIR"]), telegram)
        heartbeat = Path(seeded_env["DOSSIER_DATA_DIR"]) / "bot.heartbeat"
        process = BotProcess(env, tmp_path / "bot.log").start(heartbeat.exists)
        assert run_dossier(env, "health").returncode == 0
        assert process.stop() == 0
    assert not heartbeat.exists()  # a stopped bot is not healthy


# The Docker image, without Docker: its entrypoint and the commands it runs.


def dockerfile_entrypoint() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    match = re.search(r"^ENTRYPOINT (\[.*\])$", text, re.M)
    assert match is not None
    return list(json.loads(match.group(1)))


def dockerfile_stages() -> tuple[str, str]:
    """The build stage and the runtime stage of the Dockerfile."""
    text = (ROOT / "Dockerfile").read_text()
    assert text.startswith("#")
    build, runtime = re.split(r"^FROM python:3\.11-slim(?: AS build)?$", text, flags=re.M)[1:]
    return build, runtime


def test_dockerfile_runs_what_these_tests_run() -> None:
    build, runtime = dockerfile_stages()
    # The build stage: the runtime lock with CPU torch (tests/test_locks.py), the seed index built with
    # it as the seeded_env fixtures build theirs, and dossier's wheel.
    assert "--require-hashes --no-deps --find-links" in build and "-r requirements/runtime.lock" in build
    assert "ARG TORCH_WHEELS=https://download.pytorch.org/whl/cpu/torch/" in build
    assert "dossier index build seeds" in build and "HF_HUB_OFFLINE=1" in build
    # The runtime stage: serve.lock only, which tests/test_runtime_stage.py runs everything on, and
    # the seed index with its export; no pip or setuptools left.
    assert "-r /tmp/serve.lock" in runtime and "runtime.lock" not in runtime
    assert "COPY --from=build /seed-data /app/seed-data" in runtime
    assert "pip uninstall --yes --disable-pip-version-check pip setuptools" in runtime
    assert re.search(r"^USER dossier$", runtime, re.M) and 'CMD ["bot"]' in runtime
    assert "HEALTHCHECK" in runtime and 'CMD ["dossier", "health"]' in runtime
    assert "DOSSIER_DATA_DIR=/data" in runtime


def test_env_example_left_as_it_is_sets_nothing_over_the_image() -> None:
    """`docker run --env-file .env` with .env copied from .env.example keeps the image's /data."""
    example = (ROOT / ".env.example").read_text()
    assert not [line for line in example.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("volume_has_index", [False, True])
def test_entrypoint_seeds_an_empty_volume_and_leaves_a_used_one_alone(
    volume_has_index: bool, seed_data_dir: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    seed = copy_index(seed_data_dir, tmp_path / "seed-data")
    volume = tmp_path / "volume"
    if volume_has_index:
        copy_index(seed_data_dir, volume)
        (volume / "mine.txt").write_text("the user's own data")
    env = {
        **cli_env,
        "DOSSIER_DATA_DIR": str(volume),
        "DOSSIER_SEED_DATA": str(seed),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    result = subprocess.run(
        [*dockerfile_entrypoint(), "health", "--no-bot"], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok: index: 2 articles"
    assert (volume / "dossier.sqlite3").exists()
    assert (volume / "mine.txt").exists() == volume_has_index
