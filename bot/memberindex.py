"""Who took part in which group: a member's private /grupper list and part of their /mine_data.

Two encrypted documents hold the relation, one from each side, so that deleting either side
finds the other without reading every document:

    "user:<tag of the user id>"      -> {"groups": [group ids]}
    "members:<tag of the group id>"  -> {"users": [user ids]}

A tag is HMAC-SHA256 of the id under a random secret, truncated to 128 bits. The secret is
stored like every value (under "meta:index", encrypted with the data key), so without the key
the keys show no Telegram id and no group id, and `rotate-key`, which re-encrypts values and
keeps keys, keeps every tag valid. The index is self-cleaning: a group whose state is gone is
dropped from a member's list whenever the list is read.

Older versions keyed the user's list as "user:<id>"; those keys are moved to tags once, the
first time a store is used here (and at the bot's start).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import threading
import weakref
from collections.abc import Callable

from storage import DamagedValue, Document, Store

log = logging.getLogger("inklusionsguiden.index")
SECRET_KEY = "meta:index"
USER = "user:"
MEMBERS = "members:"
MAX_GROUPS = 50  # a user's list keeps the groups they took part in most recently
MAX_MEMBERS = 10_000  # a group's list of members, a bound against unbounded growth
_LEGACY = re.compile(r"user:-?\d{1,20}")
_lock = threading.RLock()  # one read-modify-write of the index at a time, in this process
_secrets: weakref.WeakKeyDictionary[object, bytes | None] = weakref.WeakKeyDictionary()
_migrated: weakref.WeakSet[object] = weakref.WeakSet()
# Per store: the (user, group) pairs written in this process, so a member's every message
# in a group costs no read; forgetting a user or a group drops their pairs.
_known: weakref.WeakKeyDictionary[object, set[tuple[int, int]]] = weakref.WeakKeyDictionary()


def known(store: Store, user_id: int, group_id: int) -> bool:
    """Tell, without I/O, whether this process already noted the user in the group."""
    return (user_id, group_id) in _known.get(store, ())


def _secret(store: Store, create: bool) -> bytes | None:
    """Return the store's index secret; create it only when asked (never on a read)."""
    known = _secrets.get(store)
    if known is not None:
        return known
    try:
        found = store.get(SECRET_KEY)
    except DamagedValue:
        _start_afresh(store)
        found = None
    if found is None and create:
        found = {"secret": base64.b64encode(secrets.token_bytes(32)).decode("ascii")}
        store.put(SECRET_KEY, found)
    if found is None:
        return None
    value = base64.b64decode(found["secret"])
    _secrets[store] = value
    return value


def _start_afresh(store: Store) -> None:
    """The secret cannot be read: set it aside, and drop the lists no one can find now.

    Lists are rebuilt as members take part again; nothing anyone wrote is in them.
    """
    log.warning("member index secret unreadable: set aside, index started afresh")
    store.set_aside(SECRET_KEY)
    for key in list(store.keys()):
        if key.startswith((USER, MEMBERS)) and not _LEGACY.fullmatch(key):
            store.erase(key)
    _known.pop(store, None)


def _read(store: Store, key: str) -> Document:
    """Return an index document; a damaged one is set aside for the operator and read as empty."""
    try:
        return store.get(key) or {}
    except DamagedValue:
        log.warning("member index entry unreadable: set aside")
        store.set_aside(key)
        return {}


def _exists(store: Store, chat_id: int) -> bool | None:
    """Tell whether a chat's state is stored: None when it is there but cannot be read."""
    try:
        return store.get(f"chat:{chat_id}") is not None  # chats.chat_key
    except DamagedValue:
        return None


def _tag(secret: bytes, kind: str, value: int) -> str:
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def user_key(secret: bytes, user_id: int) -> str:
    """Return the storage key of a user's list of groups."""
    return USER + _tag(secret, "user", user_id)


def members_key(secret: bytes, group_id: int) -> str:
    """Return the storage key of a group's list of members."""
    return MEMBERS + _tag(secret, "group", group_id)


def _ready(store: Store, create: bool = False) -> bytes | None:
    """Move legacy 'user:<id>' keys to tags once per store; return the secret."""
    if store not in _migrated:
        migrate_legacy(store)
    return _secret(store, create)


def migrate_legacy(store: Store) -> int:
    """Move every legacy 'user:<id>' list to tagged keys; return how many were moved.

    Crash-safe: each list is written under its tags before its old key is erased, and adding
    is idempotent, so a run interrupted half-way is finished by the next one.
    """
    with _lock:
        old = [k for k in store.keys() if _LEGACY.fullmatch(k)]
        for key in old:
            user_id = int(key[len(USER) :])
            for group_id in _read(store, key).get("groups", []):
                if isinstance(group_id, int):
                    _add(store, user_id, group_id)
            store.erase(key)
        _migrated.add(store)
    if old:
        log.info("member index migrated lists=%d", len(old))
    return len(old)


def add(store: Store, user_id: int, group_id: int) -> None:
    """Note that a user took part in a group (both sides of the relation)."""
    with _lock:
        _ready(store, create=True)
        _add(store, user_id, group_id)
        _known.setdefault(store, set()).add((user_id, group_id))


def _add(store: Store, user_id: int, group_id: int) -> None:
    secret = _secret(store, create=True)
    assert secret is not None
    members = members_key(secret, group_id)
    users = _read(store, members).get("users", [])
    if user_id not in users:
        store.put(members, {"users": [*users, user_id][-MAX_MEMBERS:]})
    mine = user_key(secret, user_id)
    groups = _read(store, mine).get("groups", [])
    if group_id not in groups:
        store.put(mine, {"groups": [*groups, group_id][-MAX_GROUPS:]})


def groups_of(store: Store, user_id: int) -> list[int]:
    """Return the groups a user took part in whose data still exists (stale ones dropped)."""
    with _lock:
        secret = _ready(store)
        if secret is None:
            return []
        mine = user_key(secret, user_id)
        groups = [g for g in _read(store, mine).get("groups", []) if isinstance(g, int)]
        found = {g: _exists(store, g) for g in groups}
        kept = [g for g in groups if found[g] is not False]  # a damaged group stays listed
        if kept != groups:
            _write_or_erase(store, mine, "groups", kept)
        return [g for g in kept if found[g]]


def forget_chat(store: Store, chat_id: int) -> None:
    """Drop a chat from the index: a user's own list (private chat) or a group's members."""
    if chat_id > 0:
        forget_user(store, chat_id)
    else:
        forget_group(store, chat_id)


def forget_user(store: Store, user_id: int) -> None:
    """Erase a user's list, and the user from each of their groups' member lists."""
    with _lock:
        secret = _ready(store)
        if secret is None:
            return
        mine = user_key(secret, user_id)
        for group_id in _read(store, mine).get("groups", []):
            members = members_key(secret, group_id)
            users = _read(store, members).get("users", [])
            if user_id in users:
                _write_or_erase(store, members, "users", [u for u in users if u != user_id])
        store.erase(mine)
        _drop_known(store, lambda pair: pair[0] == user_id)


def forget_group(store: Store, group_id: int) -> None:
    """Erase a group's member list, and the group from each member's list."""
    with _lock:
        secret = _ready(store)
        if secret is None:
            return
        members = members_key(secret, group_id)
        for user_id in _read(store, members).get("users", []):
            mine = user_key(secret, user_id)
            groups = _read(store, mine).get("groups", [])
            if group_id in groups:
                _write_or_erase(store, mine, "groups", [g for g in groups if g != group_id])
        store.erase(members)
        _drop_known(store, lambda pair: pair[1] == group_id)


def move_group(store: Store, old_id: int, new_id: int) -> None:
    """A group became a supergroup: its members' lists follow it to the new id."""
    with _lock:
        secret = _ready(store)
        if secret is None:
            return
        for user_id in _read(store, members_key(secret, old_id)).get("users", []):
            _add(store, user_id, new_id)
        forget_group(store, old_id)


def _drop_known(store: Store, which: Callable[[tuple[int, int]], bool]) -> None:
    pairs = _known.get(store)
    if pairs:
        pairs.difference_update({p for p in pairs if which(p)})


def _write_or_erase(store: Store, key: str, field: str, values: list[int]) -> None:
    if values:
        store.put(key, {field: values})
    else:
        store.erase(key)
