"""What a chat stores, typed: authors, deadlines, answers, first-step marks, plan items,
own questions and the follow-up settings. No rendering here: a deadline is a day and a
precision, never a label; texts are what people typed.

Each record has one reader (`from_json`) and one writer (`to_json`). Reading is total: a
stored value of the wrong shape becomes `Damaged`, which keeps it as stored (so writing it
back changes nothing) and says what it was meant to be; readers skip it. Writing gives back
exactly the shape stored today (the keys in their stored order, unknown keys kept), so
`to_json(from_json(x)) == x` for every stored value (tests/test_records.py).

`base.py` holds the shared values (an author, a deadline, the Literals), `chat.py` a chat's
answers, own questions and first-step marks, `plan.py` a plan item and the follow-up rhythm,
`answers.py` the reading and writing of answers in a state. Import from the module itself:
this package re-exports nothing, so importing one record does not load the others.
"""
