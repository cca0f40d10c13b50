"""Matching free text to sections: `Matcher.build(library, semantic, distress=...)`,
`matcher.match(query, lang)`.

`bot.matching.hybrid.Matcher` combines the lexical matcher (rapidfuzz over the content's words
and phrases, `bot.matching.lexical`) with sentence embeddings (`bot.matching.semantic`) and
decides with one rule (`bot.matching.decide`); this package is the one import other modules use.
"""

import os

# One thread for numpy's linear algebra, set before numpy is first imported (the package is
# imported before any of its modules): comparing a question with a few thousand vectors takes
# 0.4 ms on one thread and 5-20 ms when OpenBLAS spreads it over threads that wait for busy
# cores. The embedding engine has its own setting (bot.matching.semantic.EMBEDDING_THREADS).
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from bot.matching.hybrid import Matcher, Semantic  # noqa: E402
from bot.matching.lexical import Candidate, Decision, MatchResult  # noqa: E402

__all__ = ["Candidate", "Decision", "MatchResult", "Matcher", "Semantic"]
