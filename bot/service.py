"""The conversation core: the use cases both front ends (Telegram, console) call.

Input is a command, a free-text message or a button payload plus the user's language; output is
a Reply. Nothing here knows about Telegram, SQLite or the terminal.

Languages: commands and buttons answer in the user's language (their choice, else their app's).
A free-text message is answered in the language it is written in, unless the user chose one;
see `Service._reply_language`. The buttons under an answer in another language stay in it
(their payloads name it, `k:<id>:<lang>`).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot import helpdesk, replies
from bot.commands import HELPDESK_COMMANDS, USER_COMMANDS
from bot.content.models import (
    DEFAULT_LANGUAGE,
    GENERAL_DISTRESS,
    SUPPORTED_LANGUAGES,
    Library,
    Section,
    pick,
)
from bot.distress import distress_kinds
from bot.i18n import catalogue, t
from bot.legal import is_personal_legal_question
from bot.matching import Matcher, MatchResult, Semantic
from bot.replies import Button, Outcome, Reply, Route, Row, escape, join

if TYPE_CHECKING:
    from bot.config import Settings


# The command registry lives in bot/commands.py (imported above for the menu and /help).

# Which view of a section each payload prefix opens.
_VIEWS: dict[str, Callable[[Section, Library, str], tuple[str, Sequence[Row]]]] = {
    "s": replies.section_summary,
    "k": replies.key_points,
    "o": replies.original,
    "g": replies.section_glossary,
}

# Free-text questions matched at the same time (one model thread each; see Service.__init__).
MATCHING_THREADS = 2
# Free text longer than this is cut before matching: a question is never this long, and the
# matcher's cost grows with the length of what it is given.
MAX_QUESTION_CHARS = 500


@dataclass(frozen=True)
class InlineResult:
    """One shareable article for inline mode: a section's title, a teaser and the full text."""

    section_id: str
    title: str
    description: str
    text: str
    lang: str = DEFAULT_LANGUAGE  # what `text` is written in (also for the button under it)


@dataclass(frozen=True)
class _Content:
    """The library and the matcher built from it, swapped together as one object."""

    library: Library
    matcher: Matcher


def build_matcher(library: Library, semantic: Semantic | None = None) -> Matcher:
    """The section matcher of `library` (with `semantic`, by meaning too), flagging messages
    that sound like danger."""
    return Matcher.build(library, semantic, distress=distress_kinds)


class Service:
    """Answers users. Holds the live content; `swap` replaces it atomically."""

    def __init__(
        self,
        library: Library,
        matcher: Matcher | None = None,
        *,
        unmatched_retention_days: int = 90,
        event_retention_days: int = 365,
        operator_name: str | None = None,
    ) -> None:
        self._content = _Content(library, matcher or build_matcher(library))
        self.unmatched_retention_days = unmatched_retention_days
        self.event_retention_days = event_retention_days
        self.operator_name = operator_name
        # Set by the Telegram front end once the caseworkers' group passed its check: then
        # urgent-help and "can't answer" replies offer "Talk to a person" (bot/helpdesk.py).
        self.helpdesk: helpdesk.HelpdeskConfig | None = None
        # Free text is matched in worker threads: embedding a question takes 15-20 ms of CPU
        # that must not hold up buttons and commands on the event loop. Two threads, each
        # running the model on one core (bot.matching.semantic.EMBEDDING_THREADS), use both
        # cores of a small server, and a long message no longer holds up the short ones.
        self._worker = ThreadPoolExecutor(MATCHING_THREADS, thread_name_prefix="matching")

    @classmethod
    def configured(cls, library: Library, settings: Settings) -> Service:
        """The service as the bot and the console run it: /privacy quotes the retention
        periods the statistics store is configured with."""
        semantic = Semantic.load(settings.embedding_cache) if settings.semantic_matching else None
        return cls(
            library,
            build_matcher(library, semantic),
            unmatched_retention_days=settings.unmatched_retention_days,
            event_retention_days=settings.event_retention_days,
            operator_name=settings.operator_name,
        )

    @property
    def library(self) -> Library:
        """The content being served now."""
        return self._content.library

    @property
    def matcher(self) -> Matcher:
        """The matcher built from the content being served now."""
        return self._content.matcher

    def swap(self, library: Library, matcher: Matcher | None = None) -> None:
        """Serve new content. One assignment, so a question sees either the old or the new."""
        matcher = matcher or build_matcher(library, self._content.matcher.semantic)
        self._content = _Content(library, matcher)

    # --- commands -----------------------------------------------------------------------------

    def start(self, lang: str, payload: str | None = None) -> Reply:
        """/start: welcome and topic menu; with a deep-link payload, open that section."""
        content = self._content
        if payload:
            # "<section>_<lang>" (posters in a language) opens the section in that language.
            section_id, _, link_lang = payload.strip().lower().partition("_")
            section = content.library.section(section_id)
            if section is not None:
                view_lang = link_lang if link_lang in SUPPORTED_LANGUAGES else lang
                return self._view("s", section, content.library, view_lang, route="deeplink")
        text = join(escape(t("welcome", lang)), f"<i>{escape(t('privacy_note', lang))}</i>")
        return Reply(
            text,
            replies.menu_buttons(content.library, lang),
            Outcome("command", None, "answer") if not payload else None,
            lang,
        )

    def topics(self, lang: str) -> Reply:
        """/topics: the topic menu."""
        library = self._content.library
        return Reply(
            escape(t("topics_title", lang)), replies.menu_buttons(library, lang), lang=lang
        )

    def help(self, lang: str) -> Reply:
        """/help: every user command with its description, from USER_COMMANDS."""
        lines = [f"<b>{escape(t('help_title', lang))}</b>"]
        lines += [
            f"/{command.name} - {escape(t(command.description_key, lang))}"
            for command in USER_COMMANDS
        ]
        if self.helpdesk is not None:
            lines.append(helpdesk.help_line(self.helpdesk, lang))
        text = join("\n".join(lines), escape(t("help_footer", lang)))
        return Reply(text, (replies.menu_row(lang),), lang=lang)

    def commands(self, lang: str) -> list[tuple[str, str]]:
        """(command, description) pairs for Telegram's command menu."""
        commands = USER_COMMANDS + (HELPDESK_COMMANDS if self.helpdesk is not None else ())
        return [(command.name, t(command.description_key, lang)) for command in commands]

    def about(self, lang: str) -> Reply:
        """/about: the source document(s) behind the content, what happened next, and who
        runs this bot (when OPERATOR_NAME says so)."""
        parts = []
        for pack in self._content.library.packs:
            if not pack.sections:  # the safety pack explains no document
                continue
            parts.append(
                t(
                    "about",
                    lang,
                    document=escape(pack.source_document),
                    place=escape(pack.source_place),
                    date=escape(pack.source_date),
                    version=escape(pack.version),
                )
            )
            if pack.next_steps.text:
                parts.append(escape(pick(pack.next_steps.text, lang).value))
        if self.operator_name:
            parts.append(escape(t("about_operator", lang, operator=self.operator_name)))
        return Reply(join(*parts), (replies.menu_row(lang),), lang=lang)

    def glossary(self, lang: str) -> Reply:
        """/glossary: the difficult words the content uses, explained plainly."""
        text = replies.glossary(self._content.library, lang)
        return Reply(text, (replies.menu_row(lang),), lang=lang)

    def privacy(self, lang: str) -> Reply:
        """/privacy: exactly what is kept, for how long, and how to delete it."""
        text = t(
            "privacy",
            lang,
            unmatched_days=self.unmatched_retention_days,
            event_days=self.event_retention_days,
        )
        if self.helpdesk is not None:
            text = join(text, t("helpdesk_privacy", lang, days=helpdesk.IDLE_DAYS))
        return Reply(text, (replies.menu_row(lang),), lang=lang)

    def language_menu(self, lang: str) -> Reply:
        """/language: one button per supported language, each named in its own language."""
        buttons = tuple(
            (Button(catalogue(code).get("language_name", code), f"l:{code}"),)
            for code in SUPPORTED_LANGUAGES
        )
        return Reply(escape(t("language_prompt", lang)), buttons, lang=lang)

    def language_chosen(self, lang: str) -> Reply:
        """After a language button: say so in the new language, then the topic menu in it."""
        menu = self.topics(lang)
        return Reply(join(escape(t("language_set", lang)), menu.text), menu.buttons, lang=lang)

    def unknown_command(self, lang: str) -> Reply:
        """Any command we do not know (also what non-admins get for admin commands)."""
        return Reply(escape(t("unknown_command", lang)), (replies.menu_row(lang),), lang=lang)

    def text_only(self, lang: str) -> Reply:
        """Stickers, photos, voice and the like: we read text only."""
        return Reply(escape(t("text_only", lang)), (replies.menu_row(lang),), lang=lang)

    def error(self, lang: str) -> Reply:
        """What a user sees when something failed on our side: short, no details."""
        return Reply(escape(t("error", lang)), (replies.menu_row(lang),), lang=lang)

    # --- free text ----------------------------------------------------------------------------

    async def ask_in_worker(self, text: str, lang: str, *, chosen: bool = False) -> Reply:
        """`ask`, run in the matching worker thread (the event loop stays free meanwhile)."""
        ask = functools.partial(self.ask, text, lang, chosen=chosen)
        return await asyncio.get_running_loop().run_in_executor(self._worker, ask)

    async def inline_in_worker(self, query: str, lang: str) -> list[InlineResult]:
        """`inline`, run in the matching worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, self.inline, query, lang)

    def ask(self, text: str, lang: str, *, chosen: bool = False) -> Reply:
        """Answer a free-text question: a section, a choice of sections, small talk, or an
        honest "I can't answer that".

        `lang` is the user's language; `chosen` says they picked it with /language rather than
        it being their app's (see `_reply_language`).
        """
        content = self._content
        question = text.strip()[:MAX_QUESTION_CHARS]
        if not question:
            return Reply(
                escape(t("empty_question", lang)),
                replies.menu_buttons(content.library, lang),
                lang=lang,
            )
        result = content.matcher.match(question, lang)
        if result.distress:
            return self._urgent(result, question, lang)
        reply_lang = self._reply_language(result, lang, chosen=chosen)
        if result.intent is not None:
            return self._small_talk(result.intent, content.library, reply_lang)
        return self._answer(result, question, lang, reply_lang)

    def _answer(self, result: MatchResult, question: str, lang: str, reply_lang: str) -> Reply:
        """A section, a choice of sections, or an honest no, in `reply_lang` (after the local-law
        line for a question about one's own legal situation)."""
        library = self._content.library
        # Before the topic: the document cannot say what the law allows where they are...
        legal = replies.legal_note(reply_lang) if is_personal_legal_question(question) else ""
        # ... but a trusted organisation or a person can advise: one button away.
        advice = self._ways_to_help(reply_lang) if legal else ()
        score = result.candidates[0].score if result.candidates else 0.0
        if result.decision == "answer" and result.answer is not None:
            section = library.section(result.answer)
            if section is not None:
                body, buttons = replies.section_summary(section, library, reply_lang)
                return Reply(
                    join(legal, body),
                    (*advice, *(_pinned(buttons, reply_lang) if reply_lang != lang else buttons)),
                    Outcome("text", section.id, "answer", score),
                    reply_lang,
                )
        if result.decision == "clarify":
            choices = [library.section(sid) for sid in result.alternatives]
            rows: tuple[Row, ...] = tuple(
                (replies.section_button(section, reply_lang),) for section in choices if section
            )
            if reply_lang != lang:
                rows = _pinned(rows, reply_lang)
            return Reply(
                join(legal, escape(t("clarify", reply_lang))),
                (*rows, *advice, replies.menu_row(reply_lang)),
                Outcome("text", None, "clarify", score, question),
                reply_lang,
            )
        # Honest: the document does not answer this. Topic buttons only for topics that are
        # genuinely related (the matcher's suggestions), else just the way to the menu.
        related = [library.section(sid) for sid in result.alternatives]
        rows = tuple((replies.section_button(s, reply_lang),) for s in related if s)
        key = "cannot_answer_related" if rows else "cannot_answer"
        return Reply(
            join(legal, escape(t(key, reply_lang))),
            (*self._ways_to_help(reply_lang), *rows, replies.menu_row(reply_lang)),
            Outcome("text", None, "none", score, question),
            reply_lang,
        )

    def urgent_note(self, text: str, lang: str) -> Reply | None:
        """The urgent-help note alone when `text` sounds like danger: a message the help desk
        passes on to people who may answer late still gets help first."""
        kinds = distress_kinds(text)
        if not kinds:
            return None
        note = replies.urgent_note(self._content.library, kinds[0], lang)
        return Reply(note, lang=lang) if note else None

    def _urgent(self, result: MatchResult, question: str, lang: str) -> Reply:
        """Someone may be in danger: the urgent-help note first, as a message of its own, in the
        language they wrote in; then the topic (or, with none, what the bot can still do), with
        ways to real help on top. A button under the second message never edits the note away.
        """
        library = self._content.library
        # The language of the message, even when it is English and the app is set otherwise:
        # a person in danger reads best the language they just wrote in.
        note_lang = result.lang if result.lang in SUPPORTED_LANGUAGES else lang
        note = replies.urgent_note(library, result.distress_kind, note_lang)
        follow = self._answer(result, question, lang, note_lang)
        ways = self._ways_to_help(note_lang)
        if follow.outcome is not None and follow.outcome.decision == "none":
            text, rows = replies.urgent_follow_up(library, note_lang, ways)
            legal = replies.legal_note(note_lang) if is_personal_legal_question(question) else ""
            follow = replace(follow, text=join(legal, text), buttons=rows)
        else:
            kept = tuple(row for row in follow.buttons if row not in ways)  # not twice
            follow = replace(follow, buttons=(*ways, *kept))
        kind = result.distress_kind or GENERAL_DISTRESS
        outcome = replace(follow.outcome, distress_kind=kind) if follow.outcome else None
        return replace(follow, outcome=outcome, before=(note,) if note else ())

    def _ways_to_help(self, lang: str) -> tuple[Row, ...]:
        """The buttons to real help, on top of urgent and "can't answer" replies: "Find help in
        your country" (when there are checked referrals), then "Talk to a person" (when the
        help desk is on)."""
        return (*replies.find_help_rows(self._content.library, lang), *self._offer(lang))

    def _offer(self, lang: str) -> tuple[Row, ...]:
        """The 'Talk to a person' row, or nothing when the help desk is off."""
        return (helpdesk.offer_row(lang),) if self.helpdesk is not None else ()

    def _small_talk(self, intent: str, library: Library, lang: str) -> Reply:
        """A short friendly reply to a greeting, thanks, "who are you"...: never a section."""
        key = _SMALL_TALK_REPLIES.get(intent, "smalltalk_ack")
        if intent in _SMALL_TALK_WITH_MENU:
            buttons = replies.menu_buttons(library, lang)
        else:
            buttons = (replies.menu_row(lang),)
        return Reply(escape(t(key, lang)), buttons, Outcome("text", None, "smalltalk"), lang)

    def _reply_language(self, result: MatchResult, lang: str, *, chosen: bool = False) -> str:
        """The language a free-text message is answered in.

        A user who chose a language with /language gets it, unless the question is clearly in
        another supported language and is answered: English words are common in every
        language's messages ("visa", "remittance"), so an English question keeps the choice,
        and the English original is one tap away ("Show in English"). Anyone else is answered
        in the language the message is written in, as the matcher read it (Taglish is Tagalog,
        "ami ki korbo" Bengali), small talk, urgent help and "I can't answer that" too; in
        their app's language when the message does not tell (emoji, a number).
        """
        if result.lang not in SUPPORTED_LANGUAGES:
            return lang
        if not chosen:
            return result.lang
        clearly_other = result.lang not in (lang, DEFAULT_LANGUAGE)
        read = result.decision != "none" or result.intent is not None
        return result.lang if clearly_other and read else lang

    def inline(self, query: str, lang: str, limit: int = 10) -> list[InlineResult]:
        """Sections to offer in inline mode (`@bot remittances`): matches, or every topic."""
        library = self._content.library
        query = query.strip()[:MAX_QUESTION_CHARS]
        if query:
            result = self._content.matcher.match(query, lang)
            ids = [candidate.section_id for candidate in result.candidates]
            # Search words ("remittance fees"), not a message to answer: the user's language
            # holds unless the words are clearly in another one.
            lang = self._reply_language(result, lang, chosen=True)
        else:
            ids = [section.id for section in library.sections]
        found = [section for sid in ids[:limit] if (section := library.section(sid))]
        return [self._inline_result(section, library, lang) for section in found]

    def _inline_result(self, section: Section, library: Library, lang: str) -> InlineResult:
        summary = pick(section.summary, lang).value
        text, _ = replies.section_summary(section, library, lang)
        teaser = summary if len(summary) <= 120 else summary[:117].rsplit(" ", 1)[0] + "..."
        return InlineResult(section.id, pick(section.title, lang).value, teaser, text, lang)

    # --- buttons ------------------------------------------------------------------------------

    def press(self, payload: str, lang: str) -> Reply:
        """A button press. Payloads name sections by id, so they survive restarts and content
        changes; anything we cannot read gets a fresh menu, never an error."""
        library = self._content.library
        kind, _, rest = payload.partition(":")
        if kind == "t" and not rest:
            return self.topics(lang)
        if kind == replies.REFERRALS_PAYLOAD:
            referral = self._referrals(rest, lang)
            if referral is not None:
                return referral
        section_id, _, view_lang = rest.partition(":")
        section = library.section(section_id) if kind in _VIEWS else None
        if section is not None and view_lang in ("", *SUPPORTED_LANGUAGES):
            reply = self._view(kind, section, library, view_lang or lang, route="button")
            if view_lang and view_lang != lang:  # "Show in English", or a cross-language answer
                return replace(reply, buttons=_pinned(reply.buttons, view_lang))
            return reply
        return Reply(
            escape(t("stale_menu", lang)),
            replies.menu_buttons(library, lang),
            lang=lang,
        )

    def _referrals(self, rest: str, lang: str) -> Reply | None:
        """ "Find help in your country": `h[:<lang>]` the countries, `h:<CODE>[:<lang>]` one
        country's checked contacts. The country is asked, never guessed. None if unreadable."""
        library = self._content.library
        parts = rest.split(":") if rest else []
        if parts and parts[-1] in SUPPORTED_LANGUAGES:
            lang = parts.pop()
        if not parts:
            text, rows = replies.countries(library, lang)
            return Reply(text, rows, lang=lang)
        if len(parts) == 1:
            found = replies.referral_list(library, parts[0], lang)
            if found is not None:
                return Reply(found[0], found[1], lang=lang)
        return None

    def _view(
        self, kind: str, section: Section, library: Library, lang: str, *, route: Route
    ) -> Reply:
        text, buttons = _VIEWS[kind](section, library, lang)
        return Reply(text, tuple(buttons), Outcome(route, section.id, "answer"), lang)


# The catalogue key answering each conversation act (bot/matching/intents.py).
_SMALL_TALK_REPLIES = {
    "greeting": "smalltalk_greeting",
    "thanks": "smalltalk_thanks",
    "bye": "smalltalk_bye",
    "ack": "smalltalk_ack",
    "laughter": "smalltalk_laughter",
    "emoji": "smalltalk_laughter",
    "who": "smalltalk_who",
    "capabilities": "smalltalk_capabilities",
    "help": "smalltalk_capabilities",
}
# Acts answered with the whole topic menu (the others get one "Topics" button).
_SMALL_TALK_WITH_MENU = frozenset({"greeting", "capabilities", "help"})


def _pinned(rows: Sequence[Row], lang: str) -> tuple[Row, ...]:
    """`rows` with every section button opening its view in `lang`, not the user's language:
    the buttons under an answer in another language (or in English) stay in that language."""

    def pin(button: Button) -> Button:
        kind, _, rest = button.payload.partition(":")
        payload = f"{button.payload}:{lang}"
        if kind not in _VIEWS or not rest or ":" in rest:  # the menu, or already has a language
            return button
        if len(payload.encode()) > replies.MAX_PAYLOAD_BYTES:
            return button
        return Button(button.label, payload)

    return tuple(tuple(pin(button) for button in row) for row in rows)
