"""The records of what a chat stores: read from JSON and written back exactly as stored.

Every stored shape (what the current code writes, the older forms it still reads, unknown
keys) round-trips unchanged; any other JSON value reads as `Damaged` (never an exception)
and is written back unchanged too; and a damaged record is skipped where the plan, the
summary and the reminders are built, instead of breaking them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.service import Conversations
from dialogues import Library, dates
from dialogues.documents.build import build_document
from dialogues.records.answers import PREFIX as OWN_PREFIX
from dialogues.records.base import Damaged, Deadline, time_label
from dialogues.records.chat import Answer, ChecklistMark, OwnQuestion
from dialogues.records.plan import FollowUp, PlanItem
from dialogues.reminders import planner
from dialogues.state import ChatState, JsonValue
from tests.langwords import words
from tests.test_catalogue import walk_to_summary
from tests.test_deadline_records import previous_release
from tests.transcript import Clock, Transcript

Record = Answer | OwnQuestion | ChecklistMark | PlanItem | FollowUp | Deadline | Damaged
Reader = Callable[[JsonValue], Record | None]
READERS: dict[str, Reader] = {
    "answer": Answer.from_json,
    "own question": OwnQuestion.from_json,
    "checklist mark": ChecklistMark.from_json,
    "plan item": PlanItem.from_json,
    "follow-up": FollowUp.from_json,
    "deadline": Deadline.from_json,
}

# --- the stored shapes -------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
texts = st.text(max_size=20)
moments = st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat)
people = st.fixed_dictionaries({"id": st.integers(1, 2**40), "name": texts})
deadlines = st.fixed_dictionaries(
    {"date": st.dates().map(date.isoformat), "precision": st.sampled_from(["day", "week"])}
)
# Stored before precisions were (schema 2), and still read: the label it was typed with.
old_deadlines = st.fixed_dictionaries(
    {"label": st.sampled_from(["uge 6 (2027)", "1. februar 2027", "week 3"]),
     "date": st.dates().map(date.isoformat)}
)  # fmt: skip
times = st.none() | deadlines | old_deadlines
unknown = st.dictionaries(st.sampled_from(["note", "x-later", "kind"]), json_values, max_size=2)


def record(required: dict[str, st.SearchStrategy[JsonValue]],
           optional: dict[str, st.SearchStrategy[JsonValue]]) -> st.SearchStrategy[JsonValue]:  # fmt: skip
    """A stored mapping: its required keys, any of its optional ones, maybe unknown ones."""
    known = st.fixed_dictionaries(required, optional=optional)
    return st.tuples(known, unknown).map(lambda pair: pair[1] | pair[0])


authors = {"by": st.none() | people, "at": st.none() | moments}
answers = record({"text": texts}, {**authors, "edited": st.fixed_dictionaries(authors)})
own_questions = record({"question": texts, "text": texts}, authors)
progress = {
    "progress": st.sampled_from(["", "progress", "done", "stuck"]),
    "progress_by": st.none() | people,
    "progress_at": st.none() | moments,
}
marks = record(
    {"status": st.sampled_from(["done", "planned", "na"])},
    {"who": st.none() | texts, "when": times, **authors, **progress},
)
plan_rows = record(
    {"id": st.from_regex(r"r[0-9]{1,3}", fullmatch=True)},
    {
        "fokus": texts,
        "maal": texts,
        "delmaal": st.lists(texts, max_size=3),
        "handlinger": st.lists(texts, max_size=3),
        "tid": times,
        "roller": texts,
        **authors,
        "edited": st.fixed_dictionaries(authors),
        **progress,
    },
)
followups = record(
    {},
    {
        "cadence": st.sampled_from(["month", "quarter", "halfyear", "none"]),
        "next_meeting": times,
        "moved": st.dictionaries(st.dates().map(date.isoformat), st.dates().map(date.isoformat)),
        **authors,
    },
)
SHAPES: dict[str, st.SearchStrategy[JsonValue]] = {
    "answer": answers,
    "own question": own_questions,
    "checklist mark": marks,
    "plan item": plan_rows,
    "follow-up": followups,
    "deadline": deadlines | old_deadlines,
}


def round_trip(what: str, value: JsonValue) -> Record | None:
    """Read a stored value and write it back; return what was read."""
    found = READERS[what](value)
    if value is None and what == "follow-up":
        assert found == FollowUp()  # none stored: no rhythm chosen
        return found
    assert (found.to_json() if found is not None else None) == value
    return found


@pytest.mark.parametrize("what", list(SHAPES))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_stored_shape_is_read_whole_and_written_back_as_it_was(
    what: str, data: st.DataObject
) -> None:
    value = data.draw(SHAPES[what])
    found = round_trip(what, value)
    assert not isinstance(found, Damaged), found


@pytest.mark.parametrize("what", list(READERS))
@settings(max_examples=150, deadline=None)
@given(value=json_values)
def test_any_other_value_reads_as_damaged_or_a_record_and_is_kept_as_it_was(
    what: str, value: JsonValue
) -> None:
    round_trip(what, value)  # never raises; a damaged value is written back unchanged


def stored_records(state: ChatState) -> list[tuple[str, Record | None]]:
    """Return every record of a state, read (answers, own questions, marks, rows, rhythm)."""
    own = f"/{OWN_PREFIX}"
    found: list[tuple[str, Record | None]] = []
    for key, raw in state.answers.items():
        what = "own question" if own in key else "answer"
        found.append((what, round_trip(what, raw)))
    found += [
        ("checklist mark", round_trip("checklist mark", r)) for r in state.checklists.values()
    ]
    found += [("plan item", round_trip("plan item", row)) for row in state.plan]
    if "followup" in state.settings:
        found.append(("follow-up", round_trip("follow-up", state.settings["followup"])))
    return found


@pytest.mark.parametrize("name", ["plain.sqlite", "encrypted.sqlite"])
def test_the_committed_database_reads_as_records_without_damage(
    library: Library, tmp_path: Path, name: str
) -> None:
    with previous_release(tmp_path, name) as store:
        state = Conversations(library, store, clock=Clock()).load(501)
    found = stored_records(state)
    kinds = sorted({what for what, _ in found})
    assert kinds == ["answer", "checklist mark", "follow-up", "plan item"]
    assert [r for _, r in found if isinstance(r, Damaged)] == []
    rows = [r for what, r in found if isinstance(r, PlanItem)]
    assert [time_label(r.time, words("en")) for r in rows] == ["week 49 (2026)", "1 February 2027"]
    assert rows[0].sub_goals == ("At vi holder et fællesmøde", "At vi finder mentorer")


def test_what_the_bot_stores_in_a_journey_reads_as_records_without_damage(
    library: Library,
) -> None:
    user = Transcript(library, lang="da", clock=Clock())
    walk_to_summary(user, "anbefaling1")
    user.press_on("handleplan", flow="trin3")
    user.press("Ny række")
    user.press("Eget fokus")
    user.send("Biblioteket")
    user.send("At vi når nye grupper")
    user.send("Et møde\nEn aftale")
    user.press("Spring over")
    user.press("Vælg uge eller dato")
    user.send("1.2.2027")
    user.send("Formanden")
    user.press_on("kadence", flow="trin4")
    user.press_option("quarter")
    user.send("12.1.2027")
    found = stored_records(user.state)
    assert {"answer", "checklist mark", "plan item", "follow-up"} <= {w for w, _ in found}
    assert [r for _, r in found if isinstance(r, Damaged)] == []
    row = next(r for _, r in found if isinstance(r, PlanItem))
    assert (row.focus, row.goal, row.sub_goals, row.roles) == (
        "own:Biblioteket", "At vi når nye grupper", ("Et møde", "En aftale"), "Formanden",
    )  # fmt: skip
    assert row.time == Deadline(date(2027, 2, 1), "day")
    rhythm = next(r for _, r in found if isinstance(r, FollowUp))
    assert (rhythm.cadence, rhythm.next_meeting) == ("quarter", Deadline(date(2027, 1, 12), "day"))


# --- damaged records are skipped, not fatal ------------------------------------------------


def test_a_damaged_record_names_what_it_was_meant_to_be_and_which_part_is_wrong() -> None:
    row = {"id": "r1", "maal": 5, "delmaal": []}
    assert PlanItem.from_json(row) == Damaged("plan item", "maal is not a text", row)
    assert ChecklistMark.from_json({"who": "Anna"}) == Damaged(
        "checklist mark", "status is missing", {"who": "Anna"}
    )
    assert FollowUp.from_json({"cadence": "weekly"}) == Damaged(
        "follow-up", "cadence is not one of month, quarter, halfyear, none", {"cadence": "weekly"}
    )
    assert Deadline.from_json({"date": "soon"}) == Damaged("deadline", "no date", {"date": "soon"})


def test_a_damaged_row_and_mark_are_left_out_of_the_plan_and_the_reminders(
    library: Library,
) -> None:
    user = Transcript(library, lang="da", clock=Clock())
    walk_to_summary(user, "anbefaling1")
    state = user.state
    state.plan = [
        {"id": "r1", "maal": ["NOT-A-TEXT"]},
        {"id": "r2", "maal": "At vi når nye grupper", "tid": {"date": "2027-02-01",
         "precision": "day"}, "progress": ""},
    ]  # fmt: skip
    state.checklists["anbefaling1/skridt/s2"] = {"who": "Anna", "when": {"date": "2027-03-01"}}
    user.conversations.store.put(f"chat:{user.chat_id}", state.to_dict())
    user.send("/plan")
    shown = "\n".join(r.text for r in user.replies)
    assert "At vi når nye grupper" in shown and "1. februar 2027" in shown
    assert "NOT-A-TEXT" not in shown
    loaded = user.state
    document = build_document(library.get("da"), loaded, user.clock(), tz=dates.LOCAL)
    assert [r.uid for r in document.rows if r.uid.startswith("plan-")] == ["plan-r2"]
    assert "anbefaling1-s2" not in [r.uid for r in document.rows]
    refs = [ref for ref, _ in planner.deadlines(library.get("da"), loaded)]
    assert "p:r2" in refs and "p:r1" not in refs
    assert "s:anbefaling1/skridt/s2" not in refs
    assert loaded.plan[0] == {"id": "r1", "maal": ["NOT-A-TEXT"]}  # kept as stored


def test_the_plan_builder_shows_a_damaged_row_empty_to_fix_or_delete(library: Library) -> None:
    user = Transcript(library, lang="da", clock=Clock())
    user.press_on("handleplan", flow="trin3")
    state = user.state
    state.plan = [
        {"id": "r1", "fokus": 5, "maal": "Et mål", "tid": {"date": "2027-02-01"}},
        {"id": "r2", "maal": "At vi når nye grupper", "tid": {"date": "2027-02-01",
         "precision": "week"}, "progress": ""},
    ]  # fmt: skip
    user.conversations.store.put(f"chat:{user.chat_id}", state.to_dict())
    user.send("/plan")  # away and back: the overview is drawn from what is stored
    user.press_on("handleplan", flow="trin3")
    assert "1. <b>…</b>: …\n2. <b>…</b>: At vi når nye grupper · uge 5 (2027)" in user.last.text
    user.press("✏️ 1")
    assert "<b>Mål:</b> –" in user.last.text  # damaged: shown empty, its fields can be set


def test_the_records_know_every_status_and_cadence_the_screens_store() -> None:
    from dialogues.kinds import checklist
    from dialogues.records import base as records
    from dialogues.records import rhythm

    assert sorted(checklist.MARKS.values()) == sorted(records.STATUSES)
    assert tuple(rhythm.CADENCES) == records.CADENCES
