"""`TextEmbedder`: the one text representation ask, intent routing and search share.

TF-IDF over word 1-2-grams plus character 3-5-grams (within word boundaries), L2-normalised, so cosine
similarity is a dot product and typos or inflections ("licences" / "license") still land near each
other. It is fitted on the texts at hand in milliseconds and needs no model download.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sklearn.feature_extraction.text import TfidfVectorizer  # type: ignore[import-untyped]
from sklearn.pipeline import FeatureUnion  # type: ignore[import-untyped]
from sklearn.preprocessing import Normalizer  # type: ignore[import-untyped]

__all__ = ["TextEmbedder"]


class TextEmbedder:
    """Fit on a corpus, then embed any text into the same sparse space."""

    def __init__(self, *, max_features: int = 50_000) -> None:
        self._union = FeatureUnion(
            [
                ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=max_features,
                                          token_pattern=r"(?u)\b\w[\w'-]*\b", strip_accents="unicode")),
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                          max_features=max_features, strip_accents="unicode")),
            ]
        )  # fmt: skip
        self._normalise = Normalizer()

    def fit(self, texts: Sequence[str]) -> Any:
        """Learn the vocabulary and weights; returns the corpus' embeddings."""
        return self._normalise.fit_transform(self._union.fit_transform([t.lower() for t in texts]))

    def embed(self, texts: Sequence[str]) -> Any:
        """Embeddings of new texts (unknown words are ignored)."""
        return self._normalise.transform(self._union.transform([t.lower() for t in texts]))
