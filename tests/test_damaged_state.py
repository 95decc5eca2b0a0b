"""A stored state with a field of the wrong JSON type is kept as stored and never served.

ChatState.from_dict reads every field as its declared type; a field of another type (or a
list or mapping holding an entry of the wrong shape) raises DamagedState naming the fields.
The turn loop then answers the way it answers data that cannot be decrypted: nothing stored
is changed, /mine_data sends it as stored, /privatliv answers, and /start or /slet set it
aside for the operator and begin anew (/slet then asks its confirmation).
"""

from __future__ import annotations

import json
import logging

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from bot.chats import chat_key
from dialogues import ChatState, Library
from dialogues.state import FIELDS, SCHEMA_VERSION, DamagedState, JsonValue
from tests.transcript import Transcript

SOUND = ChatState(
    lang="da",
    flow="menu",
    node="start",
    turn=3,
    started=True,
    history=[["menu", "start"]],
    answers={"trin1/q1": {"text": "Vores svar", "by": None, "at": None}},
    widget={"draft": "halvt"},
    checklists={"trin1/c": {"done": ["a"]}},
    plan=[{"id": "r1", "maal": "Flere frivillige"}],
    settings={"title": "Bestyrelsen"},
    updated_at="2026-11-23T10:00:00+00:00",
    seen_updates=[[5, "2026-11-23T10:00:00+00:00"]],
    posts={"1001": "q:trin1/q1"},
    visits={"trin1": {"started": "2026-11-23"}},
)


def fits(name: str, value: JsonValue) -> bool:
    """The declared JSON type of each field, written out here independently of the reader."""
    if value is None:  # absent: the field's default
        return True
    if name in ("lang", "flow", "node", "updated_at"):
        return isinstance(value, str)
    if name == "turn":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "started":
        return isinstance(value, bool)
    if name in ("widget", "settings"):
        return isinstance(value, dict)
    if name in ("answers", "checklists", "visits"):
        return isinstance(value, dict) and all(isinstance(v, dict) for v in value.values())
    if name == "posts":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if name == "plan":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if name == "history":
        pair = (list, str, str)
        return isinstance(value, list) and all(_shaped(v, pair) for v in value)
    assert name == "seen_updates"
    return isinstance(value, list) and all(_shaped(v, (list, int, str)) for v in value)


def _shaped(value: JsonValue, shape: tuple[type, type, type]) -> bool:
    kind, first, second = shape
    return (
        isinstance(value, kind)
        and len(value) == 2
        and isinstance(value[0], first)
        and not isinstance(value[0], bool)
        and isinstance(value[1], second)
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=16,
)
damage = st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1).filter(
    lambda fields: any(not fits(name, value) for name, value in fields.items())
)


def damaged(fields: dict[str, JsonValue]) -> dict[str, object]:
    """A sound stored state (as JSON) with these fields replaced."""
    return {**json.loads(json.dumps(SOUND.to_dict())), **fields}


def test_a_sound_state_reads_back_as_it_was() -> None:
    assert ChatState.from_dict(json.loads(json.dumps(SOUND.to_dict()))) == SOUND
    assert SOUND.copy() == SOUND


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"answers": ["mit svar"]}, "answers"),
        ({"answers": {"trin1/q1": "mit svar"}}, "answers"),
        ({"flow": 5}, "flow"),
        ({"turn": True}, "turn"),
        ({"turn": "3"}, "turn"),
        ({"started": 1}, "started"),
        ({"plan": [{"id": "r1"}, "Flere frivillige"]}, "plan"),
        ({"settings": ["Bestyrelsen"]}, "settings"),
        ({"history": [["menu"]]}, "history"),
        ({"seen_updates": [["5", "2026"]]}, "seen_updates"),
        ({"posts": {"1001": 7}}, "posts"),
        ({"widget": "halvt", "visits": []}, "widget, visits"),
    ],
)
def test_a_field_of_the_wrong_type_is_named_never_its_value(
    fields: dict[str, JsonValue], named: str
) -> None:
    with pytest.raises(DamagedState) as raised:
        ChatState.from_dict(damaged(fields))
    assert str(raised.value) == f"stored fields of the wrong type: {named}"
    assert raised.value.fields == tuple(named.split(", "))


def test_an_old_state_with_a_field_of_the_wrong_type_is_named_too() -> None:
    with pytest.raises(DamagedState, match=r"^stored fields of the wrong type: answers$"):
        ChatState.from_dict({"schema_version": 0, "answers": "mit svar"})
    with pytest.raises(DamagedState, match=r"^stored fields of the wrong type: schema_version$"):
        ChatState.from_dict({"schema_version": "to", "answers": {}})


def test_an_absent_or_null_field_reads_as_its_default() -> None:
    stored = {"schema_version": SCHEMA_VERSION, "lang": "en", "answers": None, "turn": None}
    assert ChatState.from_dict(stored) == ChatState(lang="en")


def test_the_safe_paths_repair_keeps_every_entry_that_fits() -> None:
    stored = damaged({"plan": [{"id": "r1"}, 7], "posts": {"1": "q:a/b", "2": 3}, "flow": 5})
    state = ChatState.readable(stored)
    assert (state.plan, state.posts, state.flow) == ([{"id": "r1"}], {"1": "q:a/b"}, None)
    assert state.answers == SOUND.answers


# ---- what the user notices ---------------------------------------------------------------


@pytest.fixture
def chat(library: Library) -> Transcript:
    user = Transcript(library)
    user.conversations.store.put(chat_key(user.chat_id), damaged({"answers": ["mit svar"]}))
    return user


def test_a_chat_whose_answers_are_a_list_still_gets_its_data(chat: Transcript) -> None:
    assert [r.export for r in chat.send("/mine_data")] == ["json"]
    _, body = chat.conversations.export(chat.chat_id, "json")
    assert json.loads(body)["state"]["answers"] == ["mit svar"]
    notice = chat.send("/privatliv")
    assert "g:mydata" in [b.data for row in notice[0].buttons for b in row]
    assert [r.export for r in chat.press_data("g:mydata")] == ["json"]
    assert chat.conversations.store.get(chat_key(chat.chat_id))["answers"] == ["mit svar"]


def test_any_other_message_explains_and_changes_nothing(chat: Transcript) -> None:
    before = chat.conversations.store.get(chat_key(chat.chat_id))
    for text in ("/plan", "/menu", "hej"):
        replies = chat.send(text)
        assert [r.text for r in replies] == [replies[0].text] and "/start" in replies[0].text
    assert chat.conversations.store.get(chat_key(chat.chat_id)) == before
    assert chat.conversations.store.damaged_count() == 0


def test_start_sets_the_data_aside_and_begins_anew_with_a_clear_message(
    chat: Transcript,
) -> None:
    replies = chat.send("/start")
    assert replies[0].text == "De gamle data er lagt til side. Vi begynder forfra."
    assert replies[-1].buttons and chat.state.flow == "menu" and chat.state.answers == {}
    assert chat.conversations.store.damaged_count() == 1  # kept for the operator


def test_slet_sets_the_data_aside_and_deletes_all_after_the_confirmation(
    chat: Transcript,
) -> None:
    asked = chat.send("/delete")
    assert asked[-1].text.startswith("Vil I slette alt")
    chat.press_option("yes")
    assert chat.state.answers == {} and chat.conversations.store.damaged_count() == 0


def test_in_a_group_only_an_admin_sets_the_boards_data_aside(library: Library) -> None:
    board = Transcript(library, chat_id=-100, chat_type="supergroup")
    stored = damaged({"plan": "Flere frivillige"})
    board.conversations.store.put(chat_key(-100), stored)
    member = board.as_member(2, "Bo", admin=False)
    assert member.send("snak ved bordet") == []  # table talk stays unanswered
    for command in ("/start", "/slet"):
        assert member.send(command)[0].text.startswith("Det kan kun gruppens administratorer")
    assert board.conversations.store.get(chat_key(-100)) == stored
    assert board.send("/start")[0].text.startswith("De gamle data er lagt til side")


def test_the_log_names_the_fields_and_nothing_typed(
    chat: Transcript, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        chat.send("/menu")
    assert "fields=answers" in caplog.text and "mit svar" not in caplog.text


# ---- any wrong-typed state: the data rights and /start always work -----------------------

DATA_RIGHTS = ["/slet", "/delete", "/mine_data", "/my_data", "/privatliv", "/privacy", "/start"]
SETS_ASIDE = {"/slet", "/delete", "/start", "g:delete"}


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fields=damage,
    asked=st.sampled_from([*DATA_RIGHTS, "g:mydata", "g:privacy", "g:delete", "/menu", "hej"]),
    group=st.booleans(),
    admin=st.booleans(),
)
def test_any_wrong_typed_state_keeps_the_data_rights_and_loses_nothing(
    library: Library, fields: dict[str, JsonValue], asked: str, group: bool, admin: bool
) -> None:
    chat_id = -100 if group else 100
    user = Transcript(library, chat_id=chat_id, chat_type="supergroup" if group else "private")
    user.is_admin = admin or not group
    stored = damaged(fields)
    store = user.conversations.store
    store.put(chat_key(chat_id), stored)
    expected = [n for n in FIELDS if n in fields and not fits(n, fields[n])]
    with pytest.raises(DamagedState) as raised:
        ChatState.from_dict(store.get(chat_key(chat_id)))
    assert list(raised.value.fields) == expected

    replies = user.press_data(asked) if asked.startswith("g:") else user.send(asked)
    assert bool(replies) is not (group and asked == "hej"), "table talk stays unanswered"
    if asked in SETS_ASIDE and user.is_admin:
        assert replies[0].text == "De gamle data er lagt til side. Vi begynder forfra."
        assert store.damaged_count() == 1 and store.get(chat_key(chat_id)) != stored
        return
    assert store.get(chat_key(chat_id)) == stored and store.damaged_count() == 0
    if asked in ("/mine_data", "/my_data", "g:mydata"):
        assert [r.export for r in replies] == ["json"]
        _, body = user.conversations.export(chat_id, "json")
        assert json.loads(body)["state"] == stored
