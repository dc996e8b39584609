"""Review files in and out: Label Studio, Argilla and Prodigy.

Export writes one task per passage with the model's themes pre-selected, so a reviewer only
corrects them. Every task carries the passage's place (doc_id, start, end, passage_id), the sha1 of
its text and the model's own labels, which is all that import needs to write stand-off gold and to
measure agreement with the model.

- **Label Studio**: a JSON list of tasks for *Import* (``data`` + ``predictions``), and the
  matching labeling config (``<out>.label_config.xml``, a multi-choice ``Choices`` named ``themes``).
  Import reads Label Studio's JSON export (tasks with ``annotations``; cancelled ones are skipped).
- **Argilla** (2.x): a JSON list of records in ``rg.Record.to_dict()`` form (``fields``,
  ``metadata``, ``suggestions`` for the multi-label question ``themes``), which
  ``rg.Record.from_dict`` loads; a settings sketch goes to ``<out>.settings.json``. Import reads
  the same form with ``responses`` (``{"themes": [{"value": [...], "user_id": ...}]}``); responses
  with a status other than ``submitted`` are skipped.
- **Prodigy**: JSONL tasks for the ``choice`` interface (``text``, ``options``, ``accept``,
  ``meta``); run with ``"choice_style": "multiple"``. Import reads Prodigy's ``db-out`` JSONL:
  ``answer == "accept"`` keeps the ``accept`` list; ``reject`` and ``ignore`` are skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from xml.sax.saxutils import quoteattr

from tipnlp.errors import DataError, InputNotFound
from tipnlp.review.items import ReviewItem

FORMATS = ("label-studio", "argilla", "prodigy")
QUESTION = "themes"  # the name of the multi-label question / choices control in every tool


@dataclass(frozen=True)
class Review:
    """One reviewer's labels for one passage, read back from a review file (no text kept)."""

    doc_id: str
    start: int
    end: int
    sha1: str
    labels: tuple[str, ...]
    reviewer: str
    model_labels: tuple[str, ...] | None = None
    source: str = ""

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.doc_id, self.start, self.end)


def _meta(item: ReviewItem) -> dict[str, Any]:
    return {
        "doc_id": item.doc_id, "start": item.start, "end": item.end, "passage_id": item.passage_id,
        "sha1": item.sha1, "heading": item.heading, "page": item.page, "model": item.model,
        "model_labels": item.labels, "margin": round(item.margin, 4),
    }


def _theme_hints(themes: Sequence[str]) -> dict[str, str]:
    from tipnlp.taxonomy import load_taxonomy

    tax = load_taxonomy()
    return {t: (tax.theme(t).label if t in tax else t) for t in themes}


# -- export ---------------------------------------------------------------------------------------
def label_studio_tasks(items: Sequence[ReviewItem]) -> list[dict[str, Any]]:
    tasks = []
    for item in items:
        data = dict(_meta(item), text=item.text)
        data["page"] = item.page if item.page is not None else ""
        result = (
            [{"from_name": QUESTION, "to_name": "text", "type": "choices", "value": {"choices": item.labels}}]
            if item.labels else []
        )
        tasks.append({
            "data": data,
            "predictions": [{"model_version": item.model, "score": round(item.margin, 4), "result": result}],
        })
    return tasks


def label_studio_config(themes: Sequence[str]) -> str:
    """The labeling config that matches the tasks: the passage text and a multi-choice of themes."""
    hints = _theme_hints(themes)
    choices = "\n".join(
        f"    <Choice value={quoteattr(t)} hint={quoteattr(hints[t])}/>" for t in themes
    )
    return (
        "<View>\n"
        '  <Header value="$doc_id, characters $start-$end ($heading)"/>\n'
        '  <Text name="text" value="$text"/>\n'
        '  <Header value="Themes of resolution 71/167 (none is a valid answer)"/>\n'
        f'  <Choices name="{QUESTION}" toName="text" choice="multiple" showInline="false">\n'
        f"{choices}\n"
        "  </Choices>\n"
        "</View>\n"
    )


def argilla_records(items: Sequence[ReviewItem]) -> list[dict[str, Any]]:
    records = []
    for item in items:
        meta = _meta(item)
        meta["model_labels"] = ",".join(item.labels)  # Argilla metadata holds scalars or lists of str
        meta["page"] = item.page if item.page is not None else -1
        records.append({
            "id": item.passage_id,
            "fields": {"text": item.text},
            "metadata": meta,
            "suggestions": {
                QUESTION: {
                    "value": item.labels,
                    "score": [item.scores[t] for t in item.labels],
                    "agent": item.model,
                }
            } if item.labels else {},
            "responses": {},
            "vectors": {},
        })
    return records


def argilla_settings(themes: Sequence[str]) -> dict[str, Any]:
    """What the Argilla dataset needs; build it with ``rg.Settings(...)`` (see docs/api.md)."""
    hints = _theme_hints(themes)
    return {
        "fields": [{"name": "text", "type": "text", "title": "Passage"}],
        "questions": [{
            "name": QUESTION, "type": "multi_label_selection", "required": False,
            "title": "Themes of resolution 71/167 (none is a valid answer)",
            "labels": {t: hints[t] for t in themes},
        }],
        "metadata": [
            {"name": "doc_id", "type": "terms"}, {"name": "start", "type": "integer"},
            {"name": "end", "type": "integer"}, {"name": "margin", "type": "float"},
        ],
        "allow_extra_metadata": True,
    }


def prodigy_tasks(items: Sequence[ReviewItem], themes: Sequence[str]) -> list[dict[str, Any]]:
    hints = _theme_hints(themes)
    options = [{"id": t, "text": hints[t]} for t in themes]
    return [
        {"text": item.text, "options": options, "accept": item.labels, "meta": _meta(item)}
        for item in items
    ]


def write_export(items: Sequence[ReviewItem], fmt: str, out: Path, themes: Sequence[str]) -> list[Path]:
    """Write the review file (and its companion config); return the paths written."""
    from tipnlp.review.files import atomic_write

    if fmt == "label-studio":
        config = out.with_name(out.stem + ".label_config.xml")
        atomic_write(out, json.dumps(label_studio_tasks(items), ensure_ascii=False, indent=1) + "\n")
        atomic_write(config, label_studio_config(themes))
        return [out, config]
    if fmt == "argilla":
        settings = out.with_name(out.stem + ".settings.json")
        atomic_write(out, json.dumps(argilla_records(items), ensure_ascii=False, indent=1) + "\n")
        atomic_write(settings, json.dumps(argilla_settings(themes), ensure_ascii=False, indent=1) + "\n")
        return [out, settings]
    if fmt == "prodigy":
        atomic_write(out, "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in prodigy_tasks(items, themes)))
        return [out]
    raise DataError(f"unknown review format {fmt!r}; use one of {', '.join(FORMATS)}")


# -- import ---------------------------------------------------------------------------------------
def _load_json_or_jsonl(path: Path) -> list[Any]:
    if not path.is_file():
        raise InputNotFound(f"{path}: no such file")
    text = path.read_text(encoding="utf-8")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise DataError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
        return data
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise DataError(f"{path}:{n}: not valid JSON ({err.msg})") from None
    return rows


def _place(meta: dict[str, Any], where: str) -> tuple[str, int, int, str]:
    try:
        return str(meta["doc_id"]), int(meta["start"]), int(meta["end"]), str(meta["sha1"])
    except (KeyError, TypeError, ValueError):
        raise DataError(
            f"{where}: the task lacks doc_id/start/end/sha1",
            hint="Import only files made from `tipnlp review export` tasks (their data/metadata/meta keep these keys).",
        ) from None


def _check_text(text: Any, sha1: str, where: str) -> None:
    from tipnlp.gold import text_sha1

    if isinstance(text, str) and text_sha1(text) != sha1:
        raise DataError(
            f"{where}: the passage text no longer matches its sha1 (was the text edited in the tool?)",
            hint="Reviewers change labels, never the text; re-export the passage.",
        )


def _labels(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(f"{where}: labels must be a list of theme ids, not {value!r}")
    return tuple(dict.fromkeys(value))


def _model_labels(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return tuple(v for v in value.split(",") if v)
    return tuple(value)


def read_label_studio(path: Path) -> list[Review]:
    tasks = _load_json_or_jsonl(path)
    if not isinstance(tasks, list):
        raise DataError(f"{path}: a Label Studio export is a JSON list of tasks")
    out = []
    for i, task in enumerate(tasks):
        where = f"{path}: task #{i + 1}"
        if not isinstance(task, dict) or "data" not in task:
            raise DataError(f"{where}: not a Label Studio task (no `data`)")
        data = task["data"]
        doc_id, start, end, sha1 = _place(data, where)
        _check_text(data.get("text"), sha1, where)
        model_labels = _model_labels(data.get("model_labels"))
        for ann in task.get("annotations") or []:
            if not isinstance(ann, dict) or ann.get("was_cancelled"):
                continue
            who = ann.get("completed_by")
            if isinstance(who, dict):
                who = who.get("email") or who.get("id")
            labels: tuple[str, ...] = ()
            for res in ann.get("result") or []:
                if res.get("from_name") == QUESTION and res.get("type") == "choices":
                    labels += _labels((res.get("value") or {}).get("choices"), where)
            out.append(Review(doc_id, start, end, sha1, tuple(dict.fromkeys(labels)),
                              f"label-studio:{who}" if who is not None else "", model_labels, str(path)))
    return out


def read_argilla(path: Path) -> list[Review]:
    records = _load_json_or_jsonl(path)
    if not isinstance(records, list):
        raise DataError(f"{path}: an Argilla export is a JSON list of records")
    out = []
    for i, rec in enumerate(records):
        where = f"{path}: record #{i + 1}"
        if not isinstance(rec, dict) or "fields" not in rec:
            raise DataError(f"{where}: not an Argilla record (no `fields`)")
        meta = rec.get("metadata") or {}
        doc_id, start, end, sha1 = _place(meta, where)
        _check_text((rec.get("fields") or {}).get("text"), sha1, where)
        model_labels = _model_labels(meta.get("model_labels"))
        for resp in (rec.get("responses") or {}).get(QUESTION, []):
            if resp.get("status", "submitted") != "submitted":
                continue
            who = resp.get("user_id")
            out.append(Review(doc_id, start, end, sha1, _labels(resp.get("value"), where),
                              f"argilla:{who}" if who else "", model_labels, str(path)))
    return out


def read_prodigy(path: Path) -> list[Review]:
    rows = _load_json_or_jsonl(path)
    out = []
    for i, row in enumerate(rows):
        where = f"{path}: line {i + 1}"
        if not isinstance(row, dict) or "meta" not in row:
            raise DataError(f"{where}: not a tipnlp Prodigy task (no `meta`)")
        doc_id, start, end, sha1 = _place(row["meta"], where)
        _check_text(row.get("text"), sha1, where)
        if row.get("answer") != "accept":  # reject / ignore / not yet answered
            continue
        who = row.get("_annotator_id") or row.get("_session_id")
        out.append(Review(doc_id, start, end, sha1, _labels(row.get("accept"), where),
                          f"prodigy:{who}" if who else "", _model_labels(row["meta"].get("model_labels")), str(path)))
    return out


READERS: dict[str, Callable[[Path], list[Review]]] = {
    "label-studio": read_label_studio,
    "argilla": read_argilla,
    "prodigy": read_prodigy,
}


def read_reviews(
    paths: Iterable[str | Path], fmt: str, annotators: Sequence[str] | None = None, known_themes: Iterable[str] | None = None
) -> list[Review]:
    """Reviews from every file; ``annotators`` names the reviewer(s): one name for all files, or one per file.

    Without a name, the reviewer id the tool recorded is used (``label-studio:<user>``,
    ``argilla:<user id>``, ``prodigy:<session>``), else ``reviewer``. Labels must be known theme ids.
    """
    import dataclasses

    if fmt not in READERS:
        raise DataError(f"unknown review format {fmt!r}; use one of {', '.join(FORMATS)}")
    paths = [Path(p) for p in paths]
    names = list(annotators or [])
    if len(names) not in (0, 1, len(paths)):
        raise DataError(
            f"{len(names)} --annotator names for {len(paths)} files",
            hint="Give one --annotator for all files, or one per file in the same order.",
        )
    known = set(known_themes) if known_themes is not None else None
    reviews = []
    for i, path in enumerate(paths):
        name = names[0] if len(names) == 1 else (names[i] if names else None)
        for rev in READERS[fmt](path):
            if known is not None:
                unknown = sorted(set(rev.labels) - known)
                if unknown:
                    raise DataError(
                        f"{path}: passage {rev.doc_id}:{rev.start}-{rev.end} has unknown theme(s) {', '.join(unknown)}",
                        hint="Labels must be theme ids of the taxonomy (`tipnlp themes`).",
                    )
            reviewer = name or rev.reviewer or "reviewer"
            reviews.append(dataclasses.replace(rev, reviewer=reviewer))
    return reviews
