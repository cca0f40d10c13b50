"""A matcher with a few fixed outcomes, so that tests of the wiring (what is sent, recorded,
relayed) do not depend on the matcher's tuning (tests/test_matching.py covers that)."""

from __future__ import annotations

from typing import ClassVar

from bot.matching import Candidate, Matcher, MatchResult


def scripted(query: str, decision: str, sections: list[str], distress: bool = False) -> MatchResult:
    """A fixed match result: `sections` ranked best first."""
    return MatchResult(
        query,
        decision,  # type: ignore[arg-type]
        tuple(Candidate(section, 80.0 - rank) for rank, section in enumerate(sections)),
        distress,
        "en",
        sections[0] if decision == "answer" else None,
        tuple(sections) if decision == "clarify" else (),
    )


class ScriptedMatcher:
    """The real matcher, except for a few questions whose outcome is fixed here, so that these
    tests do not depend on the matcher's tuning (tests/test_matching.py covers that)."""

    SCRIPT: ClassVar[dict[str, MatchResult]] = {
        result.query: result
        for result in (
            scripted("q answer", "answer", ["contributions"]),
            scripted("q clarify", "clarify", ["policies", "human-rights"]),
            scripted("q none", "none", []),
            scripted("q danger", "answer", ["human-rights"], distress=True),
        )
    }

    def __init__(self, real: Matcher) -> None:
        self.real = real

    def match(self, query: str, lang: str | None = None) -> MatchResult:
        return self.SCRIPT.get(query) or self.real.match(query, lang)
