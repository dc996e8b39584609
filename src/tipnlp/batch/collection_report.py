"""A report over a whole results folder: document x theme matrix, OP coverage, one static HTML page.

Everything is read from the JSONL results (streamed, so large collections fit in memory: per
document only its few top passages are kept). The HTML page has no external assets: the heat map
is a table shaded with inline styles, so it opens from disk or an e-mail attachment alike.

OP coverage counts an OP's *primary* uses (it is the primary OP of a theme tag: what the passage
does) apart from its *secondary* ones (a confident runner-up of some tag, never primary there), so a
document is counted once per OP: as primary if any of its passages uses it as primary.
"""

from __future__ import annotations

import csv
import heapq
import html
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tipnlp.batch.writer import DOCUMENTS_FILE, PASSAGES_FILE, iter_records, write_atomic
from tipnlp.errors import InputNotFound
from tipnlp.op_output import op_roles, ops_label, theme_ops

_ANCHOR_BAD = re.compile(r"[^A-Za-z0-9_-]")


@dataclass(slots=True)
class Collection:
    """What the report needs from a results folder."""

    documents: list[dict[str, Any]]
    themes: list[str]
    theme_labels: dict[str, str]
    #: documents / passages with the OP as a primary OP
    op_docs: Counter
    op_passages: Counter
    op_info: dict[int, tuple[str, tuple[str, ...]]]
    top: dict[str, list[tuple[float, int, dict[str, Any]]]] = field(default_factory=dict)
    #: documents / passages with the OP only as a secondary OP
    op_docs_secondary: Counter = field(default_factory=Counter)
    op_passages_secondary: Counter = field(default_factory=Counter)
    op_summary: dict[int, str] = field(default_factory=dict)
    doc_primary_ops: dict[str, set[int]] = field(default_factory=dict)
    #: Inputs of the run not recorded yet (an interrupted run); shown at the top of the page.
    remaining: int = 0

    def counts(self, record: dict[str, Any]) -> dict[str, int]:
        return {t.get("id"): int(t.get("passages") or 0) for t in record.get("themes") or []}


def load_collection(results: str | Path, top: int = 5) -> Collection:
    """Read documents, theme counts, OP links and each document's ``top`` passages from ``results``."""
    results = Path(results)
    docs_path = results / DOCUMENTS_FILE
    if not docs_path.is_file():
        raise InputNotFound(
            f"{results}: no {DOCUMENTS_FILE} here",
            hint="Point at the --out folder of a `tipnlp batch` run.",
        )
    from tipnlp.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    documents = list(iter_records(docs_path))
    # One column per theme the model predicts (the taxonomy's wider themes would be always empty),
    # plus any other theme the records hold.
    themes = _predicted_themes(results, documents)
    labels = {t.id: t.label for t in taxonomy.themes if t.id in themes}
    for record in documents:
        for t in record.get("themes") or []:
            tid = t.get("id")
            if tid not in labels:
                labels[tid] = taxonomy.theme(tid).label if tid in taxonomy else tid
                if tid not in themes:
                    themes.append(tid)
    op_passages: Counter = Counter()
    op_passages_secondary: Counter = Counter()
    doc_primary: dict[str, set[int]] = defaultdict(set)  # for records written before primary_ops (1.0)
    best: dict[str, list[tuple[float, int, dict[str, Any]]]] = defaultdict(list)
    for n, passage in enumerate(iter_records(results / PASSAGES_FILE)):
        primary, secondary = op_roles(passage)
        op_passages.update(primary)
        op_passages_secondary.update(secondary)
        doc_primary[str(passage.get("doc_id"))] |= primary
        scores = [float(t.get("score") or 0.0) for t in passage.get("themes") or []]
        if not scores or top <= 0:
            continue
        item = (max(scores), -n, {k: passage.get(k) for k in ("passage_id", "page", "page_end", "heading", "text",
                                                               "themes", "ops")})
        heap = best[str(passage.get("doc_id"))]
        if len(heap) < top:
            heapq.heappush(heap, item)
        elif item[:2] > heap[0][:2]:
            heapq.heapreplace(heap, item)
    op_docs: Counter = Counter()
    op_docs_secondary: Counter = Counter()
    primaries: dict[str, set[int]] = {}
    for record in documents:
        primary = primaries[str(record.get("doc_id"))] = document_primary_ops(record, doc_primary)
        op_docs.update(primary)
        op_docs_secondary.update(set(record.get("ops_covered") or []) - primary)
    op_info = {op.number: (op.verb, tuple(op.themes)) for op in taxonomy.ops}
    ranked = {doc: sorted(items, key=lambda x: (-x[0], -x[1])) for doc, items in best.items()}
    return Collection(documents, themes, labels, op_docs, op_passages, op_info, ranked,
                      op_docs_secondary=op_docs_secondary, op_passages_secondary=op_passages_secondary,
                      op_summary={op.number: op.summary for op in taxonomy.ops}, doc_primary_ops=primaries)


def document_primary_ops(record: dict[str, Any], from_passages: dict[str, set[int]] | None = None) -> set[int]:
    """A document record's primary OPs; a 1.0 record has none stored, they come from its passages."""
    if "primary_ops" in record:
        return set(record.get("primary_ops") or [])
    return set((from_passages or {}).get(str(record.get("doc_id")), set()))


COVERAGE_FIELDS = ["op", "verb", "themes", "primary_documents", "primary_passages", "secondary_documents",
                   "secondary_passages"]


def op_coverage_rows(collection: Collection, addressed_only: bool = False) -> list[dict[str, Any]]:
    """Per OP (in number order): documents and passages using it as primary, and only as secondary."""
    ops = set(collection.op_info) | set(collection.op_docs) | set(collection.op_passages)
    ops |= set(collection.op_docs_secondary) | set(collection.op_passages_secondary)
    rows = []
    for op in sorted(o for o in ops if o is not None):
        verb, themes = collection.op_info.get(op, ("", ()))
        row = {
            "op": op, "verb": verb, "themes": list(themes), "summary": collection.op_summary.get(op, ""),
            "primary_documents": collection.op_docs.get(op, 0),
            "primary_passages": collection.op_passages.get(op, 0),
            "secondary_documents": collection.op_docs_secondary.get(op, 0),
            "secondary_passages": collection.op_passages_secondary.get(op, 0),
        }
        if addressed_only and not (row["primary_passages"] or row["secondary_passages"]
                                   or row["primary_documents"] or row["secondary_documents"]):
            continue
        rows.append(row)
    return rows


def _predicted_themes(results: Path, documents: list[dict[str, Any]]) -> list[str]:
    """The themes of the run's model (from batch.json or the records), the core themes if it is unknown."""
    from tipnlp.batch.writer import SETTINGS_FILE, read_settings
    from tipnlp.errors import TipnlpError
    from tipnlp.model_themes import predicted_theme_ids
    from tipnlp.taxonomy import core_theme_ids

    model = read_settings(results / SETTINGS_FILE).get("model") or next(
        (d.get("model") for d in documents if d.get("model")), None)
    try:
        return predicted_theme_ids(str(model)) if model else core_theme_ids()
    except TipnlpError:  # the model is not installed here: its config cannot be read
        return core_theme_ids()


def matrix_csv(collection: Collection) -> str:
    """``doc_id, source, <one column per theme>, error``: passages per document and theme."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["doc_id", "source", *collection.themes, "error"])
    for record in collection.documents:
        counts = collection.counts(record)
        error = record.get("error")
        code = (error.get("code") if isinstance(error, dict) else str(error)) if error else ""
        writer.writerow([record.get("doc_id"), record.get("source"), *(counts.get(t, 0) for t in collection.themes), code])
    return buf.getvalue()


def ops_coverage_csv(collection: Collection) -> str:
    """One row per OP (``COVERAGE_FIELDS``): documents and passages with it as primary, and as secondary."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COVERAGE_FIELDS)
    for row in op_coverage_rows(collection):
        writer.writerow([";".join(row[k]) if k == "themes" else row[k] for k in COVERAGE_FIELDS])
    return buf.getvalue()


def _anchor(doc_id: str, used: set[str]) -> str:
    base = "doc-" + (_ANCHOR_BAD.sub("_", doc_id) or "x")
    anchor, n = base, 1
    while anchor in used:
        n += 1
        anchor = f"{base}-{n}"
    used.add(anchor)
    return anchor


def _file_uri(source: str) -> str | None:
    if not source:
        return None
    try:
        return Path(source).resolve().as_uri()
    except (ValueError, OSError):
        return None


def _shade(count: int, peak: int) -> str:
    if count <= 0 or peak <= 0:
        return ""
    alpha = 0.15 + 0.85 * (count / peak) ** 0.5  # square root: small counts stay visible next to large ones
    ink = "#fff" if alpha > 0.55 else "#222"
    return f' style="background:rgba(176,32,48,{alpha:.2f});color:{ink}"'


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#222;max-width:1400px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-top:1px solid #ddd;padding-top:12px}
table{border-collapse:collapse}td,th{border:1px solid #e3e3e3;padding:3px 6px}
.heat th.t{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:500;font-size:12px}
.heat td.c{text-align:center;min-width:22px;font-variant-numeric:tabular-nums}
.heat td.d{white-space:nowrap;max-width:360px;overflow:hidden;text-overflow:ellipsis}
.err{color:#a40000}.muted{color:#777}.pass{margin:8px 0 12px;padding:6px 10px;border-left:3px solid #b02030;background:#faf7f7}
.tag{display:inline-block;background:#eee;border-radius:3px;padding:0 5px;margin:0 3px 2px 0;font-size:12px}
.bar{display:inline-block;height:10px;background:#b02030;vertical-align:middle}
"""


def render_html(collection: Collection, title: str = "tipnlp collection report") -> str:
    """One self-contained page: heat map, OP coverage, and a section per document with its top passages."""
    esc = html.escape
    docs = collection.documents
    themes = collection.themes
    used: set[str] = set()
    anchors = [_anchor(str(d.get("doc_id")), used) for d in docs]
    peak = max((c for d in docs for c in collection.counts(d).values()), default=0)
    ok = sum(1 for d in docs if not d.get("error"))
    out = io.StringIO()
    w = out.write
    w(f"<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>{esc(title)}</title>")
    w(f"<style>{_CSS}</style></head><body>\n<h1>{esc(title)}</h1>\n")
    models = sorted({str(d.get("model")) for d in docs if d.get("model")})
    w(f"<p>{len(docs)} documents ({ok} tagged, {len(docs) - ok} failed), "
      f"{sum(int(d.get('pages') or 0) for d in docs)} pages, "
      f"{sum(int(d.get('n_tagged') or 0) for d in docs)} tagged passages; model {esc(', '.join(models) or '?')}.</p>\n")
    if collection.remaining:
        w(f"<p class='err'>Incomplete: the batch run was interrupted and {collection.remaining} input(s) are not "
          "tagged yet; finish it with <code>tipnlp batch … --resume</code> and report again.</p>\n")
    w("<h2 id='heatmap'>Themes by document</h2>\n<p class='muted'>Cells: passages tagged with the theme "
      "(darker = more). Click a document for its top passages.</p>\n<table class='heat'><thead><tr><th>document</th>")
    for t in themes:
        w(f"<th class='t' title='{esc(collection.theme_labels.get(t, t))}'>{esc(t)}</th>")
    w("</tr></thead><tbody>\n")
    for record, anchor in zip(docs, anchors):
        counts = collection.counts(record)
        doc_id = str(record.get("doc_id"))
        w(f"<tr><td class='d'><a href='#{anchor}' title='{esc(str(record.get('source') or ''))}'>{esc(doc_id)}</a>")
        if record.get("error"):
            w(" <span class='err'>(failed)</span>")
        w("</td>")
        for t in themes:
            c = counts.get(t, 0)
            w(f"<td class='c'{_shade(c, peak)} title='{esc(doc_id)} / {esc(t)}: {c}'>{c or ''}</td>")
        w("</tr>\n")
    w("</tbody></table>\n")
    w("<h2 id='ops'>Operative paragraphs covered</h2>\n<p class='muted'>Primary: the OP is the most probable "
      "OP of a theme tag. Secondary: a confident runner-up only (a document or passage counts once per OP, as "
      "primary if it is primary anywhere in it).</p>\n<table><thead><tr><th>OP</th><th>verb</th>"
      "<th>documents (primary)</th><th>passages (primary)</th><th>documents (secondary)</th>"
      "<th>passages (secondary)</th><th></th></tr></thead><tbody>\n")
    op_peak = max(collection.op_docs.values(), default=0)
    for row in op_coverage_rows(collection):
        n_docs = row["primary_documents"]
        width = 0 if not op_peak else round(160 * n_docs / op_peak)
        w(f"<tr class='op-row' data-op='{row['op']}'><td>{row['op']}</td>"
          f"<td title='{esc(row['summary'])}'>{esc(row['verb'])}</td><td>{n_docs}</td><td>{row['primary_passages']}</td>"
          f"<td>{row['secondary_documents']}</td><td>{row['secondary_passages']}</td>"
          f"<td><span class='bar' style='width:{width}px'></span></td></tr>\n")
    w("</tbody></table>\n<h2 id='documents'>Documents</h2>\n")
    for record, anchor in zip(docs, anchors):
        doc_id = str(record.get("doc_id"))
        source = str(record.get("source") or "")
        uri = _file_uri(source)
        w(f"<section id='{anchor}'><h2>{esc(doc_id)}</h2>\n<p>")
        if uri:
            w(f"<a href='{esc(uri)}'>{esc(source)}</a>")
        else:
            w(esc(source))
        w(f"<br><span class='muted'>{int(record.get('pages') or 0)} page(s), {int(record.get('n_passages') or 0)} "
          f"passages, {int(record.get('n_tagged') or 0)} tagged; OPs covered: "
          f"{esc(', '.join(map(str, record.get('ops_covered') or [])) or 'none')}; primary OPs: "
          f"{esc(', '.join(map(str, sorted(collection.doc_primary_ops.get(doc_id, ())))) or 'none')}</span></p>\n")
        error = record.get("error")
        if error:
            code = error.get("code") if isinstance(error, dict) else "error"
            message = error.get("message") if isinstance(error, dict) else str(error)
            w(f"<p class='err'>failed ({esc(str(code))}): {esc(str(message))}</p></section>\n")
            continue
        themes_here = record.get("themes") or []
        if themes_here:
            w("<p>" + "".join(f"<span class='tag'>{esc(str(t.get('id')))} × {int(t.get('passages') or 0)}</span>"
                              for t in themes_here) + "</p>\n")
        top = collection.top.get(doc_id, [])
        if not top:
            w("<p class='muted'>No tagged passage.</p>\n")
        for score, _, p in top:
            page = p.get("page")
            page_label = "" if page is None else (f"p. {page}" if p.get("page_end") in (None, page)
                                                  else f"pp. {page}-{p.get('page_end')}")
            tags = "".join(f"<span class='tag'>{esc(str(t.get('id')))} {float(t.get('score') or 0):.2f}"
                           f"{' → OP ' + esc(ops_label(theme_ops(p, t), ', ')) if theme_ops(p, t) else ''}</span>"
                           for t in p.get("themes") or [])
            ops = ", ".join(str(o.get("op")) for o in p.get("ops") or [])
            text = " ".join(str(p.get("text") or "").split())
            if len(text) > 600:
                text = text[:599].rstrip() + "…"
            w(f"<div class='pass'><div>{tags} <span class='muted'>{esc(page_label)}"
              f"{' · OPs ' + esc(ops) if ops else ''} · {esc(str(p.get('heading') or '')[-120:])}</span></div>"
              f"<div>{esc(text)}</div></div>\n")
        w("</section>\n")
    w("</body></html>\n")
    return out.getvalue()


def write_collection_report(results: str | Path, out_dir: str | Path, top: int = 5, remaining: int = 0) -> list[Path]:
    """Write ``matrix.csv``, ``ops_coverage.csv`` and ``index.html`` for ``results`` into ``out_dir``.

    ``remaining``: inputs the run has not recorded yet; the page then says it is incomplete.
    """
    from tipnlp.errors import InputUnreadable

    collection = load_collection(results, top=top)
    collection.remaining = remaining
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputUnreadable(f"cannot create {out}: {err.strerror}", hint="Choose a writable --out folder.") from None
    files = [
        (out / "matrix.csv", matrix_csv(collection)),
        (out / "ops_coverage.csv", ops_coverage_csv(collection)),
        (out / "index.html", render_html(collection)),
    ]
    for path, text in files:
        write_atomic(path, text)
    return [path for path, _ in files]
