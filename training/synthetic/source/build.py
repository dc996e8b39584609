import sys, json, re, collections, pathlib
sys.path.insert(0, '/tmp/seed')
import np_items, org_items, dem_items, gst_items, sc_items, neg_items
THEMES = {"non_punishment","organ_removal","demand_reduction","gender_sensitive_training","supply_chains"}
STYLES = {"law","report","un_recommendation","company_statement","ngo_report","guide"}
rows = []
for prefix, mod in [("non_punishment", np_items), ("organ_removal", org_items), ("demand_reduction", dem_items),
                    ("gender_sensitive_training", gst_items), ("supply_chains", sc_items)]:
    for i, (text, labels, style, note) in enumerate(mod.ITEMS, 1):
        assert prefix in labels, (prefix, text[:60])
        rows.append({"id": f"seed-{prefix}-{i:03d}", "text": text, "labels": sorted(set(labels)), "style": style, "note": note})
for i, (text, note, style) in enumerate(neg_items.ITEMS, 1):
    rows.append({"id": f"seed-neg-{i:03d}", "text": text, "labels": [], "style": style, "note": "hard negative: " + note})
ids = [r["id"] for r in rows]; assert len(ids) == len(set(ids))
texts = [r["text"] for r in rows]; assert len(texts) == len(set(texts))
for r in rows:
    assert set(r["labels"]) <= THEMES and r["style"] in STYLES and r["text"].strip() and r["note"].strip(), r
out = pathlib.Path('/work/main/training/synthetic/seed_passages.jsonl')
out.parent.mkdir(parents=True, exist_ok=True)
with out.open('w', encoding='utf-8') as f:
    for r in rows: f.write(json.dumps(r, ensure_ascii=False) + "\n")
print(len(rows), "rows written")
