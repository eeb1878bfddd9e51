"""Sentence embeddings for story clustering: the optional ``embeddings`` extra.

``pip install 'broadsheet[embeddings]'`` brings sentence-transformers (and torch). The
model is a sentence-transformers model *directory* named in the config
(``[stories] embedding_model = "models/all-MiniLM-L6-v2"``) or with ``--embeddings``; it
is loaded offline and never downloaded (``HF_HUB_OFFLINE``, ``local_files_only``), so a
missing or incomplete directory is an error, not a fetch. docs/embeddings.md says where
such a directory can come from without a download at run time.

An article's embedding is that of its title and the lead of its body
(``embedding_text``); the clusterer only reads ``ClusterDoc.embedding`` and never imports
this module, so the default install needs neither torch nor a model.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Protocol

import numpy as np

from broadsheet.stories.cluster import ClusterDoc
from broadsheet.stories.text import lead

# Characters of the body after the title: about 250 tokens, all that MiniLM-sized models
# read (256 word pieces); more would only be cut off by the tokenizer.
EMBED_CHARS = 1200

# The number formats the model may run in. bfloat16 is faster on CPUs that compute in it
# natively (AVX-512 BF16, AMX): all-MiniLM-L6-v2 on 2 such cores embeds 38 instead of 20
# articles/s (giveme) and 47 instead of 35 (AllSides), vectors at cosine >= 0.996 to
# float32's, the same clustering scores (docs/benchmarks.md). Elsewhere it is emulated
# and slower, hence not the default.
DTYPES = ("float32", "bfloat16")


class EmbeddingError(Exception):
    """The embedding model cannot be used (not installed, not found, not loadable)."""


class Embedder(Protocol):
    """Anything that turns texts into one vector each (rows of a 2-D array)."""

    def __call__(self, texts: Sequence[str]) -> np.ndarray: ...


def embedding_text(title: str, text: str, chars: int = EMBED_CHARS) -> str:
    """What an article's embedding is computed from: its title, then the lead."""
    title = (title or "").strip()
    body = lead(text or "", chars)
    return f"{title}. {body}" if title and body else title or body


def model_directory(model_dir: str | Path) -> Path:
    """``model_dir`` as a path, checked to be a directory (cheap: loads nothing)."""
    path = Path(model_dir).expanduser()
    if not path.is_dir():
        raise EmbeddingError(
            f"embedding model directory not found: {path} "
            "(a local sentence-transformers model; nothing is downloaded)"
        )
    return path


def check_dtype(dtype: object, setting: str = "embedding dtype") -> str:
    """``dtype`` if it is one of ``DTYPES``, else an ``EmbeddingError`` that lists them
    (``setting`` names where the value came from)."""
    if dtype not in DTYPES:
        raise EmbeddingError(f"{setting} must be one of {', '.join(DTYPES)}, got {dtype!r}")
    return dtype  # type: ignore[return-value]


class SentenceEmbedder:
    """A local sentence-transformers model, on the CPU unless told otherwise.

    One text at a time by default: on the CPU batching does not pay (all-MiniLM-L6-v2 on
    2 cores: 21.9 articles/s one by one, 20.0 in batches of 32), and a text's vector then
    never depends on the texts batched with it (they differ by ~1e-7 otherwise), so a
    build resumed after a kill computes exactly the vectors an uninterrupted one did.
    """

    def __init__(
        self,
        model_dir: str | Path,
        *,
        device: str = "cpu",
        batch_size: int = 1,
        dtype: str = "float32",
    ):
        check_dtype(dtype)
        path = model_directory(model_dir)
        # Never reach for a hub, whatever the model's config names.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbeddingError(
                "sentence embeddings need the extra: pip install 'broadsheet[embeddings]'"
            ) from exc
        try:
            self._model = SentenceTransformer(str(path), device=device, local_files_only=True)
        except Exception as exc:  # the library raises many kinds for a bad directory
            raise EmbeddingError(f"cannot load the embedding model in {path}: {exc}") from exc
        if dtype == "bfloat16":
            import torch

            self._model.to(torch.bfloat16)
        self.path = path
        self.batch_size = batch_size
        self.dtype = dtype

    @property
    def dimensions(self) -> int:
        return int(self._model.get_sentence_embedding_dimension() or 0)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        if self.dtype != "float32":  # normalised in the lower precision: ~1e-3 off unit
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = vectors / np.where(norms > 0, norms, 1.0)
        return vectors


def embed_documents(
    docs: Iterable[ClusterDoc],
    embedder: Embedder,
    *,
    batch: int = 256,
    progress: Callable[[int], None] | None = None,
    on_failure: Callable[[Exception], None] | None = None,
) -> Iterator[ClusterDoc]:
    """The articles with ``embedding`` set, in the same order, ``batch`` at a time.

    With ``on_failure``, an article the model fails on keeps no embedding (TF-IDF alone)
    and the failure goes there (see ``embed_each``); without it, the failure is raised."""
    iterator = iter(docs)
    while chunk := list(islice(iterator, batch)):
        texts = [embedding_text(d.title, d.text) for d in chunk]
        vectors = (
            embed_texts(texts, embedder)
            if on_failure is None
            else embed_each(texts, embedder, on_failure)
        )
        yield from (replace(d, embedding=v) for d, v in zip(chunk, vectors, strict=True))
        if progress:
            progress(len(chunk))


@dataclass
class EmbeddingFailures:
    """A tally of the articles the model failed on (an ``on_failure`` for ``embed_each``):
    how many, and the first error (all of them could be a whole store's)."""

    count: int = 0
    first: str = ""

    def __call__(self, exc: Exception) -> None:
        self.count += 1
        if not self.first:  # one line: a library's message can run to many
            message = " ".join(str(exc).split())
            self.first = f"{type(exc).__name__}: {message[:200]}"

    def warning(self) -> str:
        """One line for the user ("" when nothing failed)."""
        if not self.count:
            return ""
        return (
            f"warning: the embedding model failed on {self.count} article(s), clustered "
            f"by TF-IDF alone; first error: {self.first}"
        )


def embed_each(
    texts: Sequence[str], embedder: Embedder, on_failure: Callable[[Exception], None]
) -> list[np.ndarray | None]:
    """One vector per text, None where the model fails on it (``on_failure`` is told).

    The texts go to the model together; if that fails, one by one, so a text the model
    chokes on costs only its own vector. Such an article is clustered by TF-IDF alone: a
    build must not stop at the same article every time it is rerun. A text the model
    always fails on fails again on a rerun, so a resumed build still agrees with an
    uninterrupted one (a passing failure, out of memory, may not).
    """
    try:
        return list(embed_texts(texts, embedder))
    except Exception as exc:  # any failure of the model: isolated below, then reported
        if len(texts) == 1:
            on_failure(exc)
            return [None]
    return [vector for text in texts for vector in embed_each([text], embedder, on_failure)]


def embed_texts(texts: Sequence[str], embedder: Embedder) -> np.ndarray:
    """One vector per text, checked: a model that answers with another count is an error."""
    vectors = embedder(texts)
    if len(vectors) != len(texts):
        raise EmbeddingError(f"the model gave {len(vectors)} vectors for {len(texts)} texts")
    return vectors
