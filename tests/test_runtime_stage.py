"""The Docker image's runtime stage without Docker: everything it runs works without the packages that
requirements/serve.lock leaves out (torch, sentence-transformers, transformers, onnx, ...).

Those packages are installed in this venv, so each command runs in a process where they cannot be
imported (tests/support/runtime_stage/sitecustomize.py), the set derived from the two locks.
"""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_telegram import FakeBotApi
from tests.support.archive import ROOT, run_dossier
from tests.support.bot import BotProcess, bot_env

ARTICLE = (
    "Almaty hosted a conference on solar energy\n\n"
    "On 3 May 2021 the city of Almaty hosted a regional conference on solar energy. "
    "Officials said 12 new solar plants will open by 2023.\n"
)


def pinned(lock: str) -> set[str]:
    text = (ROOT / "requirements" / f"{lock}.lock").read_text()
    return set(re.findall(r"^([a-z0-9._-]+)==", text, re.M))


def top_level_modules(distribution: str) -> set[str]:
    """The names a distribution can be imported by, from its installed files."""
    files = importlib.metadata.distribution(distribution).files or []
    names = {f.parts[0] if len(f.parts) > 1 else f.parts[0].removesuffix(".py") for f in files}
    return {n for n in names if n.isidentifier() and not n.startswith("_")}


@pytest.fixture(scope="module")
def missing() -> str:
    """The modules of every package the runtime stage does not install."""
    left_out = pinned("runtime") - pinned("serve")
    assert {"torch", "sentence-transformers", "transformers"} <= left_out
    return ",".join(sorted(set().union(*(top_level_modules(d) for d in left_out))))


@pytest.fixture
def stage_env(seeded_env: dict[str, str], missing: str) -> dict[str, str]:
    return {
        **seeded_env,
        "PYTHONPATH": str(ROOT / "tests" / "support" / "runtime_stage"),
        "DOSSIER_TEST_MISSING": missing,
    }


def test_the_export_libraries_really_cannot_be_imported_there(stage_env: dict[str, str]) -> None:
    probe = "import torch"
    result = subprocess.run([sys.executable, "-c", probe], env=stage_env, capture_output=True, text=True)
    assert result.returncode == 1 and "ModuleNotFoundError: import of torch halted" in result.stderr


def test_answering_searching_indexing_and_health_run_without_torch(
    stage_env: dict[str, str], tmp_path: Path
) -> None:
    article = tmp_path / "solar.txt"
    article.write_text(ARTICLE)
    for args, expected in (
        (("index", "add", str(article)), "added"),
        (("ask", "How many solar plants will open?"), "12 new solar plants"),
        (("search", "butadiene"), "Kazakhstan and Russia Sign"),
        (("index", "list"), "3 article(s)"),
        (("health",), "ok: index: 3 articles"),
    ):
        result = run_dossier(stage_env, *args)
        assert result.returncode == 0, result.stderr
        assert expected in result.stdout


def test_a_missing_export_is_one_clear_error_without_torch(stage_env: dict[str, str], tmp_path: Path) -> None:
    (Path(stage_env["DOSSIER_DATA_DIR"]) / "models").unlink()  # cli_env linked the shared export
    result = run_dossier(stage_env, "ask", "Who is the president of Belarus?")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "the ONNX export of sentence-transformers/all-MiniLM-L6-v2 is missing" in result.stderr
    assert "pip install 'dossier[export]'" in result.stderr


def test_the_bot_answers_and_logs_its_start_without_torch(stage_env: dict[str, str], tmp_path: Path) -> None:
    with FakeBotApi() as telegram:
        env = {**bot_env(Path(stage_env["DOSSIER_DATA_DIR"]), telegram), **_stage(stage_env)}
        process = BotProcess(env, tmp_path / "bot.log").start(lambda: bool(telegram.commands))
        telegram.push_message(5001, "Who is the president of Belarus?")
        assert "Alexander Lukashenko" in telegram.wait_for_messages(5001)[0]["text"]
        assert process.stop() == 0
    assert "is up (long polling): 2 articles in the archive" in process.log


def _stage(env: dict[str, str]) -> dict[str, str]:
    return {k: env[k] for k in ("PYTHONPATH", "DOSSIER_TEST_MISSING")}
