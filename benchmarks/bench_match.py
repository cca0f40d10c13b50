"""Benchmark the section matcher: index build time and memory, per-question latency.

Usage:
    .venv/bin/python benchmarks/bench_match.py

Two contents: the shipped one (content/ + seeds/) and a synthetic one of 2,000 sections made
by recombining the shipped sections' real sentences, keywords and questions (fixed seed, so
runs compare). Questions: the dev eval set when it is there, plus questions made from the
content with typos and filler. Every question is timed once on a freshly built matcher, so the
figures include the cold look-ups a bot meets after start-up (warm repeats are faster).
Targets: p99 < 2 ms at 11 sections, < 25 ms at 2,000 sections; build well under 1.5 s.

The full path (lexical + semantic: the embedding model on every unique question) is measured
on the shipped content: p99 per unique question < 40 ms on a 2-core machine; the index build
with the embedding cache in data/embeddings.npz (cold the first time: every content and
exemplar text is embedded once), again with the cache warm, and after an upload that changes
one section (< 3 s); and the cache's size.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
import tracemalloc
from dataclasses import replace
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content.loader import load_library  # noqa: E402
from bot.content.models import Library  # noqa: E402
from bot.distress import is_distress  # noqa: E402
from bot.matching import Semantic  # noqa: E402
from bot.service import build_matcher  # noqa: E402

EVAL_SET = ROOT / "eval" / "dev-questions.yaml"
CHAT_SET = ROOT / "eval" / "dev-chat.yaml"
EMBEDDING_CACHE = ROOT / "data" / "embeddings.npz"
SYNTHETIC_SECTIONS = 2000
MADE_QUESTIONS = 400
FILLER = ("hi", "please", "hey, what did they say about", "tell me about", "ok so", "")


def synthetic_library(library: Library, count: int, rng: random.Random) -> Library:
    """A library of `count` sections recombined from the real sections' text."""
    real = library.sections
    sentences = [part for s in real for part in s.summary["en"].split(". ") if part]
    points = [point for s in real for point in s.key_points["en"]]
    keywords = [word for s in real for word in s.keywords["en"]]
    questions = [question for s in real for question in s.questions["en"]]
    originals = [s.original for s in real if s.original]
    sections = []
    for number in range(count):
        base = real[number % len(real)]
        sections.append(
            replace(
                base,
                id=f"synthetic-{number}",
                title={"en": " ".join(rng.sample(keywords, 3))},
                summary={"en": ". ".join(rng.sample(sentences, 6)) + "."},
                key_points={"en": tuple(rng.sample(points, 4))},
                keywords={"en": tuple(rng.sample(keywords, 20))},
                questions={"en": tuple(rng.sample(questions, 10))},
                for_migrants={"en": rng.choice(sentences)},
                related=(),
                original=rng.choice(originals)[: rng.randint(500, 3000)],
            )
        )
    pack = replace(library.packs[0], id="synthetic", sections=tuple(sections))
    return Library((pack,))


def typo(word: str, rng: random.Random) -> str:
    """The word with one letter dropped, doubled or swapped (words of 5+ letters)."""
    if len(word) < 5 or not word.isalpha():
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("drop", "double", "swap"))
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    if kind == "double":
        return word[:at] + word[at] + word[at:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def questions_for(library: Library, rng: random.Random) -> list[str]:
    """The eval questions (if present) and questions made from the content."""
    found: list[str] = []
    if EVAL_SET.exists():
        found = [item["q"] for item in yaml.safe_load(EVAL_SET.read_text(encoding="utf-8"))]
    pool = [q for s in library.sections for q in (*s.questions["en"], *s.keywords["en"])]
    for _ in range(MADE_QUESTIONS):
        words = rng.choice(pool).split()
        rng.shuffle(words)
        words = [typo(word, rng) if rng.random() < 0.3 else word for word in words]
        found.append(f"{rng.choice(FILLER)} {' '.join(words)}".strip())
    found.append("x" * 4096)
    found.append(" ".join(rng.choice(pool) for _ in range(60))[:4096])
    return found


def percentile(values: list[float], share: float) -> float:
    """The value below which `share` of the sorted values fall (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(name: str, library: Library, questions: list[str]) -> float:
    """Print build time, memory and latency for one library; return p99 in ms."""
    started = time.perf_counter()
    matcher = build_matcher(library)
    build = time.perf_counter() - started
    # Memory is measured on a second build: tracemalloc slows allocation-heavy code down a lot.
    tracemalloc.start()
    kept = build_matcher(library)
    retained, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del kept
    times = []
    for question in questions:
        started = time.perf_counter()
        matcher.match(question)
        times.append((time.perf_counter() - started) * 1000)
    p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
    sections = len(library.sections)
    print(
        f"{name}: {sections} sections, build {build * 1000:.0f} ms, index memory "
        f"{retained / 1e6:.1f} MB (peak {peak / 1e6:.1f} MB); {len(times)} questions: "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {max(times):.2f} ms, "
        f"mean {statistics.mean(times):.2f} ms"
    )
    return p99


def measure_semantic(library: Library, questions: list[str]) -> float | None:
    """Print the full path's figures on the shipped content; return p99 in ms (None: no
    model here)."""
    started = time.perf_counter()
    semantic = Semantic.load(EMBEDDING_CACHE)
    if semantic is None:
        print("semantic: the model did not load; full path not measured")
        return None
    load = time.perf_counter() - started
    started = time.perf_counter()
    matcher = build_matcher(library, semantic)
    build = time.perf_counter() - started
    cold = semantic.embedder.embedded
    started = time.perf_counter()
    build_matcher(library, semantic)
    warm = time.perf_counter() - started
    first = library.sections[0]
    changed = replace(
        first, questions={**first.questions, "en": (*first.questions["en"], "a new question")}
    )
    pack = replace(library.packs[0], sections=(changed, *library.sections[1:]))
    started = time.perf_counter()
    build_matcher(Library((pack, *library.packs[1:])), semantic)
    upload = time.perf_counter() - started
    times, cpu = [], []
    for question in dict.fromkeys(questions):  # unique: the result cache decides nothing
        started, used = time.perf_counter(), time.thread_time()
        matcher.match(question)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - used) * 1000)
    p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
    size = EMBEDDING_CACHE.stat().st_size if EMBEDDING_CACHE.exists() else 0
    print(
        f"semantic ({semantic.embedder.name}): model + exemplars {load:.2f} s; index build "
        f"{build:.1f} s ({cold} texts embedded), warm {warm:.2f} s, one section changed "
        f"{upload:.2f} s; embedding cache {len(semantic.embedder)} vectors, {size / 1e6:.1f} MB"
    )
    print(
        f"full path (lexical + semantic), {len(times)} unique questions: p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms, max {max(times):.1f} ms; CPU time (what a busy machine does not "
        f"inflate): p50 {percentile(cpu, 0.5):.1f} ms, p99 {percentile(cpu, 0.99):.1f} ms; load "
        f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    return p99


def longest_messages(rng: random.Random) -> None:
    """The distress check on Telegram's longest messages (4,096 characters), the first time
    their words are seen: in every script it reads word by word (Thai is cut into words)."""
    phrases = (
        "my boss took my passport and does not pay me remittances fees human rights",
        "นายจ้างยึดพาสปอร์ตของฉันไม่จ่ายเงินเดือนอยากกลับบ้าน",
        "chủ giữ hộ chiếu của tôi không trả lương muốn về nhà",
        "работодатель забрал паспорт и не платит зарплату",
        "মালিক আমার পাসপোর্ট রেখে দিয়েছে বেতন দেয় না",
    )
    words = [word for phrase in phrases for word in phrase.split()]
    times = []
    for _ in range(20):
        text = " ".join(rng.choice(words) + rng.choice(("", "a", "x", "ๆ")) for _ in range(900))
        started = time.perf_counter()
        is_distress(text[:4096])
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"distress check, 4,096-character messages: mean {statistics.mean(times):.2f} ms, "
        f"max {max(times):.2f} ms"
    )


def main() -> None:
    """Run both sizes and print the summary line last."""
    rng = random.Random(2017)
    started = time.perf_counter()
    shipped = load_library(ROOT / "content", ROOT / "seeds")
    print(f"content load: {(time.perf_counter() - started) * 1000:.0f} ms")
    questions = questions_for(shipped, rng)
    small = measure("shipped", shipped, questions)
    synthetic = synthetic_library(shipped, SYNTHETIC_SECTIONS, rng)
    large = measure("synthetic", synthetic, questions_for(synthetic, rng))
    longest_messages(rng)
    chat = [item["q"] for item in yaml.safe_load(CHAT_SET.read_text(encoding="utf-8"))]
    full = measure_semantic(shipped, [*questions, *chat])
    count = len(shipped.sections)
    full_text = f", full path (lexical + semantic) {full:.1f} ms" if full is not None else ""
    print(
        f"bench_match: p99 {small:.2f} ms at {count} sections, "
        f"{large:.2f} ms at {SYNTHETIC_SECTIONS} sections (lexical){full_text}"
    )


if __name__ == "__main__":
    main()
