"""The operator's export command: one quiet line, and a file named in the chat's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import run_bot

pytestmark = pytest.mark.slow  # starts the bot process


def test_export_prints_one_line_and_names_the_file_in_the_chats_language(
    tmp_path: Path,
) -> None:
    run_bot("chat", tmp=tmp_path, stdin="/language\n2\n")
    out = tmp_path / "plan.pdf"
    result = run_bot("export", "--chat", "1", "--format", "pdf", "--out", str(out), tmp=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no fontTools INFO lines
    assert result.stdout.count("\n") == 1 and result.stdout.startswith("wrote ")
    assert "suggested name inclusion-plan-" in result.stdout
    assert out.read_bytes().startswith(b"%PDF-")
