"""The Prometheus endpoint of the real `dossier bot` process, scraped over HTTP on 127.0.0.1."""

from __future__ import annotations

import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.fake_telegram import FakeBotApi
from tests.support.archive import copy_index, run_dossier
from tests.support.bot import BotProcess, bot_env, free_port, wait_for_reply, with_onnx_export

GEOLOGY = "Which companies signed the geological exploration agreement?"
OFF_TOPIC = "Who won the Tour de France in 2022?"


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def listening_address(port: int, timeout: float = 10) -> str:
    """The address a local TCP socket listens on for this port, from the kernel's table (no traffic)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:  # the endpoint starts just after the command menu is published
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                return ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
        time.sleep(0.05)
    raise AssertionError(f"nothing listens on port {port}")


def test_questions_sends_feedback_feeds_outbox_and_index_are_scraped_on_loopback(
    seed_data_dir: Path, tmp_path: Path
) -> None:
    port = free_port()
    with FakeBotApi() as telegram:
        env = bot_env(
            copy_index(with_onnx_export(seed_data_dir), tmp_path / "data"),
            telegram,
            metrics_port=str(port),
            feed_interval="10",
            fetch_allowed_networks="127.0.0.1",
        )
        assert run_dossier(env, "feeds", "add", f"http://127.0.0.1:{free_port()}/feed").returncode == 0
        bot = BotProcess(env, tmp_path / "bot.log").start(lambda: bool(telegram.commands))
        try:
            assert listening_address(port) == "127.0.0.1"
            telegram.fail_next("sendMessage", status=429, retry_after=1)
            telegram.push_message(4001, GEOLOGY)
            answer = wait_for_reply(telegram, 4001, 1)
            telegram.push_message(4002, OFF_TOPIC)
            wait_for_reply(telegram, 4002, 1)
            telegram.block_chat(4003)
            telegram.push_message(4003, GEOLOGY)
            up = answer["reply_markup"]["inline_keyboard"][-1][0]["callback_data"]
            telegram.push_callback_query(4001, answer["message_id"], up)
            deadline = time.monotonic() + 20
            awaited = [
                ("dossier_feed_polls_total", (("result", "failed"),)),  # about 2 s after the start
                ("dossier_sends_total", (("result", "403"),)),
                ("dossier_feedback_total", (("rating", "up"),)),
            ]
            while True:
                metrics = scrape(port)
                if all(metrics.get(key) for key in awaited):
                    break
                assert time.monotonic() < deadline, metrics
                time.sleep(0.3)
            metrics = scrape(port)
        finally:
            assert bot.stop() == 0, bot.log[-3000:]
    # The blocked chat's answer never arrived: it is counted as a 403, not as answered.
    assert metrics[("dossier_questions_total", (("outcome", "answered"), ("surface", "chat")))] == 1
    assert metrics[("dossier_questions_total", (("outcome", "refused"), ("surface", "chat")))] == 1
    assert metrics[("dossier_answer_latency_seconds_count", ())] == 2
    assert metrics[("dossier_feedback_total", (("rating", "up"),))] == 1
    assert metrics[("dossier_sends_total", (("result", "429"),))] == 1
    assert metrics[("dossier_sends_total", (("result", "403"),))] == 1
    assert metrics[("dossier_sends_total", (("result", "ok"),))] == 2
    assert metrics[("dossier_outbox_depth", ())] == 0
    assert metrics[("dossier_index_articles", ())] == 2
    [revision] = [labels for name, labels in metrics if name == "dossier_index_revision"]
    assert len(dict(revision)["revision"]) == 32
    assert metrics[("process_resident_memory_bytes", ())] > 0
