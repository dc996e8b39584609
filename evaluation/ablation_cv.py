"""Threshold-free ablations by grouped cross-validation: mean average precision and best-threshold F1.

Cheaper than a full comparison row (no threshold tuning): each variant is an inline training config
(JSON) retrained per fold on the same document-grouped folds, without seed passages. Used to choose the
context model's parts (evaluation/reports/comparison/ablations.md).

    python evaluation/ablation_cv.py 5 '{"name": "ctx", "family": "context", "params": {"char_ngrams": [3, 5]}}' ...
"""
import sys, json, time
import numpy as np
from sklearn.metrics import average_precision_score
from tipnlp.evaluation.cv import gold_pool, cross_validate
from tipnlp.taxonomy import core_theme_ids
from tipnlp.training import tune_thresholds
recs, groups = gold_pool()
themes=core_theme_ids()
from tipnlp.evaluation.metrics import label_matrix
y,_=label_matrix([r["labels"] for r in recs], themes)
k=int(sys.argv[1])
for spec in sys.argv[2:]:
    cfg=json.loads(spec); t=time.time()
    cv=cross_validate(cfg, recs, groups, k, themes=themes, inner_k=0)
    ap=[average_precision_score(y[:,j],cv.scores[:,j]) for j in range(5)]
    # best f1 per theme (oracle)
    bf=[]
    for j in range(5):
        best=0
        for th in np.arange(0.05,0.95,0.01):
            p=cv.scores[:,j]>=th; tp=(p&(y[:,j]==1)).sum(); fp=(p&(y[:,j]==0)).sum(); fn=((~p)&(y[:,j]==1)).sum()
            best=max(best,2*tp/(2*tp+fp+fn))
        bf.append(best)
    print(cfg.get('name'), 'mAP',round(np.mean(ap),3),[round(a,3) for a in ap],'bestF1',round(np.mean(bf),3), round(time.time()-t), flush=True)
