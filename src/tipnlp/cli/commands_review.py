"""``tipnlp review export|import``: the loop between the model and human reviewers."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from tipnlp.cli.app import app, handles_errors

review_app = typer.Typer(
    help="Send passages to Label Studio, Argilla or Prodigy for review, and read the reviews back as gold.",
    no_args_is_help=True,
)
app.add_typer(review_app, name="review")


class ReviewFormat(str, Enum):
    label_studio = "label-studio"
    argilla = "argilla"
    prodigy = "prodigy"


@review_app.command("export")
@handles_errors
def export_command(
    inputs: List[Path] = typer.Argument(
        ..., metavar="INPUT...",
        help="Documents (tagged now), batch results folders (with passages.jsonl) or passage .jsonl files.",
    ),
    format: ReviewFormat = typer.Option(..., "--format", "-f", help="The annotation tool to write for."),
    out: Path = typer.Option(..., "--out", "-o", help="The review file to write."),
    uncertain: Optional[int] = typer.Option(
        None, "--uncertain", min=1, help="Only the N passages whose scores lie closest to a theme threshold."
    ),
    sample: Optional[int] = typer.Option(None, "--sample", min=1, help="A random sample of N passages (see --seed)."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Model name or directory (default: the shipped default)."),
    seed: int = typer.Option(0, "--seed", help="Seed of --sample."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing review file."),
) -> None:
    """Write passages, with the model's themes pre-selected, as tasks for an annotation tool."""
    from tipnlp.errors import DataError
    from tipnlp.review import read_inputs, select_sample, select_uncertain, write_export
    from tipnlp.tagger import Tagger

    if uncertain is not None and sample is not None:
        raise DataError("--uncertain and --sample exclude each other", hint="Choose one way to pick passages.")
    if out.exists() and not force:
        raise DataError(f"{out} already exists", hint="Choose another --out, or pass --force to overwrite it.")
    tagger = Tagger.load(model)
    items = read_inputs(inputs, tagger)
    if not items:
        raise DataError("the inputs hold no passage to review")
    if uncertain is not None:
        chosen = select_uncertain(items, uncertain)
        how = f"the {len(chosen)} closest to a threshold"
    elif sample is not None:
        chosen = select_sample(items, sample, seed)
        how = f"a random sample of {len(chosen)} (seed {seed})"
    else:
        chosen = items
        how = "all"
    written = write_export(chosen, format.value, out, tagger.themes)
    print(f"wrote {len(chosen)} passages ({how} of {len(items)}) for {format.value}, model {tagger.model_name}: "
          + ", ".join(map(str, written)), file=sys.stderr)


@review_app.command("import")
@handles_errors
def import_command(
    files: List[Path] = typer.Argument(..., metavar="FILE...", help="Review files exported by the tool."),
    format: ReviewFormat = typer.Option(..., "--format", "-f", help="The tool the files come from."),
    out: Path = typer.Option(..., "--out", "-o", metavar="GOLD.jsonl", help="Stand-off gold file to write."),
    annotator: Optional[List[str]] = typer.Option(
        None, "--annotator",
        help="Reviewer name: once for all files, or once per file in order (default: the ids the tool recorded).",
    ),
    append: bool = typer.Option(False, "--append", help="Add to an existing gold file (new passages only)."),
    replace_conflicts: bool = typer.Option(
        False, "--replace-conflicts", help="With --append: let the review replace different labels already in the file."
    ),
    disagreements: Optional[Path] = typer.Option(
        None, "--disagreements", help="Write the passages reviewers disagree on here (JSONL, no text)."
    ),
    report: Optional[Path] = typer.Option(None, "--report", help="Write the agreement figures here (JSON)."),
) -> None:
    """Read reviewed files back as stand-off gold (no text stored) and report agreement."""
    from tipnlp.errors import DataError
    from tipnlp.review import agreement, read_reviews, reviews_to_gold, write_gold
    from tipnlp.review.io import atomic_write
    from tipnlp.taxonomy import load_taxonomy

    if replace_conflicts and not append:
        raise DataError("--replace-conflicts only applies with --append")
    tax = load_taxonomy()
    reviews = read_reviews(files, format.value, annotator, known_themes=tax.theme_ids)
    if not reviews:
        raise DataError(
            "the files hold no submitted review",
            hint="Export the annotations from the tool (cancelled, skipped and rejected tasks are not imported).",
        )
    figures = agreement(reviews, tax.core_theme_ids)
    gold = reviews_to_gold(reviews, tax.theme_ids)
    summary = write_gold(gold.records, out, append=append, replace_conflicts=replace_conflicts)
    _print_agreement(figures)
    if gold.disagreements:
        print(f"{len(gold.disagreements)} passage(s) held out: the reviewers disagree (adjudicate, then import again):",
              file=sys.stderr)
        for d in gold.disagreements[:20]:
            views = "; ".join(f"{who}: {' | '.join(','.join(s) or '(none)' for s in sets)}"
                              for who, sets in d.labels_by_reviewer.items())
            print(f"  {d.doc_id}:{d.start}-{d.end}  {views}", file=sys.stderr)
        if disagreements is not None:
            atomic_write(disagreements, "".join(json.dumps(d.to_dict(), ensure_ascii=False) + "\n" for d in gold.disagreements))
    if report is not None:
        atomic_write(report, json.dumps(figures.to_dict(), indent=2) + "\n")
    print(f"{out}: {summary.added} added, {summary.unchanged} unchanged, {summary.replaced} replaced "
          f"({summary.total} records) from {len(reviews)} reviews", file=sys.stderr)


def _print_agreement(figures) -> None:
    from rich.table import Table

    from tipnlp._console import console as make_console

    def f(x: float | None, pct: bool = False) -> str:
        if x is None:
            return "n/a"
        return f"{100 * x:.0f}%" if pct else f"{x:.2f}"

    console = make_console(file=sys.stdout)
    console.print(f"{figures.n_reviews} reviews of {figures.n_passages} passages by {len(figures.reviewers)} "
                  f"reviewer(s); exact match with the model {f(figures.exact_vs_model, True)}, "
                  f"between reviewers {f(figures.exact_between_reviewers, True)} ({figures.n_pairs} pairs)")
    table = Table(title="Agreement per theme (Cohen's kappa, % agreement)", title_justify="left")
    for col in ("theme", "vs model κ", "vs model %", "n", "between reviewers κ", "between %", "pairs"):
        table.add_column(col, justify="left" if col == "theme" else "right")
    for m, b in zip(figures.vs_model, figures.between_reviewers):
        table.add_row(m.theme, f(m.kappa), f(m.agreement, True), str(m.n), f(b.kappa), f(b.agreement, True), str(b.n))
    console.print(table)
