"""The plan's time line as a picture: what it shows, in which language, and how it reaches a chat.

The layout's texts (`layout(doc).texts`) are what a reader can read in the picture; the tests
read them instead of the pixels. The button on /plan is pressed through the engine, through the
terminal chat, and through the real bot against the fake Bot API (private chat and group).
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import re
import struct
from datetime import date
from pathlib import Path

import pytest
from PIL import Image

from bot.service import Conversations
from bot.terminal import chat
from dialogues import Library, dates
from dialogues.documents.build import build_document
from dialogues.documents.document import Meeting, PlanDocument, PlanRow
from dialogues.documents.formats import filename, render
from dialogues.documents.formats.timeline import (
    MAX_LANES,
    MAX_WEEKS,
    MIN_WEEKS,
    WIDTH,
    layout,
    span_of,
)
from dialogues.documents.formats.timelinedraw import Text, text_width
from storage import MemoryStore
from tests import fakebotapi_rules as rules
from tests.fakebotapi import FakeBotAPI
from tests.langwords import doc_labels, words
from tests.transcript import Transcript

TODAY = date(2026, 11, 30)  # a Monday, in ISO week 49 of 2026 (a year with a week 53)
SHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def _row(n: int, text: str, due: date | None, tid: str, progress: str = "") -> PlanRow:
    return PlanRow(
        f"r{n}", "Fleksibel organisering", "", (), (text,), tid, due, "", "", "", progress
    )


def plan(
    lang: str = "da", rows: tuple[PlanRow, ...] | None = None, meet: bool = True
) -> PlanDocument:
    """A board's plan on 30 November 2026: one item overdue, one done, four coming, one undated."""
    if rows is None:
        rows = (
            _row(1, "Skriv en velkomst til nye frivillige", date(2026, 11, 13), "uge 46 (2026)"),
            _row(2, "Aftal et møde med jobcentret", date(2026, 11, 20), "20. november", "done"),
            _row(3, "Find to mentorer", date(2026, 12, 11), "uge 50 (2026)", "progress"),
            _row(4, "Lav en tjekliste til første vagt", date(2027, 1, 8), "uge 1 (2027)", "stuck"),
            dataclasses.replace(
                _row(5, "Hold et fællesmøde om rummelighed", date(2027, 2, 15), "15. februar"),
                roller="Mette og Åse",
            ),
            _row(6, "Evaluer forløbet med bestyrelsen", date(2027, 2, 26), "uge 8 (2027)"),
            _row(7, "Et mål uden frist", None, ""),
        )
    meetings = (
        Meeting("meeting-1", "Opfølgning", date(2026, 12, 8)),
        Meeting("meeting-2", "Opfølgning", date(2027, 3, 8)),
    )[: 2 if meet else 0]
    title = "Action plan for inclusion" if lang == "en" else "Handleplan for inklusion"
    return PlanDocument(
        lang,
        title,
        "Frivillighuset Ærø",
        TODAY,
        rows,
        (),
        meetings,
        labels=doc_labels(lang),
        words=words(lang),
    )


def _decode(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _chunks(data: bytes) -> list[bytes]:
    """Return the PNG's chunk types in order."""
    found, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        found.append(data[at + 4 : at + 8])
        at += 12 + length
    return found


# ---- the picture ----------------------------------------------------------------------------


def test_the_picture_decodes_at_phone_width_with_its_layouts_height() -> None:
    doc = plan()
    image = _decode(render(doc, "png"))
    assert image.format == "PNG"
    assert image.size == (WIDTH, layout(doc).height) == (1080, image.size[1])
    assert rules.photo_problem(render(doc, "png")) is None


def test_the_same_plan_gives_the_same_bytes_without_time_stamps() -> None:
    first, second = render(plan(), "png"), render(plan(), "png")
    assert first == second
    assert _chunks(first) == [b"IHDR"] + [b"IDAT"] * (len(_chunks(first)) - 2) + [b"IEND"]


def test_moving_a_deadline_moves_its_mark_and_changes_the_picture() -> None:
    doc = plan()
    later = dataclasses.replace(doc.rows[2], due=date(2026, 12, 18), tid="uge 51 (2026)")
    moved = dataclasses.replace(doc, rows=(*doc.rows[:2], later, *doc.rows[3:]))
    assert render(moved, "png") != render(doc, "png")

    def deadline_x(d: PlanDocument, text: str) -> int:
        return next(p.x for p in layout(d).parts if isinstance(p, Text) and p.text == text)

    week = (span_of(doc).right - span_of(doc).left) / span_of(doc).weeks
    shift = deadline_x(moved, "uge 51 (2026)") - deadline_x(doc, "uge 50 (2026)")
    assert abs(shift - week) <= 1


def test_danish_reader_sees_danish_weeks_months_and_legend() -> None:
    texts = layout(plan("da")).texts
    assert texts[:3] == [
        "Handleplan for inklusion",
        "Frivillighuset Ærø",
        "Tidslinje · uge 49 (2026) – uge 10 (2027)",  # to the meeting on 8 March
    ]
    assert texts[3:8] == ["december 2026", "januar 2027", "februar", "marts", "uge"]
    assert texts[8 : 8 + 15] == ["49", "50", "51", "52", "53", *[str(n) for n in range(1, 11)]]
    assert "i dag" in texts and "Opfølgningsmøder" in texts and "8/12" in texts
    assert texts[-9:] == [
        "Uden frist, ikke vist: 1",
        "Ikke startet",
        "I gang",
        "Gjort",
        "Kørt fast",
        "Opfølgningsmøde",
        "For sent",
        "I dag",
        "Lavet 30. november 2026",
    ]


def test_english_reader_sees_english_weeks_months_and_legend() -> None:
    texts = layout(plan("en")).texts
    assert texts[2] == "Time line · week 49 (2026) – week 10 (2027)"
    assert texts[3:8] == ["December 2026", "January 2027", "February", "March", "week"]
    assert "today" in texts and "Follow-up meetings" in texts
    assert texts[-9:] == [
        "Without a deadline, not shown: 1",
        "Not started",
        "Under way",
        "Done",
        "Stuck",
        "Follow-up meeting",
        "Overdue",
        "Today",
        "Made 30 November 2026",
    ]


def test_a_missed_deadline_says_overdue_and_a_done_one_does_not() -> None:
    texts = layout(plan()).texts
    assert "for sent: uge 46 (2026)" in texts  # not started, deadline passed
    assert "20. november" in texts  # done before today: just its day
    assert "15. februar · Mette og Åse" in texts  # who, beside the deadline
    assert not any(t.startswith("for sent") and "november" in t for t in texts)
    lanes = [
        t for t in texts if t.split()[0] in ("Skriv", "Aftal", "Find", "Lav", "Hold", "Evaluer")
    ]
    assert lanes == [  # by deadline, the undated item has no lane
        "Skriv en velkomst til nye frivillige",
        "Aftal et møde med jobcentret",
        "Find to mentorer",
        "Lav en tjekliste til første vagt",
        "Hold et fællesmøde om rummelighed",
        "Evaluer forløbet med bestyrelsen",
    ]


def test_weeks_run_to_the_last_deadline_with_a_floor_and_a_ceiling() -> None:
    soon = (_row(1, "Snart", date(2026, 12, 2), "2. december"),)
    assert span_of(plan(rows=soon, meet=False)).weeks == MIN_WEEKS == 8
    far = (_row(1, "Om et år", date(2027, 11, 30), "30. november 2027"),)
    span = span_of(plan(rows=far, meet=False))
    assert span.weeks == MAX_WEEKS == 16
    assert span.x(date(2027, 11, 30)) == WIDTH - 40 - 72 // 2  # in the column for later ones
    assert span.first == TODAY


def test_a_long_plan_shows_the_first_lanes_and_counts_the_rest() -> None:
    rows = tuple(
        _row(n, f"Punkt {n} " + "med en meget lang beskrivelse " * 4, date(2027, 1, 1 + n), "")
        for n in range(25)
    )
    picture = layout(plan(rows=rows))
    lanes = [t for t in picture.texts if t.startswith("Punkt")]
    assert len(lanes) == MAX_LANES == 16
    assert "Flere punkter med frist, ikke vist: 9" in picture.texts
    assert all(t.endswith("…") and text_width(t, 30) <= WIDTH - 2 * 40 - 42 for t in lanes)
    # Telegram keeps photos up to 2560 px on the long side: the longest picture fits.
    assert picture.height <= 2560
    assert rules.photo_problem(render(plan(rows=rows), "png")) is None


def test_all_text_is_at_least_28_pixels_and_emoji_are_left_out() -> None:
    rows = (_row(1, "🎉 Fest for de frivillige 🎉", date(2026, 12, 4), "uge 49 (2026)"),)
    picture = layout(plan(rows=rows))
    sizes = {p.size for p in picture.parts if isinstance(p, Text)}
    assert min(sizes) == 28
    assert "Fest for de frivillige" in picture.texts


def test_the_picture_has_a_file_name_like_the_other_exports() -> None:
    assert filename(plan(), "png") == "inklusionsplan-frivillighuset-aeroe-2026-11-30.png"


def test_a_sample_for_the_docs_is_written() -> None:
    """docs/screenshots/timeline.png: the Danish sample plan, as a person sees it."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    sample = dataclasses.replace(plan(), meeting_day=date(2027, 1, 20))  # the guide's meeting
    data = render(sample, "png")
    (SHOTS / "timeline.png").write_bytes(data)
    assert _decode((SHOTS / "timeline.png").read_bytes()).size == (1080, layout(sample).height)


# ---- the way to it: the /plan button --------------------------------------------------------

BUTTON = "🗓 Tidslinje som billede"
CAPTION = "🗓 Jeres tidslinje: fristerne og møderne de næste uger."


def _plan_a_step(store: MemoryStore | object, chat_id: int, when: str = "2027-01-15") -> None:
    """Plan the first step of recommendation 1, with a deadline, in a chat's stored state."""
    state = store.get(f"chat:{chat_id}")  # type: ignore[attr-defined]
    assert state is not None
    state["checklists"]["anbefaling1/skridt/s1"] = {
        "status": "planned",
        "who": "Kassereren Æse",
        "when": {"label": "uge 2 (2027)", "date": when},
    }
    store.put(f"chat:{chat_id}", state)  # type: ignore[attr-defined]


def test_the_plan_screen_offers_the_picture_and_an_empty_plan_gets_a_message(
    user: Transcript,
) -> None:
    user.send("/plan")
    assert BUTTON in user.labels()
    replies = user.press(BUTTON)
    assert [(r.text, r.export) for r in replies] == [
        (
            "Der er ikke noget at tegne endnu: ingen punkter har en frist, og der er ingen møder. "
            "Giv et punkt en tid, så kommer det på tidslinjen.",
            None,
        )
    ]


def test_a_dated_plan_sends_the_picture_with_a_caption(user: Transcript) -> None:
    user.send("/start anbefaling1")
    _plan_a_step(user.conversations.store, user.chat_id)
    user.send("/plan")
    replies = user.press(BUTTON)
    assert [(r.text, r.export) for r in replies] == [
        (f"{CAPTION}\nFrister tilbage: 1, heraf for sent: 0. Kommende møder: 0.", "png")
    ]
    name, data = user.conversations.export(user.chat_id, "png")
    assert re.fullmatch(r"inklusionsplan-plan-2026-11-23\.png", name)
    assert _decode(data).size[0] == 1080
    doc = build_document(
        user.conversations.library.get("da"), user.state, user.clock(), tz=dates.LOCAL
    )
    texts = layout(doc).texts
    assert texts[:4] == [  # no organisation typed in the meeting guide yet
        "Handleplan for inklusion",
        "Tidslinje · uge 48 (2026) – uge 2 (2027)",
        "nov.",
        "december 2026",
    ]
    assert "uge 2 (2027) · Kassereren Æse" in texts  # the step's deadline and who, by its mark


def test_the_terminal_writes_the_picture_and_prints_its_path(library: Library) -> None:
    conversations = Transcript(library, MemoryStore()).conversations
    chat(conversations, ["/start anbefaling1"], write=lambda _: None)
    _plan_a_step(conversations.store, 1)
    out: list[str] = []
    chat(conversations, ["/plan"], write=out.append)
    number = next(m.group(1) for line in out if (m := re.search(r"\[(\d+)\] 🗓 Tidslinje", line)))
    seen: list[tuple[str, bytes]] = []

    def write(line: str) -> None:
        if line.startswith("→ "):  # read it now: the folder goes when the chat ends
            path = Path(line[2:])
            seen.append((path.name, path.read_bytes()))

    chat(conversations, ["/plan", number], write=write)
    assert len(seen) == 1
    assert re.fullmatch(r"inklusionsplan-plan-\d{4}-\d\d-\d\d\.png", seen[0][0])
    assert _decode(seen[0][1]).size[0] == 1080


# ---- through the real bot against the fake Bot API -------------------------------------------


async def _until(fake: FakeBotAPI, check: object) -> None:
    await asyncio.to_thread(fake.wait_for, check)


async def test_the_button_sends_a_photo_in_a_private_chat(
    fake: FakeBotAPI, live: Conversations
) -> None:
    chat_id = 4242
    fake.send_text(chat_id, "/start anbefaling1")
    await _until(fake, lambda: len(fake.messages(chat_id)) >= 2)
    async with live.locked(chat_id):  # written as a turn would: under the chat's lock
        _plan_a_step(live.store, chat_id)
    fake.send_text(chat_id, "/plan")
    await _until(fake, lambda: BUTTON in fake.buttons(chat_id))
    fake.press_button(chat_id, BUTTON)
    await _until(fake, lambda: any(s["method"] == "sendPhoto" for s in fake.sent))
    photo = next(s for s in fake.sent if s["method"] == "sendPhoto")
    assert photo["chat_id"] == chat_id
    assert photo["caption"].split("\n") == [
        CAPTION,
        "Frister tilbage: 1, heraf for sent: 0. Kommende møder: 0.",
    ]
    image = _decode(photo["photo"])
    assert image.size[0] == 1080
    assert (photo["photo_sizes"][-1]["width"], photo["photo_sizes"][-1]["height"]) == image.size
    actions = [p["action"] for m, p in fake.calls if m == "sendChatAction"]
    assert actions == ["upload_photo"]
    assert not any(s.get("document") for s in fake.sent)


async def test_the_button_sends_a_photo_in_a_groups_forum_topic(
    fake: FakeBotAPI, live: Conversations
) -> None:
    group = -1001234
    fake.set_admins(group, [1])
    who = {"chat_type": "supergroup", "title": "Bestyrelsen", "thread_id": 77, "forum": True}
    fake.send_text(group, "/start@inklusion_test_bot anbefaling1", 1, "Anna", **who)  # type: ignore[arg-type]
    await _until(fake, lambda: len(fake.messages(group)) >= 2)
    async with live.locked(group):  # the turn may still be noting what its messages show
        _plan_a_step(live.store, group)
    fake.send_text(group, "/plan@inklusion_test_bot", 1, "Anna", **who)  # type: ignore[arg-type]
    await _until(fake, lambda: BUTTON in fake.buttons(group))
    fake.press_button(group, BUTTON, user_id=2, first_name="Bo")  # any member may look
    await _until(fake, lambda: any(s["method"] == "sendPhoto" for s in fake.sent))
    photo = next(s for s in fake.sent if s["method"] == "sendPhoto")
    assert (photo["chat_id"], photo["message_thread_id"]) == (group, 77)  # in the board's topic
    assert photo["caption"].split("\n") == [
        CAPTION,
        "Frister tilbage: 1, heraf for sent: 0. Kommende møder: 0.",
    ]
    assert _decode(photo["photo"]).format == "PNG"


# ---- the fake's sendPhoto follows Telegram's photo limits ------------------------------------


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (width, height), 255).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (_png(1080, 2000), None),
        (_png(5000, 5000), None),  # exactly 10000 in total
        (_png(5000, 5001), "Bad Request: PHOTO_INVALID_DIMENSIONS"),
        (_png(2100, 100), "Bad Request: PHOTO_INVALID_DIMENSIONS"),  # ratio 21
        (_png(2000, 100), None),  # ratio 20
        (b"%PDF-1.7 not a picture", "Bad Request: IMAGE_PROCESS_FAILED"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (10 * 1024 * 1024), "Bad Request: PHOTO_SAVE_FILE_INVALID"),
    ],
)
def test_the_fake_checks_photos_as_telegram_does(data: bytes, problem: str | None) -> None:
    assert rules.photo_problem(data) == problem


async def test_the_fake_refuses_a_photo_over_the_limits_through_ptb(fake: FakeBotAPI) -> None:
    from telegram import Bot
    from telegram.error import BadRequest

    async with Bot(fake.token, base_url=fake.base_url) as bot:
        message = await bot.send_photo(4242, _png(1080, 1920), caption="ok")
        assert [(p.width, p.height) for p in message.photo] == [
            (51, 90),
            (180, 320),
            (450, 800),
            (720, 1280),
            (1080, 1920),
        ]
        with pytest.raises(BadRequest, match="Photo_invalid_dimensions"):  # PTB's spelling
            await bot.send_photo(4242, _png(4000, 6500))
    assert [s["method"] for s in fake.sent] == ["sendPhoto"]


def test_the_meeting_typed_in_the_meeting_guide_is_among_the_meetings() -> None:
    rows = (_row(1, "Find to mentorer", date(2026, 12, 11), "uge 50 (2026)"),)
    alone = dataclasses.replace(plan(rows=rows, meet=False), meeting_day=date(2026, 12, 16))
    texts = layout(alone).texts
    assert "Opfølgningsmøder" in texts and "16/12" in texts  # a lane, with the guide's day
    both = dataclasses.replace(plan(rows=rows), meeting_day=date(2026, 12, 8))
    assert layout(both).texts.count("8/12") == 1  # the same day as the rhythm's: drawn once


def test_the_export_screen_offers_the_picture_too(user: Transcript) -> None:
    user.send("/start anbefaling1")
    _plan_a_step(user.conversations.store, user.chat_id)
    user.send("/eksport")
    replies = user.press(BUTTON)
    assert [(r.text, r.export) for r in replies] == [
        (f"{CAPTION}\nFrister tilbage: 1, heraf for sent: 0. Kommende møder: 0.", "png")
    ]


def test_the_meetings_lane_is_left_out_when_no_meeting_falls_in_the_weeks() -> None:
    rows = (_row(1, "Find to mentorer", date(2026, 12, 11), "uge 50 (2026)"),)
    assert "Opfølgningsmøder" in layout(plan(rows=rows)).texts
    assert "Opfølgningsmøder" not in layout(plan(rows=rows, meet=False)).texts


def test_a_very_long_item_is_cut_to_one_line_with_who_beside_its_deadline() -> None:
    words = "Ring til kontaktpersonen i kommunen og aftal et møde " * 300
    row = dataclasses.replace(
        _row(1, words, date(2026, 12, 30), "uge 53 (2026)"), roller="Peter og Åse"
    )
    texts = layout(plan(rows=(row,), meet=False)).texts
    line, room = next(t for t in texts if t.startswith("Ring til")), WIDTH - 2 * 40 - 42
    assert line.endswith("…") and text_width(line, 30) <= room
    normal, cut = " ".join(words.split()), line[:-1]
    assert normal.startswith(cut)
    n = len(cut) + len(normal[len(cut) :]) - len(normal[len(cut) :].lstrip())
    assert text_width(normal[: n + 1] + "…", 30) > room  # one more letter would not fit
    assert "uge 53 (2026) · Peter og Åse" in texts


def test_the_caption_counts_in_words_what_the_picture_shows(user: Transcript) -> None:
    """A reader who cannot see the picture still learns what is due, late and coming."""
    user.send("/start anbefaling1")
    _plan_a_step(user.conversations.store, user.chat_id, when="2026-11-13")  # ten days ago
    user.send("/plan")
    (reply,) = user.press(BUTTON)
    assert reply.text.split("\n")[1] == "Frister tilbage: 1, heraf for sent: 1. Kommende møder: 0."
    user.send("/sprog")
    user.press_option("l:en")
    user.send("/plan")
    (reply,) = user.press("🗓 Time line as a picture")
    assert reply.text.split("\n") == [
        "🗓 Your time line: the deadlines and meetings of the coming weeks.",
        "Deadlines to go: 1, overdue: 1. Meetings ahead: 0.",
    ]


def test_an_operator_export_of_an_undated_plan_still_draws_the_weeks() -> None:
    """`python -m bot export --format png` does not ask first: no lanes, the weeks and legend."""
    rows = (_row(1, "Et mål uden frist", None, ""),)
    doc = dataclasses.replace(plan(rows=rows, meet=False), organisation="")
    texts = layout(doc).texts
    assert texts[:3] == [
        "Handleplan for inklusion",
        "Tidslinje · uge 49 (2026) – uge 3 (2027)",
        "december 2026",
    ]
    assert "Et mål uden frist" not in texts and "Uden frist, ikke vist: 1" in texts
    assert _decode(render(doc, "png")).size == (1080, layout(doc).height)
