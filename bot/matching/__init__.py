"""Matching free text to sections: `Matcher.build(library, distress=...)`, `matcher.match(...)`.

The lexical matcher (rapidfuzz over the content's words and phrases) lives in
`bot.matching.lexical`; this package is the one import other modules use.
"""

from bot.matching.lexical import Candidate, Decision, Matcher, MatchResult

__all__ = ["Candidate", "Decision", "MatchResult", "Matcher"]
