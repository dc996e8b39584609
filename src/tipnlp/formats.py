"""Writers for tagged documents: table (terminal), json, jsonl, csv, markdown, html.

The JSON field names are those of ``tipnlp.records`` (documented by ``schemas/output.schema.json``);
``jsonl`` writes one passage record per line and the document record last. The flat formats show
each theme tag's OPs with the primary one marked (``35*;36``, see ``tipnlp.op_output``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
from typing import Iterable, Sequence, TextIO

from tipnlp.op_output import ops_label
from tipnlp.records import OpLink, PassagePrediction, TaggedDocument, ThemeScore
from tipnlp.report import excerpt

FORMATS = ("table", "json", "jsonl", "csv", "markdown", "html")

CSV_FIELDS = [
    "doc_id", "passage_id", "page", "page_end", "start", "end", "heading", "theme", "score", "ops",
    "primary_op", "evidence", "text",
]


def filter_predictions(
    predictions: Iterable[PassagePrediction], min_score: float | None = None, themes: Sequence[str] | None = None
) -> list[PassagePrediction]:
    """Keep only themes at or above ``min_score`` and in ``themes``; OP links follow their themes."""
    wanted = set(themes or [])
    out = []
    for pred in predictions:
        kept = tuple(
            t for t in pred.themes if (min_score is None or t.score >= min_score) and (not wanted or t.id in wanted)
        )
        kept_ids = {t.id for t in kept}
        ops = tuple(o for o in pred.ops if set(o.themes) & kept_ids)
        out.append(dataclasses.replace(pred, themes=kept, ops=ops))
    return out


def write(result: TaggedDocument, fmt: str, out: TextIO, all_passages: bool = False) -> None:
    if fmt == "json":
        json.dump(result.to_dict(all_passages=all_passages), out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "jsonl":
        write_jsonl(result, out, all_passages)
    elif fmt == "csv":
        write_csv(result.passages if all_passages else result.tagged, out)
    elif fmt == "markdown":
        out.write(to_markdown(result))
    elif fmt == "html":
        from tipnlp.html_report import render_html

        out.write(render_html(result))
    elif fmt == "table":
        print_table(result, out)
    else:  # pragma: no cover - the CLI validates the choice
        raise ValueError(fmt)


def write_jsonl(result: TaggedDocument, out: TextIO, all_passages: bool = False) -> None:
    for pred in result.passages if all_passages else result.tagged:
        out.write(json.dumps(pred.to_dict(), ensure_ascii=False) + "\n")
    out.write(json.dumps(result.report.to_dict(), ensure_ascii=False) + "\n")


def csv_rows(predictions: Iterable[PassagePrediction]) -> Iterable[dict]:
    """One row per (passage, theme); untagged passages give one row with an empty theme."""
    for p in predictions:
        base = {
            "doc_id": p.doc_id, "passage_id": p.passage_id, "page": p.page, "page_end": p.page_end,
            "start": p.start, "end": p.end, "heading": p.heading, "text": " ".join(p.text.split()),
        }
        if not p.themes:
            yield dict(base, theme="", score="", ops="", primary_op="", evidence="")
        for t in p.themes:
            links = p.theme_ops(t)
            yield dict(
                base,
                theme=t.id,
                score=round(t.score, 4),
                ops=_label(links),
                primary_op=links[0].op if links else "",
                evidence=" | ".join(e.text for e in t.evidence),
            )


def _label(links: Sequence[OpLink], sep: str = ";") -> str:
    return ops_label([{"op": o.op, "primary": o.primary} for o in links], sep)


def _theme_ops(p: PassagePrediction, theme: ThemeScore, sep: str) -> str:
    return _label(p.theme_ops(theme), sep)


def write_csv(predictions: Iterable[PassagePrediction], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_rows(predictions))


def _page_label(p: PassagePrediction) -> str:
    if p.page is None:
        return "-"
    return str(p.page) if p.page_end in (None, p.page) else f"{p.page}-{p.page_end}"


def to_markdown(result: TaggedDocument) -> str:
    r = result.report
    buf = io.StringIO()
    buf.write(f"# tipnlp: {r.doc_id}\n\n")
    buf.write(f"- source: `{r.source}`\n- pages: {r.pages}\n- passages: {r.n_passages}\n- model: {r.model}\n")
    buf.write(f"- operative paragraphs covered: {', '.join(map(str, r.ops_covered)) or 'none'}\n")
    buf.write(f"- primary operative paragraphs: {', '.join(map(str, r.primary_ops)) or 'none'}\n\n")
    buf.write("| theme | passages | max score | evidence |\n|---|---:|---:|---:|\n")
    for t in r.themes:
        buf.write(f"| {t.id} | {t.passages} | {t.max_score:.2f} | {t.evidence_score:.2f} |\n")
    for t in r.themes:
        buf.write(f"\n## {t.id}\n\n| page | heading | score | OPs (* primary) | excerpt |\n|---|---|---:|---|---|\n")
        for p in result.tagged:
            score = next((s for s in p.themes if s.id == t.id), None)
            if score is None:
                continue
            ops = _theme_ops(p, score, ", ")
            cells = [_page_label(p), p.heading, f"{score.score:.2f}", ops, excerpt(p.text, 200)]
            buf.write("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n")
    if not r.themes:
        buf.write("\nNo theme was found in this document.\n")
    return buf.getvalue()


def print_table(result: TaggedDocument, out: TextIO) -> None:
    """Passages grouped by theme with page numbers and a short excerpt (rich table)."""
    from rich.console import Console
    from rich.table import Table

    from tipnlp._console import console as make_console

    console = make_console(file=out, width=max(100, Console().width), soft_wrap=False)
    r = result.report
    console.print(
        f"[bold]{r.doc_id}[/bold]  {r.pages} page(s), {r.n_passages} passages, model {r.model}; "
        f"OPs covered: {', '.join(map(str, r.ops_covered)) or 'none'}; "
        f"primary: {', '.join(map(str, r.primary_ops)) or 'none'} (* marks a theme's primary OP)"
    )
    if not r.themes:
        console.print("No theme found.")
        return
    for t in r.themes:
        table = Table(title=f"{t.id}: {t.passages} passage(s)", title_justify="left", show_lines=False)
        table.add_column("page", justify="right", no_wrap=True)
        table.add_column("score", justify="right", no_wrap=True)
        table.add_column("OPs", no_wrap=True)
        table.add_column("heading", max_width=30, overflow="ellipsis")
        table.add_column("excerpt", overflow="fold")
        for p in result.tagged:
            score = next((s for s in p.themes if s.id == t.id), None)
            if score is None:
                continue
            ops = _theme_ops(p, score, ",")
            table.add_row(_page_label(p), f"{score.score:.2f}", ops, p.heading, excerpt(p.text, 140))
        console.print(table)
