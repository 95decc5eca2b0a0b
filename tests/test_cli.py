"""The command line: check, graph, configuration errors, and the terminal chat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_bot(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, tmp: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    if tmp is not None:
        full_env["BOT_DATA_DIR"] = str(tmp)
        full_env["BOT_KEY_FILE"] = str(tmp.parent / f"{tmp.name}-key" / "data.key")
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=full_env,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_prints_one_line_per_flow_and_lix() -> None:
    result = run_bot("check")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("da/anbefaling1: ") and "all reachable" in line for line in lines)
    assert any(line.startswith("da: average LIX ") for line in lines)
    assert lines[-1] == "content OK"


def test_graph_prints_mermaid() -> None:
    result = run_bot("graph", "anbefaling1")
    assert result.returncode == 0
    assert result.stdout.startswith("flowchart TD\n  subgraph anbefaling1")
    assert "-->" in result.stdout


def test_graph_of_unknown_flow_is_a_clear_error() -> None:
    result = run_bot("graph", "nope")
    assert result.returncode == 2
    assert "unknown flow 'nope'" in result.stderr


def test_bad_configuration_is_one_line_and_exit_2(tmp_path: Path) -> None:
    for env in (
        {"TELEGRAM_BOT_TOKEN": "not a token"},
        {"BOT_LOG_LEVEL": "LOUD"},
        {"TELEGRAM_BASE_URL": "ftp://x"},
        {"BOT_CONTENT_DIR": str(tmp_path / "no")},
    ):
        result = run_bot("check", env=env)
        assert result.returncode == 2, env
        assert result.stderr.startswith("configuration error: ")
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_broken_content_is_reported_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "da").mkdir()
    (tmp_path / "da" / "menu.yaml").write_text("flow: menu\n")
    result = run_bot("check", env={"BOT_CONTENT_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "menu.yaml: title: is missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_token_and_no_terminal_is_a_clear_error(tmp_path: Path) -> None:
    result = run_bot(tmp=tmp_path)
    assert result.returncode == 2
    assert "TELEGRAM_BOT_TOKEN is not set" in result.stderr


@pytest.mark.slow
def test_terminal_chat_answers_and_resumes_after_restart(tmp_path: Path) -> None:
    first = run_bot("chat", tmp=tmp_path, stdin="/start anbefaling1\n1\n")
    assert first.returncode == 0, first.stderr
    assert "[1] Videre ➡️" in first.stdout
    second = run_bot("chat", tmp=tmp_path, stdin="1\n")
    assert "Vil I fortsætte, hvor I slap" in second.stdout
    assert "[1] ▶️ Fortsæt" in second.stdout


@pytest.mark.slow
def test_operator_export_writes_a_file(tmp_path: Path) -> None:
    run_bot("chat", tmp=tmp_path, stdin="/start trin3\n")
    out = tmp_path / "plan.json"
    result = run_bot("export", "--chat", "1", "--format", "json", "--out", str(out), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert '"flow": "trin3"' in out.read_text()
    missing = run_bot("export", "--chat", "999", "--format", "pdf", "--out", str(out), tmp=tmp_path)
    assert missing.returncode == 2
    assert "no chat 999" in missing.stderr
