"""Matching free text to sections: `Matcher.build(library)`, `matcher.match(query, lang)`.

The lexical matcher (rapidfuzz over the content's words and phrases) lives in
`bot.matching.lexical`; this package is the one import other modules use.
"""

from bot.matching.lexical import Candidate, Decision, Matcher, MatchResult

__all__ = ["Candidate", "Decision", "MatchResult", "Matcher"]
