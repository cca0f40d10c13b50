"""Matching free text to sections: `Matcher.build(library, semantic, distress=...)`,
`matcher.match(query, lang)`.

`bot.matching.hybrid.Matcher` combines the lexical matcher (rapidfuzz over the content's words
and phrases, `bot.matching.lexical`) with sentence embeddings (`bot.matching.semantic`) and
decides with one rule (`bot.matching.decide`); this package is the one import other modules use.
"""

from bot.matching.hybrid import Matcher, Semantic
from bot.matching.lexical import Candidate, Decision, MatchResult

__all__ = ["Candidate", "Decision", "MatchResult", "Matcher", "Semantic"]
