"""Score the matcher on labelled sets and print the figures, per kind and per language.

Usage:
    .venv/bin/python scripts/eval_matching.py [--eval PATH ...] [--content DIR] [--seeds DIR]
        [--lexical] [--quiet] [--cache PATH]

Each eval item has `q`, `expected` (acceptable section ids, best first; [] = the bot must not
answer with a section), `kind` and `lang`. Figures, per kind, per language and overall:

- top1: in scope, `answer` is one of `expected`;
- top3: in scope, one of `expected` is the answer or one of the first two alternatives (for
  clarify, among the offered choices);
- none-ok: out of scope (small talk, off-topic...), `answer` is None (no section shown);
- intent: small talk (kind "smalltalk") recognised as a conversation act;
- off-ans: off-topic items (kinds oos-near, oos-far, out-of-scope) answered with a section;
- distress: items of kind "distress" flagged; false alarms: other items flagged;
- lang: the reply language (`MatchResult.lang`) equals the item's `lang`.

Sets: eval/dev-questions.yaml and eval/dev-chat.yaml are for tuning; eval/unseen-*.yaml were
written by someone who never saw our content and are never tuned on: report them only.
The matcher runs as the bot runs it: semantic (embedding model) unless --lexical.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_library  # noqa: E402
from bot.matching import Matcher, MatchResult, Semantic  # noqa: E402
from bot.service import build_matcher  # noqa: E402

DEFAULT_EVALS = [ROOT / "eval" / "dev-questions.yaml", ROOT / "eval" / "dev-chat.yaml"]
DEFAULT_CACHE = ROOT / "data" / "embeddings.npz"
OFF_TOPIC_KINDS = frozenset({"oos-near", "oos-far", "out-of-scope"})


def _shown(result: MatchResult) -> list[str]:
    """The answer and the first two alternatives: what the user sees first."""
    first = [result.answer] if result.answer else []
    return (first + list(result.alternatives))[:3]


def _pct(hits: int, total: int) -> str:
    return f"{hits}/{total} {100 * hits / total:3.0f}%" if total else "-"


def tally_item(counts: dict[str, int], item: dict[str, Any], result: MatchResult) -> bool:
    """Add one item's outcome to `counts`; True when the item is handled right."""
    expected = list(item.get("expected") or [])
    kind = item.get("kind", "?")
    ok = True
    counts["n"] += 1
    if expected:
        counts["in"] += 1
        counts["top1"] += result.answer in expected
        counts["top3"] += any(section in expected for section in _shown(result))
        ok = result.answer in expected
    else:
        counts["out"] += 1
        counts["none_ok"] += result.answer is None
        ok = result.answer is None
    if kind == "smalltalk":
        counts["smalltalk"] += 1
        counts["intent"] += result.intent is not None
        ok = ok and result.intent is not None
    if kind in OFF_TOPIC_KINDS:
        counts["offtopic"] += 1
        counts["off_answered"] += result.answer is not None
    if kind == "distress":
        counts["distress"] += 1
        counts["flagged"] += result.distress
        ok = ok and result.distress
    else:
        counts["calm"] += 1
        counts["false_alarms"] += result.distress
        ok = ok and not result.distress
    counts["lang_ok"] += result.lang == item.get("lang", "en")
    return ok


def report(name: str, items: list[dict[str, Any]], matcher: Matcher, *, quiet: bool) -> None:
    """Run every item through the matcher and print the figures and (unless quiet) misses."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    for item in items:
        kind, lang = item.get("kind", "?"), item.get("lang", "en")
        script = "-latin" if item.get("script") == "latin" else ""
        result = matcher.match(item["q"], item.get("user_lang"))
        groups = ["all", f"kind:{kind}", f"lang:{lang}{script}"]
        if item.get("expected") and lang == "en":
            groups.append("in-scope en")
        oks = [tally_item(tally[group], item, result) for group in groups]
        if not oks[0]:
            ranked = ", ".join(f"{c.section_id} {c.score:.0f}" for c in result.candidates[:3])
            misses.append(
                f"[{kind}/{lang}] {item['q']}\n    expected {item.get('expected') or 'none'}; "
                f"got {result.decision} {result.answer} alt={list(result.alternatives)} "
                f"intent={result.intent} distress={result.distress} lang={result.lang}; "
                f"ranked: {ranked}"
            )
    print(f"\n== {name}: {len(items)} items")
    header = (
        f"{'group':18} {'top1':>13} {'top3':>13} {'none-ok':>13} {'intent':>12} "
        f"{'off-ans':>12} {'distress':>12} {'false-al':>12} {'lang':>13}"
    )
    print(header)
    order = sorted(tally, key=lambda g: (g != "all", g.startswith("lang:"), g))
    for group in order:
        c = tally[group]
        print(
            f"{group:18} {_pct(c['top1'], c['in']):>13} {_pct(c['top3'], c['in']):>13} "
            f"{_pct(c['none_ok'], c['out']):>13} {_pct(c['intent'], c['smalltalk']):>12} "
            f"{_pct(c['off_answered'], c['offtopic']):>12} "
            f"{_pct(c['flagged'], c['distress']):>12} {_pct(c['false_alarms'], c['calm']):>12} "
            f"{_pct(c['lang_ok'], c['n']):>13}"
        )
    if not quiet:
        print(f"\nMisses ({len(misses)}):")
        for miss in misses:
            print(miss)


def main() -> None:
    """Parse arguments, build the matcher as the bot does, print the figures per set."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, nargs="+", default=DEFAULT_EVALS)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="embedding cache")
    parser.add_argument("--lexical", action="store_true", help="words only, no model")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    args = parser.parse_args()
    started = time.perf_counter()
    semantic = None if args.lexical else Semantic.load(args.cache)
    matcher = build_matcher(load_library(args.content, args.seeds), semantic)
    mode = "lexical only" if semantic is None else f"lexical + semantic ({semantic.embedder.name})"
    print(f"matcher: {mode}; built in {time.perf_counter() - started:.1f} s")
    for path in args.eval:
        items = yaml.safe_load(path.read_text(encoding="utf-8"))
        report(path.name, items, matcher, quiet=args.quiet)


if __name__ == "__main__":
    main()
