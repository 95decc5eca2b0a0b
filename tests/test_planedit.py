"""A change from the Mini App goes through the engine like a press in the chat."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dialogues import Library, dates
from dialogues.miniapp.change import Change, Refusal, parse
from dialogues.miniapp.view import Reader, build
from tests.test_catalogue import walk_to_summary
from tests.test_plan_items import new_row_with_focus_and_goal
from tests.transcript import Clock, Transcript

AT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
GROUP = -100123


def body(
    op: str = "edit", item: str = "plan-r1", rid: str = "req-0000000000000001", **fields: object
) -> dict[str, object]:
    return {"chat": "100", "request_id": rid, "op": op, "item": item, "fields": fields}


def change(user: Transcript, raw: dict[str, object]) -> str:
    """Send the change as the server does (parsed first); return the engine's outcome."""
    parsed = parse(raw, user.clock(), tz=dates.LOCAL)
    assert isinstance(parsed, Change), parsed
    replies = user._run("app", data=parsed.to_data())
    outcomes = [r.outcome for r in replies if r.outcome]
    assert len(outcomes) == 1
    return outcomes[0]


def notices(user: Transcript) -> list[str]:
    return [r.text for r in user.replies if not r.outcome]


def view(user: Transcript, lang: str = "da", admin: bool = True) -> dict[str, object]:
    reader = Reader(user.user_id, user.name, admin, user.chat_id < 0)
    return build(
        user.conversations.library.get(lang),
        user.state,
        user.chat_id,
        "t",
        reader,
        user.clock(),
        tz=dates.LOCAL,
    )


def test_parse_keeps_values_within_their_bounds() -> None:
    assert parse(body(due="2027-03-24", precision="week"), AT, tz=dates.LOCAL) == Change(
        100,
        "req-0000000000000001",
        "edit",
        "plan-r1",
        (("due", {"date": "2027-03-26", "precision": "week"}),),
    )
    refusals = {
        "chat": parse({**body(goal="x"), "chat": "abc"}, AT, tz=dates.LOCAL),
        "request_id": parse(body(rid="short", goal="x"), AT, tz=dates.LOCAL),
        "item": parse(body(item="../etc", goal="x"), AT, tz=dates.LOCAL),
        "goal": parse(body(goal="x" * 501), AT, tz=dates.LOCAL),
        "who": parse(body(who="x" * 201), AT, tz=dates.LOCAL),
        "subgoals": parse(body(subgoals=["a"] * 21), AT, tz=dates.LOCAL),
        "actions": parse(body(actions=["a", 3]), AT, tz=dates.LOCAL),
        "status": parse(body(status="finished"), AT, tz=dates.LOCAL),
        "precision": parse(body(due="2027-03-24", precision="month"), AT, tz=dates.LOCAL),
        "due": parse(body(due="2037-03-24", precision="day"), AT, tz=dates.LOCAL),
        "secret": parse(body(secret="x"), AT, tz=dates.LOCAL),
        "fields": parse(body(), AT, tz=dates.LOCAL),
    }
    assert parse(body(goal="   "), AT, tz=dates.LOCAL) == Refusal("bad_value", "goal")
    assert refusals == {k: Refusal("bad_value", k) for k in refusals}
    assert parse(body(item="anbefaling1-s1", goal="x"), AT, tz=dates.LOCAL) == Refusal(
        "bad_value", "goal"
    )  # a step has no goal
    assert parse("[]", AT, tz=dates.LOCAL) == Refusal("bad_request")
    assert parse(body(op="add", item="", who="Ane"), AT, tz=dates.LOCAL) == Refusal(
        "bad_value", "goal"
    )


def test_an_edit_changes_the_row_and_shows_in_the_chat(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    outcome = change(user, body(due="2027-03-24", precision="week", status="stuck", who="Peter"))
    assert outcome == "ok"
    row = user.state.plan[0]
    assert row["tid"] == {"date": "2027-03-26", "precision": "week"}
    assert (row["progress"], row["roller"]) == ("stuck", "Peter")
    assert row["edited"]["by"] == {"id": 7, "name": "Anna"}
    assert notices(user) == []  # a private chat is not told what its own user just did
    user.send("/plan")
    text = "\n".join(r.text for r in user.replies)
    assert "uge 12 (2027)" in text and "Kørt fast" in text and "Peter" in text


def test_the_view_labels_in_the_readers_language(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    change(user, body(due="2027-03-24", precision="week", status="in_progress"))
    item = view(user, "en")["items"][0]  # type: ignore[index]
    assert item["id"] == "plan-r1" and item["kind"] == "row"
    assert (item["focus"], item["focus_label"], item["goal"]) == (
        "Biblioteket",
        "Biblioteket",
        "At vi når nye grupper",
    )
    assert (item["due"], item["precision"], item["due_label"]) == (
        "2027-03-26",
        "week",
        "week 12 (2027)",
    )
    assert item["status"] == "in_progress" and item["mine"] is True
    assert view(user, "da")["items"][0]["due_label"] == "uge 12 (2027)"  # type: ignore[index]


def test_add_and_delete_and_a_replay_changes_nothing_twice(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.send("/start")
    assert (
        change(
            user,
            body(op="add", item="", rid="add-000000000000001", goal="Nye frivillige", focus="x"),
        )
        == "created"
    )
    assert (
        change(user, body(op="add", item="", rid="add-000000000000001", goal="Nye frivillige"))
        == "replayed"
    )
    assert [r["maal"] for r in user.state.plan] == ["Nye frivillige"]
    assert user.state.plan[0]["fokus"] == "own:x"
    assert (
        change(user, body(op="delete", item="plan-r9", rid="del-000000000000001"))
        == "bad_value:item"
    )
    assert change(user, body(op="delete", item="plan-r1", rid="del-000000000000002")) == "ok"
    assert user.state.plan == []


def test_a_planned_step_takes_who_when_and_status(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    walk_to_summary(user, "anbefaling1")
    step = next(
        i for i in view(user)["items"] if i["kind"] == "step" and i["status"] == "not_started"
    )  # type: ignore[union-attr]
    assert step["editable"] == ["who", "due", "status"]
    assert (
        change(
            user, body(item=step["id"], status="done", who="Bo", due="2027-01-08", precision="day")
        )
        == "ok"
    )
    again = next(i for i in view(user)["items"] if i["id"] == step["id"])  # type: ignore[union-attr]
    assert (again["status"], again["who"], again["due_label"]) == ("done", "Bo", "8. januar 2027")


@pytest.fixture
def board(library: Library) -> Transcript:
    admin = Transcript(
        library, chat_id=GROUP, user_id=1, name="Ida", clock=Clock(), chat_type="supergroup"
    )
    admin.send("/start")
    assert (
        change(admin, {**body(op="add", item="", goal="Et nyt mål"), "chat": str(GROUP)})
        == "created"
    )
    return admin


def test_in_a_group_the_board_is_told_in_one_line(board: Transcript) -> None:
    peter = board.as_member(2, "Peter")
    raw = {
        **body(due="2027-03-24", precision="week", rid="mov-000000000000001"),
        "chat": str(GROUP),
    }
    assert change(peter, raw) == "ok"
    assert notices(peter) == ["Peter flyttede fristen for «Et nyt mål» til uge 12 (2027)."]
    raw = {**body(status="done", rid="sta-000000000000001"), "chat": str(GROUP)}
    change(peter, raw)
    assert notices(peter) == ["Peter satte «Et nyt mål» til «Gjort»."]


def test_in_a_group_only_admins_delete(board: Transcript) -> None:
    peter = board.as_member(2, "Peter")
    raw = {**body(op="delete", rid="del-000000000000001"), "chat": str(GROUP)}
    assert change(peter, raw) == "not_admin"
    assert notices(peter) == []
    assert len(board.state.plan) == 1
    assert change(board, raw) == "ok"  # the same id: the refusal applied nothing
    assert notices(board) == ["Ida slettede «Et nyt mål» fra handleplanen."]
    assert board.state.plan == []


def test_a_change_makes_older_buttons_stale(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    new_row_with_focus_and_goal(user)
    old = user.keyboard
    change(user, body(op="add", item="", rid="add-000000000000002", goal="To"))
    change(user, body(op="delete", item="plan-r1", rid="del-000000000000003"))
    user.press(old.labels()[0], old)
    assert user.replies[0].text.startswith("Den knap hører til en ældre besked")
    assert [r["maal"] for r in user.state.plan] == ["To"]


def test_forged_event_data_is_refused_by_the_engine(library: Library) -> None:
    user = Transcript(library, clock=Clock())
    user.send("/start")
    replies = user._run("app", data='{"op": "add", "fields": {"goal": "x"}}')
    assert [r.outcome for r in replies] == ["bad_value:chat"]
    replies = user._run("app", data="not json")
    assert [r.outcome for r in replies] == ["bad_request"]
    assert user.state.plan == []
    assert json.loads(parse(body(goal="y"), AT, tz=dates.LOCAL).to_data())["fields"] == {
        "goal": "y"
    }  # type: ignore[union-attr]


def test_a_change_resyncs_the_reminders_on_commit(library: Library, tmp_path: Path) -> None:
    from bot.service import Conversations
    from dialogues import Event
    from storage import SqliteStore
    from storage.nudges import SqliteNudgeStore

    db = tmp_path / "db.sqlite"
    clock = Clock()
    nudges = SqliteNudgeStore(db)
    conversations = Conversations(library, SqliteStore(db), clock=clock, nudges=nudges)

    def app(raw: dict[str, object]) -> None:
        parsed = parse(raw, clock(), tz=dates.LOCAL)
        assert isinstance(parsed, Change)
        event = Event(100, 7, "Anna", "app", clock(), data=parsed.to_data())
        assert [r.outcome for r in conversations.handle(event)] == [
            "created" if parsed.op == "add" else "ok"
        ]

    def reminders() -> list[str]:
        """The refs of the deadline reminders: one per week with deadlines ('w:<Monday>')."""
        return [n.ref for n in nudges.pending(100) if n.kind == "week"]

    app(
        body(
            op="add",
            item="",
            rid="add-000000000000009",
            goal="Mål",
            due="2027-01-15",
            precision="day",
        )
    )
    assert reminders() == ["w:2027-01-11"]
    app(body(item="plan-r1", rid="mov-000000000000009", due="2027-02-19", precision="day"))
    assert reminders() == ["w:2027-02-15"]
    app(body(op="delete", item="plan-r1", rid="del-000000000000009"))
    assert reminders() == []
    nudges.close()
    conversations.store.close()
