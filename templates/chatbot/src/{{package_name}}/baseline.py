"""The models the router is compared with: TF-IDF + logistic regression, and a trivial guess.

- The reference, TF-IDF on character n-grams with logistic regression, is the classic intent
  classifier, strong when test messages reuse the training words (character n-grams also
  catch typos and word forms); the sentence encoder should beat it where they don't ("hi
  there" vs "good morning").
- The baseline answers every message with the most frequent training intent: the floor any
  model must clear.

Both are trained on the same split and thresholded by the same rule, so the rows compare fairly.
"""

from __future__ import annotations

from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

REFERENCE_NAME = "TF-IDF + logistic regression"
NAME = "most frequent intent"


def train_reference(texts: list[str], intents: list[str], balanced: bool = True) -> Pipeline:
    """Fit TF-IDF + logistic regression; `predict_proba` columns follow the sorted intents."""
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced" if balanced else None),
    )
    return pipeline.fit(texts, intents)


def train_baseline(texts: list[str], intents: list[str]) -> DummyClassifier:
    """The most frequent intent for every message, with the training shares as probabilities."""
    return DummyClassifier(strategy="prior").fit(texts, intents)
