"""What a chat stores, typed: authors, deadlines, answers, first-step marks, plan items,
own questions and the follow-up settings. No rendering here: a deadline is a day and a
precision, never a label; texts are what people typed.

Each record has one reader (`from_json`) and one writer (`to_json`). Reading is total: a
stored value of the wrong shape becomes `Damaged`, which keeps it as stored (so writing it
back changes nothing) and says what it was meant to be; readers skip it. Writing gives back
exactly the shape stored today (the keys in their stored order, unknown keys kept), so
`to_json(from_json(x)) == x` for every stored value (tests/test_records.py).
"""

from dialogues.records.base import (
    CADENCES,
    PRECISIONS,
    PROGRESSES,
    STATUSES,
    Author,
    Cadence,
    Damaged,
    Deadline,
    Origin,
    Person,
    Precision,
    Progress,
    Status,
    Time,
    time_due,
    time_label,
)
from dialogues.records.chat import Answer, ChecklistMark, OwnQuestion
from dialogues.records.plan import FollowUp, PlanItem

__all__ = [
    "CADENCES",
    "PRECISIONS",
    "PROGRESSES",
    "STATUSES",
    "Answer",
    "Author",
    "Cadence",
    "ChecklistMark",
    "Damaged",
    "Deadline",
    "FollowUp",
    "Origin",
    "OwnQuestion",
    "Person",
    "PlanItem",
    "Precision",
    "Progress",
    "Status",
    "Time",
    "time_due",
    "time_label",
]
