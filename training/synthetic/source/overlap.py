import json, re, pathlib, collections
N=7
def toks(s): return re.findall(r"[a-z0-9]+", s.lower())
def sh(t): return {" ".join(t[i:i+N]) for i in range(len(t)-N+1)}
ref=collections.defaultdict(set)
files=list(pathlib.Path('/work/shared/corpora/texts').rglob('*'))+[pathlib.Path('/work/shared/resolution-71-167.md')]
for p in files:
    if p.is_file():
        try: t=toks(p.read_text(errors='ignore'))
        except Exception: continue
        for s in sh(t): ref[s].add(p.name)
rows=[json.loads(l) for l in open('/work/main/training/synthetic/seed_passages.jsonl')]
hits=0
for r in rows:
    m=[s for s in sh(toks(r['text'])) if s in ref]
    if m:
        hits+=1; print(r['id'], len(m), m[:6])
print("rows with shared 7-grams:", hits)
