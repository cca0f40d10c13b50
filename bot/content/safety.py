"""What a content change does to the safety text: the urgent-help notes and the referrals.

A person in danger is pointed to this text, so no upload may change it quietly: the upload flow
(`bot.content.updates`) shows the admin `diff_safety(live, new)` and installs the change only
after a second, explicit press. Pure functions of two libraries; no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.content.models import (
    DEFAULT_LANGUAGE,
    DISTRESS_KINDS,
    SUPPORTED_LANGUAGES,
    Contact,
    CountryReferrals,
    Library,
    Pack,
)

# A referral older than this is listed by /content as due for re-checking.
REFERRAL_RECHECK_AFTER = timedelta(days=365)
_NONE = "(none)"


@dataclass(frozen=True)
class NoteChange:
    """One urgent-help note in one language, before and after ("" when absent)."""

    kind: str
    lang: str
    old: str
    new: str


@dataclass(frozen=True)
class ReferralChange:
    """One country's referrals, before and after (each contact as one line)."""

    country: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class SafetyChange:
    """Every change to the urgent-help notes and the referrals between two libraries."""

    notes: tuple[NoteChange, ...] = ()
    referrals: tuple[ReferralChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.notes or self.referrals)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages whose notes change, in the bot's order."""
        changed = {note.lang for note in self.notes}
        return tuple(lang for lang in SUPPORTED_LANGUAGES if lang in changed)

    @property
    def countries(self) -> tuple[str, ...]:
        """The countries whose referrals change."""
        return tuple(change.country for change in self.referrals)

    def summary(self) -> str:
        """One line: "en, th" and/or "referrals TH, MY"."""
        parts = []
        if self.languages:
            parts.append(", ".join(self.languages))
        if self.countries:
            parts.append("referrals " + ", ".join(self.countries))
        return "; ".join(parts)

    def lines(self) -> list[str]:
        """The exact change, per kind and language, old -> new, for the admin to check."""
        lines: list[str] = []
        for note in self.notes:
            lines += [
                f"Urgent note '{note.kind}', {note.lang}:",
                f"  old: {_one_line(note.old) or _NONE}",
                f"  new: {_one_line(note.new) or _NONE}",
            ]
        for change in self.referrals:
            lines.append(f"Referrals {change.country}:")
            lines += [f"  old: {line}" for line in change.old or (_NONE,)]
            lines += [f"  new: {line}" for line in change.new or (_NONE,)]
        return lines


def diff_safety(old: Library, new: Library) -> SafetyChange:
    """What changes in the urgent-help notes and the referrals from `old` to `new`."""
    notes = []
    old_notes, new_notes = old.urgent_help, new.urgent_help
    for kind in DISTRESS_KINDS:
        before, after = old_notes.get(kind, {}), new_notes.get(kind, {})
        for lang in SUPPORTED_LANGUAGES:
            if before.get(lang, "") != after.get(lang, ""):
                notes.append(NoteChange(kind, lang, before.get(lang, ""), after.get(lang, "")))
    referrals = []
    old_refs, new_refs = old.referrals, new.referrals
    for code in sorted(set(old_refs) | set(new_refs)):
        before_lines = _country_lines(old_refs.get(code))
        after_lines = _country_lines(new_refs.get(code))
        if before_lines != after_lines:
            referrals.append(ReferralChange(code, before_lines, after_lines))
    return SafetyChange(tuple(notes), tuple(referrals))


def stale_referrals(pack: Pack, today: date) -> list[str]:
    """The pack's referrals last checked more than a year before `today`, one line each."""
    return [
        f"{country.code}: {contact.name[DEFAULT_LANGUAGE]} (checked {contact.verified})"
        for country in pack.referrals
        for contact in country.contacts
        if today - contact.verified > REFERRAL_RECHECK_AFTER
    ]


def _country_lines(country: CountryReferrals | None) -> tuple[str, ...]:
    if country is None:
        return ()
    names = " / ".join(f"{lang}: {name}" for lang, name in sorted(country.name.items()))
    return (f"country {names}", *(_contact_line(contact) for contact in country.contacts))


def _contact_line(contact: Contact) -> str:
    """Everything about a contact on one line, so that any change to it shows."""
    parts = [" / ".join(f"{lang}: {name}" for lang, name in sorted(contact.name.items()))]
    parts += [way for way in (contact.phone, contact.telegram, contact.web) if way]
    if contact.languages:
        parts.append("languages " + ", ".join(contact.languages))
    for label, texts in (("hours", contact.hours), ("note", contact.note)):
        parts += [f"{label} {lang}: {_one_line(text)}" for lang, text in sorted(texts.items())]
    parts.append(f"verified {contact.verified}, source: {_one_line(contact.source)}")
    return " | ".join(parts)


def _one_line(text: str) -> str:
    return " / ".join(line.strip() for line in text.splitlines() if line.strip())
