"""Helpers shared by the test modules (tests/conftest.py holds the fixtures built on them).

- `bot`: running the real Application against the fake Bot API server (`run_bot`), and the
  client timeouts tests of timeouts use.
- `chat`: talking to that bot as a user or an admin and checking what it sent.
- `matching`: a matcher whose answers to a few questions are fixed (`ScriptedMatcher`).
- `process`: the real `python -m bot run` process against the fake server.
"""
