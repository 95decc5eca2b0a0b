"""Render a PlanDocument as an iCalendar file (ics) with icalendar.

One all-day VEVENT per plan item that has a deadline (`due`), named by the item (its goal, else
its actions), with an alarm at 09:00 the day before unless `alarms=False`; one for the meeting
typed in the meeting guide; one per follow-up meeting. UIDs are stable,
f"{uid}.{calendar_id}@inklusionsguiden" (the guide's meeting is "guide-meeting"), so importing
a newer export into the same calendar updates the events instead of duplicating them; pass the
same calendar_id (say, one per chat) every time. DTSTAMP is the document's creation day, so the
output is deterministic for a given day.

All events are all-day (VALUE=DATE), which no time zone shifts; the calendar still names its
zone, Europe/Copenhagen, in X-WR-TIMEZONE and in a VTIMEZONE with the EU summer-time rules.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard

from dialogues.documents.document import Meeting, PlanDocument, PlanRow
from dialogues.documents.formats import (
    bullets,
    clean_text,
    grouped_rows,
    label,
    ordered_meetings,
    status_text,
    subtitle,
)

__all__ = ["TZID", "event_uid", "render"]

TZID = "Europe/Copenhagen"
DOMAIN = "inklusionsguiden"


SUMMARY_LIMIT = 90  # characters: a calendar shows an event's name on one line or two
ALARM_BEFORE = timedelta(hours=15)  # before the all-day event's start: 09:00 the day before


def render(doc: PlanDocument, calendar_id: str = "", *, alarms: bool = True) -> bytes:
    """Render the document's deadlines and meetings as iCalendar bytes."""
    calendar = _calendar(doc)
    stamp = datetime.combine(doc.created, time(), tzinfo=UTC)
    for _, rows in grouped_rows(doc):
        for row in rows:
            if row.due is not None:
                calendar.add_component(_row_event(doc, row, row.due, calendar_id, stamp, alarms))
    if doc.meeting_day is not None:
        guide = Meeting("guide-meeting", label(doc, "guide_meeting"), doc.meeting_day)
        calendar.add_component(_meeting_event(doc, guide, calendar_id, stamp))
    for meeting in ordered_meetings(doc):
        calendar.add_component(_meeting_event(doc, meeting, calendar_id, stamp))
    data: bytes = calendar.to_ical()  # icalendar documents bytes; it does not annotate it
    return data


def event_uid(uid: str, calendar_id: str) -> str:
    """Return the stable UID of an event: f"{uid}.{calendar_id}@inklusionsguiden"."""
    local = f"{uid}.{calendar_id}" if calendar_id else uid
    return f"{clean_text(local)}@{DOMAIN}"


def _calendar(doc: PlanDocument) -> Calendar:
    """Return an empty calendar with its name, product id and time zone."""
    calendar = Calendar()
    calendar.add("prodid", f"-//Inklusionsguiden//Handleplan//{doc.lang.upper()}")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = " – ".join(p for p in (doc.title.strip(), doc.organisation.strip()) if p)
    calendar.add("x-wr-calname", clean_text(name or label(doc, "plan")))
    calendar.add("x-wr-timezone", TZID)
    calendar.add_component(_copenhagen())
    return calendar


def _copenhagen() -> Timezone:
    """Return the VTIMEZONE of Europe/Copenhagen: CET, and CEST from March to October."""
    zone = Timezone()
    zone.add("tzid", TZID)
    zone.add_component(_transition(TimezoneDaylight(), "CEST", 1, 2, date(1970, 3, 29), 3))
    zone.add_component(_transition(TimezoneStandard(), "CET", 2, 1, date(1970, 10, 25), 10))
    return zone


def _transition(
    part: TimezoneDaylight | TimezoneStandard,
    name: str,
    offset_from: int,
    offset_to: int,
    first: date,
    month: int,
) -> TimezoneDaylight | TimezoneStandard:
    """Fill in one yearly change of offset, on the last Sunday of the month at 01:00 UTC."""
    part.add("tzname", name)
    part.add("tzoffsetfrom", timedelta(hours=offset_from))
    part.add("tzoffsetto", timedelta(hours=offset_to))
    part.add("dtstart", datetime.combine(first, time(1 + offset_from)))
    rule: dict[str, str | int] = {"freq": "yearly", "bymonth": month, "byday": "-1su"}
    part.add("rrule", rule)
    return part


def _short(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """Return text cut at a word to at most `limit` characters, with "…" when cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] or text[: limit - 1]
    return cut.rstrip(" ,;:.-–") + "…"


def _name(summary: str) -> str:
    """Return an event's name: the summary on one line, cut to SUMMARY_LIMIT."""
    return _short(clean_text(" ".join(summary.split())))


def _all_day(summary: str, day: date, uid: str, stamp: datetime) -> Event:
    """Return an all-day event with the fields every event has."""
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("sequence", 0)
    event.add("summary", _name(summary))
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    return event


def _row_event(
    doc: PlanDocument, row: PlanRow, due: date, calendar_id: str, stamp: datetime, alarm: bool
) -> Event:
    """Return the deadline of a plan row as an all-day event, with its alarm if `alarm`."""
    actions = "; ".join(action.strip() for action in row.handlinger if action.strip())
    summary = row.maal.strip() or actions or row.fokus.strip() or label(doc, "plan")
    event = _all_day(summary, due, event_uid(row.uid, calendar_id), stamp)
    event.add("description", _description(doc, row))
    if row.fokus.strip():
        categories: list[str] = [clean_text(row.fokus.strip())]
        event.add("categories", categories)
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    if alarm:
        event.add_component(_alarm(_name(summary)))
    return event


def _description(doc: PlanDocument, row: PlanRow) -> str:
    """Return the focus, goal, sub-goals, actions, roles and status of a row as plain text."""
    parts = [
        f"{label(doc, 'fokus')}: {row.fokus.strip()}" if row.fokus.strip() else "",
        f"{label(doc, 'maal')}: {row.maal.strip()}" if row.maal.strip() else "",
        f"{label(doc, 'delmaal')}:\n{bullets(row.delmaal)}" if bullets(row.delmaal) else "",
        f"{label(doc, 'handlinger')}:\n{bullets(row.handlinger)}"
        if bullets(row.handlinger)
        else "",
        f"{label(doc, 'roller')}: {row.roller.strip()}" if row.roller.strip() else "",
        f"{label(doc, 'status')}: {status_text(doc, row)}",
    ]
    return clean_text("\n".join(part for part in parts if part))


def _meeting_event(doc: PlanDocument, meeting: Meeting, calendar_id: str, stamp: datetime) -> Event:
    """Return a follow-up meeting as an all-day event."""
    summary = meeting.title.strip() or label(doc, "meetings")
    event = _all_day(summary, meeting.day, event_uid(meeting.uid, calendar_id), stamp)
    about = " – ".join(p for p in (doc.title.strip(), subtitle(doc)) if p)
    if about:
        event.add("description", clean_text(about))
    return event


def _alarm(summary: str) -> Alarm:
    """Return a display alarm at 09:00 the day before an all-day deadline."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", clean_text(" ".join(summary.split())))
    alarm.add("trigger", -ALARM_BEFORE)
    return alarm
