"""Score the section matcher on an eval question set and print the figures and the misses.

Usage:
    .venv/bin/python scripts/eval_matching.py [--eval PATH] [--content DIR] [--seeds DIR]
        [--quiet] [--scores]

Each eval item has `q`, `expected` (acceptable section ids; [] = out of scope), `kind` and
`lang`. Figures, per kind and per language:

- answer: in scope, `answer` is one of `expected`;
- top3: in scope, one of `expected` is the answer or among the first two alternatives
  (for clarify, among the offered choices);
- none-ok: out of scope, `answer` is None;
- distress: the item of kind "distress" is flagged (and, for other kinds, how many are).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_library  # noqa: E402
from bot.matching import Matcher, MatchResult  # noqa: E402
from bot.service import build_matcher  # noqa: E402

DEFAULT_EVAL = ROOT / "eval" / "dev-questions.yaml"


def _shown(result: MatchResult) -> list[str]:
    """The answer and the first two alternatives: what the user sees first."""
    first = [result.answer] if result.answer else []
    return (first + list(result.alternatives))[:3]


def _pct(hits: int, total: int) -> str:
    return f"{hits}/{total} = {100 * hits / total:5.1f}%" if total else "-"


def evaluate(items: list[dict[str, Any]], matcher: Matcher, *, quiet: bool, scores: bool) -> None:
    """Run every item through the matcher and print figures per kind and per language."""
    tally: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    score_rows: list[tuple[str, float, str]] = []
    for item in items:
        query, expected = item["q"], list(item.get("expected") or [])
        kind, lang = item.get("kind", "?"), item.get("lang", "en")
        result = matcher.match(query)
        groups = [f"kind:{kind}", f"lang:{lang}"]
        groups.append("all")
        if expected and lang == "en":
            groups.append("in-scope en")
        if kind == "multilingual":
            groups.append("multilingual")
        for group in groups:
            counts = tally[group]
            counts["n"] += 1
            if expected:
                counts["in"] += 1
                counts["answer"] += result.answer in expected
                counts["top3"] += any(section in expected for section in _shown(result))
                counts["clarify"] += result.decision == "clarify"
            else:
                counts["out"] += 1
                counts["none_ok"] += result.answer is None
            if kind == "distress":
                counts["distress_items"] += 1
                counts["distress_hits"] += result.distress
            else:
                counts["false_alarms"] += result.distress
        ok = result.answer in expected if expected else result.answer is None
        if kind == "distress" and not result.distress:
            ok = False
        top = result.candidates[0].score if result.candidates else 0.0
        score_rows.append(("in" if expected else "out", top, f"{kind}/{lang}: {query}"))
        if not ok:
            ranked = ", ".join(f"{c.section_id} {c.score:.0f}" for c in result.candidates[:4])
            misses.append(
                f"[{kind}/{lang}] {query}\n    expected {expected or 'none'}; got "
                f"{result.decision} {result.answer} alt={list(result.alternatives)} "
                f"distress={result.distress} lang={result.lang}; ranked: {ranked}"
            )

    print(f"{'group':28} {'answer':>18} {'top3':>18} {'clarify':>7} {'none-ok':>16} distress")
    order = sorted(tally, key=lambda g: (not g.startswith(("in-", "multi", "all")), g))
    for group in order:
        counts = tally[group]
        distress = (
            _pct(counts["distress_hits"], counts["distress_items"])
            if counts["distress_items"]
            else f"{counts['false_alarms']} false alarms"
        )
        print(
            f"{group:28} {_pct(counts['answer'], counts['in']):>18} "
            f"{_pct(counts['top3'], counts['in']):>18} {counts['clarify']:>7} "
            f"{_pct(counts['none_ok'], counts['out']):>16} {distress}"
        )
    if scores:
        print("\nTop scores (to choose thresholds):")
        for side, top, label in sorted(score_rows, key=lambda row: row[1]):
            print(f"  {side:3} {top:5.1f}  {label}")
    if not quiet:
        print(f"\nMisses ({len(misses)}):")
        for miss in misses:
            print(miss)


def main() -> None:
    """Parse arguments, load content and the eval set, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--content", type=Path, default=ROOT / "content")
    parser.add_argument("--seeds", type=Path, default=ROOT / "seeds")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    parser.add_argument("--scores", action="store_true", help="list every top score")
    args = parser.parse_args()
    items = yaml.safe_load(args.eval.read_text(encoding="utf-8"))
    matcher = build_matcher(load_library(args.content, args.seeds))
    print(f"{len(items)} questions from {args.eval}; content languages: {matcher.languages}")
    evaluate(items, matcher, quiet=args.quiet, scores=args.scores)


if __name__ == "__main__":
    main()
