"""The crash-safe result writer of a batch run, and the recovery that makes ``--resume`` exact.

Layout of a results folder::

    passages.jsonl    one passage record per line, in blocks: a document's passages, then the next's
    documents.jsonl   one document record per line, written after its passage block
    batch.json        the run's settings (model, --all-passages), checked on --resume; the number of
                      inputs and the command, so a report can tell an unfinished folder

For each document the writer appends its passage block, flushes and fsyncs, then appends its document
line and fsyncs again (documents that finish together share the two fsyncs, blocks and lines in the
same order). So a document is done exactly when its document line is complete, and the
passage lines of done documents are always the first ``sum(passages_written)`` lines of
``passages.jsonl``. Recovery after a crash keeps the complete, valid document lines, then cuts
``passages.jsonl`` after the lines those documents account for: a trailing partial line and the
passages of an unfinished document go, nothing of a finished one does.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from tipnlp.batch.worker import DocResult
from tipnlp.errors import DataError, InputUnreadable

PASSAGES_FILE = "passages.jsonl"
DOCUMENTS_FILE = "documents.jsonl"
SETTINGS_FILE = "batch.json"
LOCK_FILE = ".batch.lock"
EXPORT_FILES = ("passages.parquet", "documents.parquet", "passages.csv", "documents.csv", "summary.json")


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _complete_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """``(end offset, line)`` of each newline-terminated line; a trailing partial line is not yielded."""
    offset = 0
    with open(path, "rb") as fh:
        for line in fh:
            if not line.endswith(b"\n"):
                return
            offset += len(line)
            yield offset, line


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The valid records of a results JSONL file, stopping at the first partial or broken line."""
    if not path.exists():
        return
    for _, line in _complete_lines(path):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return
        if not isinstance(row, dict):
            return
        yield row


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one step (temp file, fsync, rename)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


@dataclass(slots=True)
class Recovered:
    """What a results folder already holds: complete document records, and what recovery dropped."""

    documents: list[dict[str, Any]]
    dropped_documents: int = 0
    dropped_passages: int = 0
    retried: int = 0


def recover(out_dir: Path, retry_failed: bool = False) -> Recovered:
    """Make ``out_dir`` consistent after an interrupted run (see the module docstring).

    ``retry_failed`` also removes the records of failed documents so they are tagged again.
    """
    docs_path, pass_path = out_dir / DOCUMENTS_FILE, out_dir / PASSAGES_FILE
    documents: list[dict[str, Any]] = []
    keep_docs = 0
    if docs_path.exists():
        for end, line in _complete_lines(docs_path):
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError):
                break
            if not isinstance(row, dict) or row.get("record") != "document" or "passages_written" not in row:
                break
            documents.append(row)
            keep_docs = end
    owners = _block_owners(documents)
    keep_passages = 0
    seen = 0
    if pass_path.exists() and owners:
        for end, line in _complete_lines(pass_path):
            try:
                doc_id = json.loads(line).get("doc_id")
            except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
                doc_id = None
            if doc_id != owners[seen]:
                raise DataError(
                    f"{pass_path}: line {seen + 1} belongs to {doc_id!r}, expected a passage of {owners[seen]!r}",
                    hint="The results were edited or mixed up; start again with --overwrite or a new --out.",
                )
            seen += 1
            keep_passages = end
            if seen == len(owners):
                break
    if seen < len(owners):
        raise DataError(
            f"{pass_path}: holds {seen} complete passage lines, the document records account for {len(owners)}",
            hint="The passages file was truncated or removed; start again with --overwrite or a new --out.",
        )
    dropped_documents = _lines_after(docs_path, keep_docs)
    dropped_passages = _lines_after(pass_path, keep_passages)
    if dropped_documents:
        _truncate(docs_path, keep_docs)
    if dropped_passages:
        _truncate(pass_path, keep_passages)
    retried = 0
    if retry_failed and any(d.get("error") for d in documents):
        kept = [d for d in documents if not d.get("error")]
        retried = len(documents) - len(kept)
        write_atomic(docs_path, "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in kept))
        documents = kept
    return Recovered(documents, dropped_documents, dropped_passages, retried)


def _lines_after(path: Path, offset: int) -> int:
    """Lines (a partial last one included) after byte ``offset``: what recovery cuts off."""
    if not path.exists():
        return 0
    count, last = 0, b""
    with open(path, "rb") as fh:
        fh.seek(offset)
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk
    return count + (1 if last and not last.endswith(b"\n") else 0)


def _block_owners(documents: list[dict[str, Any]]) -> list[str]:
    owners: list[str] = []
    for d in documents:
        owners.extend([d.get("doc_id")] * int(d.get("passages_written") or 0))
    return owners


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as fh:
        fh.truncate(size)
        fh.flush()
        os.fsync(fh.fileno())


class ResultWriter:
    """Append each finished document to the results folder so that a crash never leaves it inconsistent.

    ``prepare`` locks the folder and makes it ready; ``with writer:`` opens the files for ``write``
    (from one thread); ``close`` releases the lock.
    """

    def __init__(self, out_dir: str | os.PathLike[str]):
        self.out_dir = Path(out_dir)
        self.documents_path = self.out_dir / DOCUMENTS_FILE
        self.passages_path = self.out_dir / PASSAGES_FILE
        self._docs = None
        self._passages = None
        self._lock = None
        self.written = 0

    def has_results(self) -> bool:
        return any(p.exists() and p.stat().st_size > 0 for p in (self.documents_path, self.passages_path))

    def prepare(self, resume: bool, overwrite: bool, settings: dict[str, Any], retry_failed: bool = False) -> Recovered:
        """Create or check the folder; on ``resume`` recover it and return the documents already done."""
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputUnreadable(f"cannot create {self.out_dir}: {err.strerror}",
                                  hint="Choose a writable --out folder.") from None
        self._acquire_lock()
        settings_path = self.out_dir / SETTINGS_FILE
        if resume and self.has_results():
            stored = read_settings(settings_path)
            for key in ("model", "all_passages"):
                if key in stored and stored[key] != settings.get(key):
                    raise DataError(
                        f"{self.out_dir} was written with {key}={stored[key]!r}, this run asks for {settings.get(key)!r}",
                        hint="Resume with the same --model and --all-passages, or write to a new --out folder.",
                    )
            recovered = recover(self.out_dir, retry_failed=retry_failed)
        else:
            if self.has_results() and not overwrite:
                raise DataError(
                    f"{self.out_dir} already holds batch results",
                    hint="Pass --resume to finish that run, --overwrite to start again, or choose another --out.",
                )
            for name in (DOCUMENTS_FILE, PASSAGES_FILE, *EXPORT_FILES):
                (self.out_dir / name).unlink(missing_ok=True)
            recovered = Recovered([])
        write_atomic(settings_path, json.dumps(settings, indent=2, sort_keys=True) + "\n")
        return recovered

    def __enter__(self) -> "ResultWriter":
        self._passages = open(self.passages_path, "ab")
        self._docs = open(self.documents_path, "ab")
        _fsync_dir(self.out_dir)
        return self

    def __exit__(self, *exc: Any) -> None:
        for fh in (self._passages, self._docs):
            if fh is not None and not fh.closed:
                fh.close()

    def close(self) -> None:
        """Close the files, release the folder's lock and remove the lock file (whatever ended the run)."""
        self.__exit__(None, None, None)
        if self._lock is not None and not self._lock.closed:
            (self.out_dir / LOCK_FILE).unlink(missing_ok=True)  # while still held: no one else owns it
            self._lock.close()  # closing the lock file releases the lock
        self._lock = None

    def _acquire_lock(self) -> None:
        """Refuse a second run writing to the same folder (the kernel drops the lock if this one dies)."""
        if self._lock is not None:
            return
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        path = self.out_dir / LOCK_FILE
        for _ in range(10):
            fh = open(path, "a+b")
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                fh.close()
                raise DataError(
                    f"another tipnlp batch run is writing to {self.out_dir}",
                    hint="Wait for it to finish, or choose another --out folder.",
                ) from None
            try:  # the run before us may have removed the file between our open and our lock
                same = os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock = fh
                return
            fh.close()
        raise DataError(f"cannot lock {path}", hint="Another process keeps replacing it; choose another --out folder.")

    def write(self, result: DocResult) -> None:
        """Append one document: its passage block (fsync), then its document line (fsync): it is now done."""
        self.write_many([result])

    def write_many(self, results: list[DocResult]) -> None:
        """Append several documents with one pair of fsyncs: every passage block, then every document line.

        The passage blocks and document lines keep the same order, so recovery still finds the passages
        of the complete document lines at the head of ``passages.jsonl``.
        """
        assert self._docs is not None and self._passages is not None, "use ResultWriter as a context manager"
        if not results:
            return
        passages = "".join(line for r in results for line in r.passage_lines)
        if passages:
            self._passages.write(passages.encode("utf-8"))
            self._passages.flush()
            os.fsync(self._passages.fileno())
        lines = []
        for r in results:
            record = dict(r.document)
            record["passages_written"] = len(r.passage_lines)
            lines.append(json.dumps(record, ensure_ascii=False) + "\n")
        self._docs.write("".join(lines).encode("utf-8"))
        self._docs.flush()
        os.fsync(self._docs.fileno())
        self.written += len(results)


def read_settings(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}
