"""Hostile process and disk: a second process, a damaged file, unsafe keys, tampered rows.

Every attack goes through the real process (`python -m bot ...` as a subprocess) and its
files. A start-up fault must end in exit code 2 and ONE line on stderr saying what to do;
never a traceback, never a silent start over.

Folders are made read-only with chmod. Root ignores file modes, so when the tests run as
root the bot process runs as `nobody` (uid 65534) in a world-traversable sandbox.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.lock import LOCK_NAME
from storage import DamagedValue, SqliteStore
from storage.crypto import DataKeyError, new_key
from tests.fakebotapi import FakeBotAPI

pytestmark = pytest.mark.slow  # each test starts bot processes

ROOT = Path(__file__).resolve().parent.parent
NOBODY = 65534
AS_ROOT = os.geteuid() == 0
UNIT = ROOT / "deploy" / "inklusionsguiden.service"


@pytest.fixture
def box() -> Iterator[Path]:
    """A sandbox folder the service user can reach (pytest's tmp_path is root's 0700)."""
    path = Path(tempfile.mkdtemp(prefix="hostile-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    for sub in path.rglob("*"):  # give root's cleanup back what chmod took away
        if sub.is_dir() and not sub.is_symlink():
            sub.chmod(0o700)
    shutil.rmtree(path, ignore_errors=True)


def service_owned(*paths: Path) -> None:
    """Give folders and files to the user the bot runs as (nobody under root)."""
    for path in paths:
        if AS_ROOT:
            os.chown(path, NOBODY, NOBODY)


def as_service_user(command: list[str]) -> list[str]:
    """Prefix a command so that, under root, it runs as nobody (files modes then count)."""
    if not AS_ROOT:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: cannot drop privileges for the bot")
    return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


def env_for(data: Path, key: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "BOT_"))}
    env.update(BOT_DATA_DIR=str(data), BOT_KEY_FILE=str(key), PYTHONDONTWRITEBYTECODE="1")
    env.update(extra or {})
    return env


def bot(
    *args: str,
    data: Path,
    key: Path,
    env: dict[str, str] | None = None,
    stdin: str = "",
    service_user: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to the end; as the unprivileged service user if asked."""
    command = [sys.executable, "-m", "bot", *args]
    return subprocess.run(
        as_service_user(command) if service_user else command,
        cwd=ROOT,
        env=env_for(data, key, env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_exit_2(result: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Assert the start-up fault contract and return the line."""
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def wait_for_lock(data: Path, pid: int, timeout: float = 30) -> str:
    """Wait until the process `pid` holds the data folder's lock; return the lock line."""
    deadline = time.monotonic() + timeout
    path = data / LOCK_NAME
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().startswith(f"pid {pid} "):
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"pid {pid} never took the lock")


def start_holder(data: Path, key: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """Start a long-running `python -m bot ARGS` (stdin left open) and wait for its lock."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=ROOT,
        env=env_for(data, key, env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_lock(data, process.pid)
    return process


# --- 5. two processes on one database --------------------------------------------------------


def test_a_second_process_is_refused_while_the_terminal_chat_runs(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    holder = start_holder(data, key, "chat")
    try:
        line = (data / LOCK_NAME).read_text().strip()
        assert line == f"pid {holder.pid} (python -m bot chat)"
        for args in (("chat",), ("rotate-key",), ("export", "--chat", "1", "--format", "json",
                     "--out", str(tmp_path / "x.json")), ("encrypt",)):  # fmt: skip
            result = bot(*args, data=data, key=key)
            one_line_exit_2(result, f"pid {holder.pid} (python -m bot chat)", "stop that process")
        assert not (tmp_path / "x.json").exists()
        # Read-only operator commands still work while it runs (WAL snapshot, no lock).
        status = bot("status", data=data, key=key)
        assert status.returncode == 0, status.stderr
        backup = bot("backup", str(tmp_path / "copy.sqlite"), data=data, key=key)
        assert backup.returncode == 0, backup.stderr
    finally:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0
    assert (data / LOCK_NAME).read_text() == ""  # released and blanked on a clean exit
    assert bot("chat", data=data, key=key, stdin="/start\n").returncode == 0


def test_rotate_key_is_refused_while_the_telegram_bot_runs_and_works_after(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    assert bot("chat", data=data, key=key, stdin="/start anbefaling1\n1\n").returncode == 0
    old_key = key.read_bytes()
    with FakeBotAPI() as fake:
        telegram = {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url}
        holder = start_holder(data, key, env=telegram)
        try:
            fake.send_text(7, "/start")
            fake.wait_for_messages(7, 1, timeout=30)
            second = bot(data=data, key=key, env=telegram)  # a second polling bot
            one_line_exit_2(second, f"pid {holder.pid} (python -m bot)")
            rotate = bot("rotate-key", data=data, key=key)
            one_line_exit_2(rotate, f"pid {holder.pid} (python -m bot)", "stop that process")
            assert key.read_bytes() == old_key  # nothing was re-encrypted under the bot
        finally:
            holder.send_signal(signal.SIGTERM)
            holder.communicate(timeout=30)
    assert holder.returncode == 0
    rotate = bot("rotate-key", data=data, key=key)
    assert rotate.returncode == 0, rotate.stderr
    again = bot("chat", data=data, key=key, stdin="")
    assert "Vil I fortsætte, hvor I slap" in again.stdout  # every answer still readable


def test_a_stale_lock_of_a_killed_process_does_not_block(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    holder = start_holder(data, key, "chat")
    holder.kill()  # SIGKILL: no clean-up ran, the lock file still names it
    holder.communicate(timeout=30)
    assert (data / LOCK_NAME).read_text().startswith(f"pid {holder.pid} ")
    result = bot("chat", data=data, key=key, stdin="/start\n")
    assert result.returncode == 0, result.stderr
    # A lock file with garbage in it (or a pid that was reused) blocks nobody either.
    (data / LOCK_NAME).write_text("pid 1 (python -m bot)\n\x00garbage")
    assert bot("rotate-key", data=data, key=key).returncode == 0


def test_a_process_killed_while_it_writes_a_new_key_leaves_no_half_key(tmp_path: Path) -> None:
    # The first start creates the key file. Killed after the key was written to disk but
    # before it was in place (the worst moment: an empty or partial key file would refuse
    # every later start with "does not hold a key"), it must leave no key file at all.
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    killer = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from storage.crypto import create_key_file\n"
        "os.link = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        "create_key_file(Path(sys.argv[1]))\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", killer, str(key)], cwd=ROOT, capture_output=True, timeout=60
    )
    assert killed.returncode == -signal.SIGKILL
    assert not key.exists()
    result = bot("chat", data=data, key=key, stdin="/start\n")
    assert result.returncode == 0, result.stderr
    assert len(key.read_bytes().strip()) == 44  # a whole key
    assert sorted(p.name for p in key.parent.iterdir()) == ["data.key"]  # no stray copy


# --- 6. storage faults at start-up -----------------------------------------------------------


def make_database(data: Path, key: Path) -> None:
    result = bot("chat", data=data, key=key, stdin="/start anbefaling1\n1\n")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("damage", ["garbage", "truncated", "zeroed-pages", "header"])
def test_a_damaged_database_file_is_one_line_and_exit_2(tmp_path: Path, damage: str) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    make_database(data, key)
    db = data / "inklusionsguiden.sqlite"
    raw = db.read_bytes()
    if damage == "garbage":
        db.write_bytes(os.urandom(len(raw)))
    elif damage == "truncated":
        db.write_bytes(raw[: len(raw) // 3 + 7])
    elif damage == "zeroed-pages":
        db.write_bytes(raw[:4096] + b"\xff" * (len(raw) - 4096))
    else:
        db.write_bytes(b"SQLite format 2\x00" + raw[16:])
    for command in ("chat", "status"):
        result = bot(command, data=data, key=key, stdin="/start\n")
        one_line_exit_2(result, str(db), "damaged", "restore the latest backup")
    assert db.stat().st_size > 0  # kept for the operator, never replaced by an empty one


def test_a_read_only_data_folder_is_one_line_and_exit_2(box: Path) -> None:
    data, keys = box / "data", box / "keys"
    data.mkdir(mode=0o755), keys.mkdir(mode=0o700)
    service_owned(keys)
    data.chmod(0o555)  # not the service user's, or read-only for it
    result = bot("chat", data=data, key=keys / "data.key", service_user=True)
    one_line_exit_2(result, f"cannot write in the data folder {data}", "writable")
    assert not (keys / "data.key").exists()


def test_a_read_only_database_file_is_one_line_and_exit_2(box: Path) -> None:
    data, keys = box / "data", box / "keys"
    data.mkdir(mode=0o700), keys.mkdir(mode=0o700)
    service_owned(data, keys)
    make_database(data, keys / "data.key")
    for path in [data, *data.iterdir(), keys, *keys.iterdir()]:
        service_owned(path)
    db = data / "inklusionsguiden.sqlite"
    db.chmod(0o400)
    if AS_ROOT:
        os.chown(db, 0, 0)  # not nobody's: read-only for it
        db.chmod(0o644)
    result = bot("chat", data=data, key=keys / "data.key", stdin="/start\n", service_user=True)
    one_line_exit_2(result, "read-only", str(db))


def test_a_read_only_key_folder_at_the_first_start_is_one_line_and_exit_2(box: Path) -> None:
    data, keys = box / "data", box / "keys"
    data.mkdir(mode=0o700), keys.mkdir(mode=0o755)
    service_owned(data)
    keys.chmod(0o555)
    result = bot("chat", data=data, key=keys / "data.key", service_user=True)
    one_line_exit_2(result, f"cannot create the key file {keys / 'data.key'}", "init-key")
    # The documented one-time step, run by someone who may write there, fixes it.
    keys.chmod(0o700)
    service_owned(keys)
    made = bot("init-key", data=data, key=keys / "data.key", service_user=True)
    assert made.returncode == 0, made.stderr
    keys.chmod(0o555)
    assert oct((keys / "data.key").stat().st_mode & 0o777) == "0o600"
    ok = bot("chat", data=data, key=keys / "data.key", stdin="/start\n", service_user=True)
    assert ok.returncode == 0, ok.stderr
    again = bot("init-key", data=data, key=keys / "data.key", service_user=True)
    one_line_exit_2(again, "already exists")


def test_a_missing_or_unreadable_key_file_is_one_line_and_exit_2(box: Path) -> None:
    data, keys = box / "data", box / "keys"
    data.mkdir(mode=0o700), keys.mkdir(mode=0o700)
    service_owned(data, keys)
    key = keys / "data.key"
    made = bot("chat", data=data, key=key, stdin="/start\n", service_user=True)
    assert made.returncode == 0, made.stderr
    saved = key.read_bytes()
    key.unlink()
    missing = bot("chat", data=data, key=key, service_user=True)
    one_line_exit_2(missing, f"no key file at {key}", "restore the key file")
    assert not key.exists()  # no new key was made for an encrypted database
    key.write_bytes(saved)
    key.chmod(0o600)
    if AS_ROOT:
        os.chown(key, 0, 0)  # root's 0600 key: unreadable for the service user
    else:
        key.chmod(0o000)
    unreadable = bot("chat", data=data, key=key, service_user=True)
    one_line_exit_2(unreadable, f"cannot read the key file {key}", "Permission denied")
    key.chmod(0o600)
    service_owned(key)
    key.write_text("not a key\n")
    garbage = bot("chat", data=data, key=key, service_user=True)
    one_line_exit_2(garbage, f"the key file {key} does not hold a key")


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_key_file_readable_by_others_is_refused_like_ssh_does(tmp_path: Path, mode: int) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    make_database(data, key)
    key.chmod(mode)
    for command in ("chat", "rotate-key", "status"):
        result = bot(command, data=data, key=key)
        one_line_exit_2(
            result, f"permissions {mode:04o} for {key} are too open", f"chmod 600 {key}"
        )
    key.chmod(0o600)
    assert bot("status", data=data, key=key).returncode == 0


def test_a_wrong_or_malformed_key_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    make_database(data, key)
    wrong = bot("chat", data=data, key=key, env={"BOT_DATA_KEY": new_key().decode()})
    one_line_exit_2(wrong, "does not open this database", "use the key it was encrypted with")
    malformed = bot("chat", data=data, key=key, env={"BOT_DATA_KEY": "short"})
    one_line_exit_2(malformed, "32 url-safe base64-encoded bytes")


# --- 6. tampered and damaged rows ------------------------------------------------------------


def plant(db: Path, key: str, value: bytes) -> None:
    """Write a row straight into the file, as someone with the file but not the key would."""
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:
        connection.execute("INSERT OR REPLACE INTO chats VALUES (?, ?)", (key, value))


def open_store(data: Path, key: Path) -> SqliteStore:
    return SqliteStore(data / "inklusionsguiden.sqlite", key=key.read_bytes().strip())


def test_a_planted_plaintext_row_is_refused_set_aside_and_counted(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    make_database(data, key)
    db = data / "inklusionsguiden.sqlite"
    forged = {"schema_version": 99, "flow": "menu", "answers": {"x": {"text": "FORGED"}}}
    plant(db, "chat:666", json.dumps(forged).encode())
    plant(db, "chat:667", b"gAAAAAB" + os.urandom(60))  # looks like a token, is not one
    store = open_store(data, key)
    for chat in ("chat:666", "chat:667"):
        with pytest.raises(DamagedValue) as caught:
            store.get(chat)
        assert caught.value.key == chat
        assert caught.value.reason == "not a valid ciphertext for the data key"
    store.close()
    status = json.loads(bot("status", data=data, key=key).stdout)
    assert (status["damaged_values_in_place"], status["damaged_values_set_aside"]) == (2, 0)
    store = open_store(data, key)
    assert store.set_aside("chat:666") and store.set_aside("chat:667")
    assert store.get("chat:666") is None  # the chat can start over
    assert not store.set_aside("chat:1")  # a readable value stays where it is
    assert not store.set_aside("chat:404")
    store.close()
    status = json.loads(bot("status", data=data, key=key).stdout)
    assert (status["damaged_values_in_place"], status["damaged_values_set_aside"]) == (0, 2)
    with contextlib.closing(sqlite3.connect(db)) as connection:
        kept = connection.execute("SELECT key, reason, value FROM damaged_values").fetchall()
    assert {k for k, _, _ in kept} == {"chat:666", "chat:667"}
    assert json.dumps(forged).encode() in [bytes(v) for _, _, v in kept]  # kept as it lay
    store = open_store(data, key)
    store.erase("chat:666")  # /slet removes what was set aside, too
    assert store.damaged_count() == 1
    store.close()


def test_one_flipped_byte_in_a_ciphertext_is_a_damaged_value(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    make_database(data, key)
    store = open_store(data, key)
    raw = bytearray(store.raw("chat:1") or b"")
    store.close()
    raw[len(raw) // 2] ^= 0x01
    plant(data / "inklusionsguiden.sqlite", "chat:1", bytes(raw))
    store = open_store(data, key)
    with pytest.raises(DamagedValue):
        store.get("chat:1")
    store.close()
    # rotate-key does not carry an unreadable value over as data: it sets it aside.
    rotate = bot("rotate-key", data=data, key=key)
    assert rotate.returncode == 0, rotate.stderr
    assert "set aside 1 values that could not be decrypted" in rotate.stdout
    store = open_store(data, key)
    assert store.get("chat:1") is None and store.damaged_count() == 1
    store.close()


def test_a_database_swapped_for_a_plaintext_one_is_refused(tmp_path: Path) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    make_database(data, key)
    db = data / "inklusionsguiden.sqlite"
    with contextlib.closing(sqlite3.connect(db)) as connection, connection:  # no key check
        connection.execute("DELETE FROM chats WHERE key = 'meta:keycheck'")
    plant(db, "chat:666", b'{"flow": "menu"}')
    result = bot("chat", data=data, key=key, stdin="/start\n")
    one_line_exit_2(result, "unencrypted values", "python -m bot encrypt")
    with pytest.raises(DataKeyError, match="unencrypted"):
        open_store(data, key)  # the planted value is never read as a chat state


def test_an_old_plaintext_database_is_encrypted_only_by_the_explicit_command(
    tmp_path: Path,
) -> None:
    data, key = tmp_path / "data", tmp_path / "keys" / "data.key"
    data.mkdir()
    plain = SqliteStore(data / "inklusionsguiden.sqlite")  # as before encryption existed
    plain.put("chat:5", {"flow": "menu", "answers": {}})
    plain.close()
    refused = bot("chat", data=data, key=key, stdin="/start\n")
    one_line_exit_2(refused, "holds 1 unencrypted values", "python -m bot encrypt")
    done = bot("encrypt", data=data, key=key)
    assert done.returncode == 0, done.stderr
    store = open_store(data, key)
    assert store.get("chat:5") == {"flow": "menu", "answers": {}}
    assert b"menu" not in (store.raw("chat:5") or b"")
    store.close()
    assert bot("chat", data=data, key=key, stdin="/start\n").returncode == 0


# --- 6. the shipped deployment works on the first start --------------------------------------


def parse_unit(text: str) -> list[tuple[str, str]]:
    """Return the unit's settings as (name, value) pairs, in order (names may repeat)."""
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")) and "=" in line:
            name, value = line.split("=", 1)
            pairs.append((name.strip(), value.strip()))
    return pairs


def unit_paths(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], list[str], list[str]]:
    """Return (environment, writable paths, read-only paths) as systemd would set them up."""
    env: dict[str, str] = {}
    writable: list[str] = []
    read_only: list[str] = []
    for name, value in pairs:
        if name == "Environment":
            for assignment in value.split():
                k, v = assignment.split("=", 1)
                env[k] = v
        elif name == "StateDirectory":
            writable += [f"/var/lib/{v}" for v in value.split()]
        elif name == "ReadWritePaths":
            writable += [v.lstrip("-") for v in value.split()]
        elif name == "ReadOnlyPaths":
            read_only += [v.lstrip("-") for v in value.split()]
    return env, writable, read_only


def under(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def first_start(unit_text: str, box: Path) -> subprocess.CompletedProcess[str]:
    """Start the bot as the unit would on a fresh machine, with `/` mapped into `box`.

    Folders systemd creates (StateDirectory=) belong to the service user, mode 0700; every
    other folder is root's and read-only for the bot, as ProtectSystem=strict makes it.
    """
    pairs = parse_unit(unit_text)
    settings = dict(pairs)
    assert settings["ProtectSystem"] == "strict" and settings["UMask"] == "0077"
    assert settings.get("StateDirectoryMode", "0755") == "0700"
    env, writable, read_only = unit_paths(pairs)
    for folder in writable:
        mapped = box / folder.lstrip("/")
        mapped.mkdir(parents=True, mode=0o700, exist_ok=True)
        service_owned(mapped)
    for folder in read_only:
        (box / folder.lstrip("/")).mkdir(parents=True, exist_ok=True)
    for folder in sorted({p for p in box.rglob("*") if p.is_dir()}, reverse=True):
        if not under("/" + str(folder.relative_to(box)), writable):
            folder.chmod(0o555)  # read-only for the service user
    data, key = (box / env[n].lstrip("/") for n in ("BOT_DATA_DIR", "BOT_KEY_FILE"))
    return bot("chat", data=data, key=key, stdin="/start\n", service_user=True)


def test_the_systemd_unit_works_on_the_first_start(box: Path) -> None:
    text = UNIT.read_text()
    env, writable, read_only = unit_paths(parse_unit(text))
    data_dir, key_file = env["BOT_DATA_DIR"], env["BOT_KEY_FILE"]
    assert under(data_dir, writable) and not under(data_dir, read_only)
    assert under(str(Path(key_file).parent), writable), "the bot could not create its key"
    assert not under(key_file, [data_dir]), "the key must not lie with the data"
    result = first_start(text, box)
    assert result.returncode == 0, result.stderr
    created = box / key_file.lstrip("/")
    assert oct(created.stat().st_mode & 0o777) == "0o600"


def test_the_old_unit_with_a_read_only_key_folder_fails_with_one_line(box: Path) -> None:
    """The check above is not vacuous: the unit as it shipped before fails in it."""
    text = UNIT.read_text()
    old = re.sub(r"Environment=BOT_KEY_FILE=\S+", "Environment=BOT_KEY_FILE="
                 "/etc/inklusionsguiden/keys/data.key", text)  # fmt: skip
    old = old.replace("ReadOnlyPaths=", "ReadOnlyPaths=/etc/inklusionsguiden ", 1)
    if "ReadOnlyPaths=" not in old:
        old += "\nReadOnlyPaths=/etc/inklusionsguiden\n"
    one_line_exit_2(first_start(old, box), "cannot create the key file", "init-key")


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 4 MiB tmpfs (root only; skipped where mounting is not allowed)."""
    path = Path(tempfile.mkdtemp(prefix="tinydisk-", dir="/tmp"))
    mounted = AS_ROOT and shutil.which("mount") is not None
    if mounted:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(path)], capture_output=True
        ).returncode == 0  # fmt: skip
    if not mounted:
        path.rmdir()
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=False)
        path.rmdir()


def test_a_full_disk_at_start_up_is_one_line_and_exit_2(tiny_disk: Path, tmp_path: Path) -> None:
    (tiny_disk / "filler").write_bytes(b"\1" * (4096 - 40) * 1024)  # 40 KiB left
    data, key = tiny_disk / "data", tmp_path / "keys" / "data.key"
    result = bot("chat", data=data, key=key, stdin="/start\n")
    one_line_exit_2(result, "is full", "free space")
    (tiny_disk / "filler").unlink()
    assert bot("chat", data=data, key=key, stdin="/start\n").returncode == 0
