"""A static, self-contained HTML evidence report for one tagged document (``--format html``).

One file, no external assets (inline CSS and a little inline JavaScript), so it can be mailed or
archived next to the document. It shows the document's themes and the operative paragraphs they
link to, then every tagged passage with its pages, heading path, scores, OP links and its text with
the evidence spans highlighted (``<mark>``); under the text, each theme tag lists its evidence and its
operative paragraphs (the primary one marked, each with the ranker's probability and the OP's
paraphrase from the taxonomy), so a reader can judge which OP the passage implements and how sure
tipnlp is. Checkboxes filter the passages by theme; the URL
fragment ``#only=theme_a,theme_b`` opens the page with only those themes shown.

Every piece of document text goes through ``html.escape``. Script errors are written into the page
(``#js-errors``) so a headless browser test can see them.
"""

from __future__ import annotations

import html
import json
from collections import defaultdict
from typing import Iterable, Sequence

from tipnlp.records import OpLink, PassagePrediction, TaggedDocument, ThemeScore

_CSS = """
:root { --fg: #1d232b; --muted: #5b6673; --line: #d8dde3; --bg: #fff; --hl: #ffe58a; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; max-width: 72rem; padding: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .3rem; } h2 { font-size: 1.15rem; margin: 1.8rem 0 .6rem; }
.meta { color: var(--muted); margin: 0 0 1rem; } .meta span + span::before { content: " · "; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: var(--accent); }
.filters { position: sticky; top: 0; background: var(--bg); padding: .5rem 0; border-bottom: 1px solid var(--line);
           display: flex; flex-wrap: wrap; gap: .4rem .9rem; align-items: center; z-index: 1; }
.filters label { white-space: nowrap; } .filters button { font: inherit; padding: .1rem .6rem; }
.passage { border: 1px solid var(--line); border-radius: 6px; padding: .7rem .9rem; margin: .8rem 0; }
.passage[hidden] { display: none; }
.passage header { display: flex; flex-wrap: wrap; gap: .3rem .8rem; font-size: .9rem; color: var(--muted); }
.heading { font-weight: 600; color: var(--fg); }
.tag { display: inline-block; border-radius: 3px; padding: 0 .4rem; background: #e8eef7; color: var(--fg); }
.text { white-space: pre-wrap; margin: .5rem 0 0; font-family: Georgia, "Times New Roman", serif; }
mark { background: var(--hl); padding: 0 1px; border-radius: 2px; }
.ops a { margin-right: .3rem; }
#js-errors:empty { display: none; } #js-errors { color: #a00; white-space: pre-wrap; }
.none { color: var(--muted); font-style: italic; }
.tag-ops { margin: .5rem 0 0; padding: .3rem .6rem; border-left: 3px solid var(--line); font-size: .9rem; }
.tag-ops .evidence { color: var(--muted); } .op-list { margin: .2rem 0 0; padding-left: 1.2rem; }
.op-list li.primary { font-weight: 600; } .op-list .op-score { font-variant-numeric: tabular-nums; }
.primary-mark { color: #a35a00; }
"""

# Errors are caught first so that a broken filter still leaves a visible trace (and a test signal).
_JS = """
(function () {
  var errors = document.getElementById("js-errors");
  window.onerror = function (message, source, line) {
    errors.textContent += "error: " + message + " (line " + line + ")\\n";
    document.body.setAttribute("data-js", "error");
  };
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input.theme-filter"));
  var passages = Array.prototype.slice.call(document.querySelectorAll("article.passage"));
  var counter = document.getElementById("shown-count");
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var shown = 0;
    passages.forEach(function (p) {
      var themes = p.getAttribute("data-themes").split(" ");
      var visible = themes.some(function (t) { return on[t]; });
      p.hidden = !visible;
      if (visible) { shown += 1; }
    });
    counter.textContent = String(shown);
    document.body.setAttribute("data-shown", String(shown));
  }
  function setAll(value) { boxes.forEach(function (b) { b.checked = value; }); apply(); }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  document.getElementById("show-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("show-none").addEventListener("click", function () { setAll(false); });
  function fromHash() {
    var match = /(?:^#|&)only=([^&]*)/.exec(window.location.hash);
    if (!match) { return false; }
    var wanted = decodeURIComponent(match[1]).split(",");
    boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
    apply();
    return true;
  }
  window.addEventListener("hashchange", fromHash);
  if (!fromHash()) { apply(); }
  document.body.setAttribute("data-js", errors.textContent ? "error" : "ok");
})();
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _page_label(p: PassagePrediction) -> str:
    if p.page is None:
        return "–"
    if p.page_end in (None, p.page):
        return f"p. {p.page}"
    return f"pp. {p.page}–{p.page_end}"


def _theme_labels(theme_ids: Iterable[str]) -> dict[str, str]:
    """Human labels from the packaged taxonomy; an unknown id (a custom model) labels itself."""
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return {t: (tax.theme(t).label if t in tax else t) for t in theme_ids}


def _op_summaries(numbers: Iterable[int]) -> dict[int, tuple[str, str]]:
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    out = {}
    for n in numbers:
        try:
            op = tax.op(n)
        except KeyError:
            out[n] = ("", "")
        else:
            out[n] = (op.verb, op.summary)
    return out


def highlight(p: PassagePrediction) -> str:
    """The passage text, escaped, with each evidence span wrapped in ``<mark>``.

    Evidence offsets are document offsets; they are shifted by ``p.start`` and clipped to the
    passage. Overlapping spans (two themes on the same words) are cut at their boundaries, so the
    marks never nest and every marked character names all the themes it supports.
    """
    text = p.text
    spans: list[tuple[int, int, str, str]] = []
    for theme in p.themes:
        for ev in theme.evidence:
            start, end = max(ev.start - p.start, 0), min(ev.end - p.start, len(text))
            if start < end:
                spans.append((start, end, theme.id, ev.source))
    if not spans:
        return _e(text)
    cuts = sorted({0, len(text)} | {s for s, _, _, _ in spans} | {e for _, e, _, _ in spans})
    parts = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [(t, src) for s, e, t, src in spans if s <= a and b <= e]
        chunk = _e(text[a:b])
        if covering:
            themes = sorted({t for t, _ in covering})
            title = "; ".join(sorted({f"{t}: {src}" if src else t for t, src in covering}))
            parts.append(
                f'<mark data-themes="{_e(" ".join(themes))}" title="{_e(title)}">{chunk}</mark>'
            )
        else:
            parts.append(chunk)
    return "".join(parts)


_PRIMARY_STAR = '<span class="primary-mark" title="primary OP">★</span>'
_PRIMARY_ATTR = ' class="primary" data-primary="true"'


def _tag_ops_html(theme: ThemeScore, links: Sequence[OpLink], summaries: dict[int, tuple[str, str]],
                  labels: dict[str, str]) -> str:
    """One theme tag of a passage: its score, evidence and OPs (primary marked, score, paraphrase)."""
    evidence = " · ".join(f"“{_e(ev.text)}”" for ev in theme.evidence)
    parts = [f'<div class="tag-ops" data-theme="{_e(theme.id)}"><b>{_e(labels.get(theme.id, theme.id))}</b> '
             f'<code>{_e(theme.id)}</code> score {theme.score:.2f}']
    if evidence:
        parts.append(f'<div class="evidence">evidence: {evidence}</div>')
    parts.append('<ol class="op-list">')
    for k, link in enumerate(links):
        verb, summary = summaries.get(link.op) or ("", "")
        primary = link.primary or k == 0
        parts.append(
            f'<li class="op{" primary" if primary else ""}" data-op="{link.op}" data-primary="{str(primary).lower()}">'
            f'<a href="#op-{link.op}">OP&nbsp;{link.op}</a>{" " + _PRIMARY_STAR + " primary" if primary else ""} '
            f'<span class="op-score" title="OP ranker probability">{link.score:.2f}</span> — '
            f'<span class="op-summary"><i>{_e(verb)} …</i> {_e(summary)}</span></li>')
    if not links:
        parts.append('<li class="none">no operative paragraph</li>')
    parts.append("</ol></div>\n")
    return "".join(parts)


def render_html(result: TaggedDocument) -> str:
    """The whole report as one HTML string (UTF-8, no external resources)."""
    r = result.report
    tagged = result.tagged
    theme_ids = [t.id for t in r.themes]
    labels = _theme_labels(theme_ids)

    # passages per OP, and which themes brought each OP in
    op_passages: dict[int, list[int]] = defaultdict(list)
    op_themes: dict[int, set[str]] = defaultdict(set)
    for i, p in enumerate(tagged):
        for link in p.ops:
            op_passages[link.op].append(i)
            op_themes[link.op].update(link.themes)
    # per passage, each theme tag's reported OPs (primary first); passages per OP where it is primary
    tag_ops = [{t.id: p.theme_ops(t) for t in p.themes} for p in tagged]
    op_primary: dict[int, int] = defaultdict(int)
    theme_primary: dict[str, set[int]] = defaultdict(set)
    for i, per_theme in enumerate(tag_ops):
        for tid, links in per_theme.items():
            for link in links:
                op_themes[link.op].add(tid)
                if i not in op_passages[link.op]:
                    op_passages[link.op].append(i)
            if links:
                theme_primary[tid].add(links[0].op)
        for n in {links[0].op for links in per_theme.values() if links}:
            op_primary[n] += 1
    op_numbers = sorted(set(r.ops_covered) | set(op_passages))
    summaries = _op_summaries(op_numbers)
    theme_ops = {t: sorted(n for n in op_numbers if t in op_themes[n]) for t in theme_ids}

    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w('<meta name="generator" content="tipnlp">\n')
    w(f"<title>tipnlp evidence report: {_e(r.doc_id)}</title>\n<style>{_CSS}</style>\n</head>\n")
    w(f'<body data-js="pending" data-doc-id="{_e(r.doc_id)}">\n<div id="js-errors"></div>\n')
    w(f"<h1>Evidence report: {_e(r.doc_id)}</h1>\n<p class=\"meta\">")
    w(f"<span>source: {_e(r.source)}</span><span>{r.pages} page(s)</span>")
    w(f"<span>{r.n_passages} passages, {len(tagged)} tagged</span><span>model: {_e(r.model)}</span>")
    w(f"<span>sha256: <code>{_e(r.sha256[:16])}…</code></span></p>\n")
    if r.error:
        w(f'<p class="none">error: {_e(r.error)}</p>\n')

    # -- summary by theme ------------------------------------------------------------------------
    w('<section id="themes">\n<h2>Themes</h2>\n')
    if r.themes:
        w('<table>\n<thead><tr><th>theme</th><th class="num">passages</th><th class="num">max score</th>'
          '<th class="num">evidence</th><th>operative paragraphs</th></tr></thead>\n<tbody>\n')
        for t in r.themes:
            ops_html = " ".join(
                f'<a href="#op-{n}"{_PRIMARY_ATTR if n in theme_primary[t.id] else ""}>OP&nbsp;{n}'
                f'{_PRIMARY_STAR if n in theme_primary[t.id] else ""}</a>'
                for n in theme_ops.get(t.id, []))
            w(f'<tr data-theme="{_e(t.id)}"><td><a href="#only={_e(t.id)}" class="only-link" '
              f'data-theme="{_e(t.id)}"><b>{_e(labels.get(t.id, t.id))}</b></a> <code>{_e(t.id)}</code></td>'
              f'<td class="num">{t.passages}</td><td class="num">{t.max_score:.2f}</td>'
              f'<td class="num">{t.evidence_score:.2f}</td><td class="ops">{ops_html}</td></tr>\n')
        w("</tbody>\n</table>\n")
    else:
        w('<p class="none">No theme was found in this document.</p>\n')
    w("</section>\n")

    # -- summary by operative paragraph ----------------------------------------------------------
    w('<section id="ops">\n<h2>Operative paragraphs of resolution 71/167</h2>\n')
    if op_numbers:
        w('<p class="meta">★ primary: the most probable OP of a theme tag.</p>\n')
        w('<table>\n<thead><tr><th class="num">OP</th><th>summary (paraphrase)</th><th>themes</th>'
          '<th class="num">passages</th><th class="num">as primary</th></tr></thead>\n<tbody>\n')
        for n in op_numbers:
            verb, summary = summaries[n]
            first = op_passages[n][0] if op_passages[n] else None
            count = f'<a href="#p-{first}">{len(op_passages[n])}</a>' if first is not None else "0"
            w(f'<tr id="op-{n}"><td class="num">{n}</td><td><i>{_e(verb)} …</i> — {_e(summary)}</td>'
              f'<td>{_e(", ".join(sorted(op_themes[n])))}</td><td class="num">{count}</td>'
              f'<td class="num primary-count">{op_primary.get(n, 0)}</td></tr>\n')
        w("</tbody>\n</table>\n")
    else:
        w('<p class="none">No operative paragraph is linked.</p>\n')
    w("</section>\n")

    # -- passages --------------------------------------------------------------------------------
    w('<section id="passages">\n<h2>Tagged passages</h2>\n<div class="filters">\n<span>Show themes:</span>\n')
    for t in theme_ids:
        w(f'<label><input type="checkbox" class="theme-filter" value="{_e(t)}" checked> {_e(t)}</label>\n')
    w('<button type="button" id="show-all">all</button> <button type="button" id="show-none">none</button>\n')
    w(f'<span><b id="shown-count">{len(tagged)}</b> of {len(tagged)} shown</span>\n</div>\n')
    if not tagged:
        w('<p class="none">No passage was tagged.</p>\n')
    for i, p in enumerate(tagged):
        themes_attr = " ".join(t.id for t in p.themes)
        w(f'<article class="passage" id="p-{i}" data-passage-id="{_e(p.passage_id)}" data-themes="{_e(themes_attr)}" '
          f'data-start="{p.start}" data-end="{p.end}">\n<header>')
        w(f'<span class="pages">{_e(_page_label(p))}</span>')
        if p.heading:
            w(f'<span class="heading">{_e(p.heading)}</span>')
        w(f'<span class="offsets">chars {p.start}–{p.end}</span>')
        for t in p.themes:
            w(f'<span class="tag" data-theme="{_e(t.id)}">{_e(t.id)} <b>{t.score:.2f}</b></span>')
        if p.ops:
            links = " ".join(
                f'<a href="#op-{o.op}" title="{_e(", ".join(o.themes))}; link score {o.score:.2f}">OP&nbsp;{o.op}</a>'
                for o in p.ops
            )
            w(f'<span class="ops">{links}</span>')
        w(f'</header>\n<p class="text">{highlight(p)}</p>\n')
        for t in p.themes:
            w(_tag_ops_html(t, tag_ops[i][t.id], summaries, labels))
        w("</article>\n")
    w("</section>\n")
    # JSON for scripts that post-process the page; "</" is escaped so it cannot close the tag.
    data = json.dumps({"doc_id": r.doc_id, "themes": theme_ids, "ops": op_numbers}).replace("</", "<\\/")
    w(f'<script type="application/json" id="tipnlp-data">{data}</script>\n')
    w(f"<script>{_JS}</script>\n</body>\n</html>\n")
    return "".join(out)


__all__ = ["render_html", "highlight"]
