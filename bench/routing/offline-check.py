"""Offline cross-check for docs/routing.md ("Why 98 % at 25 % of the cost is out of reach").

Not part of the product or the test suite: it asks whether a classic text classifier, trained
with every model's score on a split of outer-train, finds per-prompt signal that the product
router misses. Needs scikit-learn (Debian: apt-get install -y python3-sklearn) and the splits
from bench/routing/make-splits.ts.

    /usr/bin/python3 bench/routing/offline-check.py /tmp/routing-splits/outer-train.jsonl

1. Inside each dataset: ROC AUC of a tf-idf (word 1-2-gram) logistic regression per model for
   "this model answers this prompt correctly" (70/30, five random splits).
2. Over all datasets: per-prompt routing by argmax(P(correct) - lambda * estimated cost) with one
   logistic regression per model; the best point at <= 25 % of the best single model's cost.
"""
import json, sys
import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
models = list(rows[0]["outcomes"])
rng = np.random.default_rng(1)

def halves(rs):
    idx = rng.permutation(len(rs)); n = int(0.7 * len(rs))
    return [rs[i] for i in idx[:n]], [rs[i] for i in idx[n:]]

def words(tr, te):
    v = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    return v.fit_transform([r["prompt"] for r in tr]), v.transform([r["prompt"] for r in te])

def words_chars(tr, te):
    a = words(tr, te)
    v = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True, max_features=200000)
    b = v.fit_transform([r["prompt"] for r in tr]), v.transform([r["prompt"] for r in te])
    return hstack([a[0], b[0]]).tocsr(), hstack([a[1], b[1]]).tocsr()

print("1. AUC inside one dataset (mean of five splits)")
for d in sorted(set(r["dataset"] for r in rows)):
    rs = [r for r in rows if r["dataset"] == d]
    for m in ["zero-one-ai/Yi-34B-Chat", "gpt-4-1106-preview", "gpt-3.5-turbo-1106", "mistralai/mixtral-8x7b-chat"]:
        aucs = []
        for _ in range(5):
            tr, te = halves(rs)
            X, Xt = words(tr, te)
            y = np.array([r["outcomes"][m]["score"] >= 0.5 for r in tr]); yt = np.array([r["outcomes"][m]["score"] >= 0.5 for r in te])
            aucs.append(roc_auc_score(yt, LogisticRegression(C=1, max_iter=3000).fit(X, y).predict_proba(Xt)[:, 1]))
        print(f"  {d:14s} {m:32s} {np.mean(aucs):.3f}", flush=True)

def best_at_quarter(tr, te, feat, C):
    S = lambda rs, k: np.array([[r["outcomes"][m][k] for m in models] for r in rs])
    Ytr, Yte, Ctr, Cte = S(tr, "score"), S(te, "score"), S(tr, "cost_usd"), S(te, "cost_usd")
    ltr = np.array([len(r["prompt"]) for r in tr]); lte = np.array([len(r["prompt"]) for r in te])
    est = np.zeros_like(Cte)
    for j in range(len(models)):  # cost from prompt length, fitted on train (as the replay does)
        b, a = np.polyfit(ltr, Ctr[:, j], 1); est[:, j] = a + b * lte
    X, Xt = feat(tr, te)
    P = np.zeros_like(Yte, dtype=float)
    for j in range(len(models)):
        P[:, j] = LogisticRegression(C=C, max_iter=3000).fit(X, Ytr[:, j] >= 0.5).predict_proba(Xt)[:, 1]
    b = np.argmax(Yte.mean(0)); qb, cb = Yte[:, b].mean(), Cte[:, b].sum()
    best = 0.0
    for lam in np.concatenate([[0], np.logspace(-1, 4, 80)]):
        ch = np.argmax(P - lam * est, 1); i = np.arange(len(te))
        if Cte[i, ch].sum() <= 0.25 * cb: best = max(best, Yte[i, ch].mean() / qb)
    return best

print("2. best point at <= 25 % of the best model's cost, per-prompt classifier (five splits)")
splits = [halves(rows) for _ in range(5)]
for name, feat in [("word 1-2-grams", words), ("word + char 2-5-grams", words_chars)]:
    for C in [0.5, 1, 2]:
        v = [best_at_quarter(tr, te, feat, C) for tr, te in splits]
        print(f"  {name:22s} C={C}: mean {np.mean(v) * 100:.1f} %  ({' '.join(f'{x * 100:.1f}' for x in v)})", flush=True)
