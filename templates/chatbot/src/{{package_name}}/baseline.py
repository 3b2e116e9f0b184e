"""The baseline: TF-IDF on character n-grams with logistic regression.

It is the classic intent classifier, strong when test messages reuse the training words
(character n-grams also catch typos and word forms); the sentence encoder should beat it
where they don't ("hi there" vs "good morning"). It is trained on the same split and
thresholded by the same rule, so the two compare fairly.
"""

from __future__ import annotations

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

NAME = "TF-IDF + logistic regression"


def train_baseline(texts: list[str], intents: list[str], balanced: bool = True) -> Pipeline:
    """Fit the pipeline; `predict_proba` columns follow the sorted intents, like the model's."""
    pipeline = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
        LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced" if balanced else None),
    )
    return pipeline.fit(texts, intents)
