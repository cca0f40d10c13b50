"""One calibrated rule: from a message's signals to what the bot does with it.

The signals (`Signals`, gathered by `bot.matching.hybrid.Matcher`):

- the lexical ranking: each section's word score, 0-100 (`bot.matching.lexical`);
- the message's cosine similarity to each section (its best example question, title or keyword,
  in any language);
- its similarity to each exemplar class: the small-talk kinds, off-topic, danger and calm
  (`bot/lang/<code>/*.yaml`).

The rule, in order:

1. A message that is word for word small talk ("ok thanks", "🙏") is that conversation act.
2. Danger: the lexical signals of `bot.distress`, OR a message near a danger exemplar
   (similarity >= DANGER_MIN) and nearer to it than to any calm question, small talk or
   off-topic exemplar (by DANGER_MARGIN; or by DANGER_WIDE_MARGIN from DANGER_NEAR). Danger
   is never small talk.
3. Each section gets `topic = similarity + LEXICAL_WEIGHT * word score / 100`. The message is
   whichever is strongest of: the best section (`topic`), a small-talk kind (its similarity +
   SMALLTALK_BIAS) and off-topic (its similarity + OFFTOPIC_BIAS). The biases move the
   boundaries between classes; they were chosen on the dev sets (see the constants). When the
   message sounds like danger, the first urgent section and those the content names for its
   kind of danger get URGENT_BOOST; the note's kind comes from the word signals, else from the
   nearest danger exemplar.
4. Someone who wants to die gets no section under the urgent note (NO_TOPIC_KINDS). A message
   that asks for a contact, today's price or a service for one's papers
   (`bot.matching.requests`) is never answered with a section, unless it sounds like danger:
   related sections are suggested.
5. A topic is answered when `topic >= ANSWER_MIN`; if the runner-up is within CLARIFY_MARGIN
   and the best is below CLARIFY_BELOW, the bot asks which one. Below ANSWER_MIN, or when
   small talk or off-topic wins, nothing is answered; sections are only suggested (buttons)
   when they are genuinely related (`topic >= SUGGEST_MIN`).

Without the model, the lexical decision stands (plus rule 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from bot.content.models import GENERAL_DISTRESS
from bot.matching.intents import CALM, DANGER, OFFTOPIC, SMALLTALK_KINDS, Exemplar, SmallTalk
from bot.matching.lexical import Candidate, MatchResult
from bot.matching.words import written_language

# ---------------------------------------------------------------------------------------------
# Tuning, chosen on eval/dev-questions.yaml and eval/dev-chat.yaml (plus the older
# scripts/heldout-questions.yaml and scripts/check-questions.yaml) with
# `scripts/eval_matching.py --tune`; reported on eval/unseen-*.yaml, which were never tuned on.
# Cosine similarities of this model sit between about 0.7 (unrelated) and 1.0 (same meaning).
# ---------------------------------------------------------------------------------------------

# A word score of 100 adds this much to a section's similarity. Less (0.04) lost 5 points of
# topic questions, more (0.12) answered more off-topic chat; 0.06-0.10 were about alike.
LEXICAL_WEIGHT = 0.08
# Small talk competes with the topics as it is; off-topic wins ties by 0.02, since a practical
# question ("visa fee for saudi") shares its words with the content.
SMALLTALK_BIAS = 0.0
OFFTOPIC_BIAS = 0.02
ANSWER_MIN = 0.87
CLARIFY_MARGIN = 0.005
CLARIFY_BELOW = 0.89
SUGGEST_MIN = 0.85
DANGER_MIN = 0.89
DANGER_MARGIN = 0.03
# ...or nearer to a danger exemplar by a wide margin, if only somewhat near to it (a message
# unlike anything else the bot knows but most like danger: "they shut me in the flat").
DANGER_NEAR = 0.87
DANGER_WIDE_MARGIN = 0.05
# When a message sounds like danger, the first section the content names as speaking to danger
# (a person's rights: it speaks to any danger) gets this much more topic, and so do the sections
# the content names for the message's kind of danger (`urgent_kinds`: trafficking for a passport
# taken, not for a flood). On the dev sets this kept the rights section from losing to
# trafficking under a flood, a missing sister or a doctor refused (0.02 for every urgent section
# answered 73% of danger messages' topics right on dev-chat, this 83%).
URGENT_BOOST = 0.03
# The kinds of danger whose reply shows no topic at all under the urgent-help note: to someone
# who wants to die, a summary of a 2017 meeting is no answer.
NO_TOPIC_KINDS = frozenset({"self_harm"})
# The danger exemplars' kinds (bot/lang/<code>/danger_exemplars.yaml) and the urgent-help note
# each calls for (bot.content.models.DISTRESS_KINDS); kinds not listed get the general note.
EXEMPLAR_NOTE_KINDS: Mapping[str, str] = {
    "self_harm": "self_harm",
    "sexual_abuse": "sexual_violence",
    "detention": "detention",
    "war_disaster": "disaster",
    "documents_taken": "trafficking",
    "confined": "trafficking",
    "debt_bondage": "trafficking",
    "trafficking": "trafficking",
}
MAX_CANDIDATES = 5


@dataclass(frozen=True)
class Signals:
    """What the decision looks at for one message."""

    lexical: MatchResult
    rule_intent: SmallTalk | None
    urgent_sections: tuple[str, ...] = ()  # in the content's order: the first matters most
    section_similarity: Mapping[str, float] = field(default_factory=dict)
    class_similarity: Mapping[str, float] = field(default_factory=dict)
    nearest: Mapping[str, Exemplar] = field(default_factory=dict)
    # It asks for a contact or today's price, which no document holds (bot.matching.requests).
    practical_request: bool = False
    # Sections the content names for one kind of danger (kind -> section ids).
    urgent_kinds: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def semantic(self) -> bool:
        """Whether the embedding model contributed."""
        return bool(self.section_similarity)

    def topics(self, distress: bool, kind: str | None = None) -> list[tuple[str, float]]:
        """(section, topic strength), strongest first; `kind`: the kind of danger, if any."""
        lexical = {c.section_id: c.score for c in self.lexical.candidates}
        boosted = set(self.urgent_sections[:1]) | set(self.urgent_kinds.get(kind or "", ()))
        boost = dict.fromkeys(boosted, URGENT_BOOST) if distress else {}
        strength = {
            sid: sim + LEXICAL_WEIGHT * lexical.get(sid, 0.0) / 100 + boost.get(sid, 0.0)
            for sid, sim in self.section_similarity.items()
        }
        return sorted(strength.items(), key=lambda item: (-item[1], item[0]))

    def smalltalk(self) -> tuple[str | None, float]:
        """The nearest small-talk kind and its similarity."""
        kinds = [(kind, self.class_similarity.get(kind, -1.0)) for kind in SMALLTALK_KINDS]
        kind, value = max(kinds, key=lambda item: item[1])
        return (kind, value) if value > -1.0 else (None, -1.0)

    def semantic_danger(self) -> bool:
        """Near a danger exemplar, and clearly nearer to it than to the calm questions, small
        talk and off-topic chat. (Not compared with the sections: a person in danger often
        asks about a topic too, "my boss keeps my passport, is that allowed?")"""
        danger = self.class_similarity.get(DANGER, -1.0)
        other = max(
            self.class_similarity.get(cls, -1.0) for cls in (CALM, OFFTOPIC, *SMALLTALK_KINDS)
        )
        margin = danger - other
        return (danger >= DANGER_MIN and margin >= DANGER_MARGIN) or (
            danger >= DANGER_NEAR and margin >= DANGER_WIDE_MARGIN
        )

    def danger_kind(self) -> str:
        """The kind of danger, for the urgent-help note: the word signals' kind when they name
        one; else the kind of the nearest danger exemplar when the message is near it (the
        model reads "he forced himself on me" as sexual violence, which no word list says);
        else general."""
        said = self.lexical.distress_kind
        if said is not None and said != GENERAL_DISTRESS:
            return said
        nearest = self.nearest.get(DANGER)
        if nearest is not None and self.class_similarity.get(DANGER, -1.0) >= DANGER_NEAR:
            return EXEMPLAR_NOTE_KINDS.get(nearest.kind, GENERAL_DISTRESS)
        return GENERAL_DISTRESS


def decide(signals: Signals) -> MatchResult:
    """The one rule (see the module docstring)."""
    lexical = signals.lexical
    if signals.rule_intent is not None and not lexical.distress:
        talk = signals.rule_intent
        return _intent(
            lexical, talk.kind, written_language(lexical.query) or talk.lang or lexical.lang
        )
    if not signals.semantic:
        if lexical.distress_kind in NO_TOPIC_KINDS:
            return replace(lexical, decision="none", answer=None, alternatives=())
        return lexical
    distress = lexical.distress or signals.semantic_danger()
    note_kind = signals.danger_kind() if distress else None
    topics = signals.topics(distress, note_kind)
    top_id, top = topics[0]
    kind, smalltalk = signals.smalltalk()
    offtopic = signals.class_similarity.get(OFFTOPIC, -1.0) + OFFTOPIC_BIAS
    # Scores are 0-100 like the lexical ones: the added word score can lift a strength past 1.
    candidates = tuple(
        Candidate(sid, round(100 * min(1.0, max(0.0, value)), 1))
        for sid, value in topics[:MAX_CANDIDATES]
    )
    base = replace(
        lexical, distress=distress, distress_kind=note_kind, candidates=candidates, intent=None
    )
    if not distress and kind is not None and smalltalk + SMALLTALK_BIAS > max(top, offtopic):
        nearest = signals.nearest.get(kind)
        said = written_language(lexical.query) or (nearest.lang if nearest else lexical.lang)
        return _intent(base, kind, said)
    related = tuple(sid for sid, value in topics[:3] if value >= SUGGEST_MIN)
    if note_kind in NO_TOPIC_KINDS:
        return replace(base, decision="none", answer=None, alternatives=())
    if offtopic > top or top < ANSWER_MIN or (signals.practical_request and not distress):
        return replace(base, decision="none", answer=None, alternatives=related)
    close = [sid for sid, value in topics[:3] if top - value <= CLARIFY_MARGIN]
    if len(close) >= 2 and top < CLARIFY_BELOW:
        return replace(base, decision="clarify", answer=None, alternatives=tuple(close))
    return replace(base, decision="answer", answer=top_id, alternatives=related[1:3])


def _intent(result: MatchResult, intent: str, lang: str) -> MatchResult:
    """`result` as a conversation act in `lang`: no section, no buttons."""
    return replace(result, intent=intent, lang=lang, decision="none", answer=None, alternatives=())
