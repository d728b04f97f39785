"""The SQLite job journal: every paid task, recorded the moment the API returns its id.

WAL mode and a busy timeout let several `sora` processes write at once. The file is 0600
in a 0700 directory: prompts can be private.

Any SQLite failure (locked past the busy timeout, disk full, corrupted pages) is a
`JournalError`, one line, exit 2. Once a task exists, though, a write that fails must not
end the run that waits for it (the task is paid for): after `keep_going` a failed write is
kept in memory, retried before each later write and on close, and `get` answers as if it
had been written. Server text stored here (`error`, `url`) is redacted like any output.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from sora_cli import constants
from sora_cli.errors import JournalError
from sora_cli.paths import ensure_private_dir
from sora_cli.safe_text import scrub_secrets

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL DEFAULT 'async',
    profile       TEXT,
    base_url      TEXT,
    model         TEXT,
    prompt        TEXT,
    size          TEXT,
    seconds       TEXT,
    status        TEXT,
    progress      INTEGER,
    error         TEXT,
    url           TEXT,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    expires_at    REAL,
    completed_at  REAL,
    file          TEXT,
    downloaded_at REAL,
    batch_id      TEXT,
    batch_key     TEXT,
    usage         TEXT,
    estimated_usd REAL,
    charge_usd    REAL
);
CREATE TABLE IF NOT EXISTS batches (
    id         TEXT PRIMARY KEY,
    source     TEXT,
    created_at REAL NOT NULL,
    lines      TEXT NOT NULL
);
"""
# Indexes come after `_add_missing_columns`, since an older journal may lack their columns.
INDEXES = """
CREATE INDEX IF NOT EXISTS jobs_created ON jobs (created_at DESC);
CREATE INDEX IF NOT EXISTS jobs_batch ON jobs (batch_id, batch_key);
"""


@dataclass
class JobRecord:
    """One row of the journal."""

    id: str
    kind: str = "async"
    profile: str | None = None
    base_url: str | None = None
    model: str | None = None
    prompt: str | None = None
    size: str | None = None
    seconds: str | None = None
    status: str | None = None
    progress: int | None = None
    error: str | None = None
    url: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    expires_at: float | None = None
    completed_at: float | None = None
    file: str | None = None
    downloaded_at: float | None = None
    batch_id: str | None = None
    batch_key: str | None = None
    usage: str | None = None  # the sync API's final `usage` chunk (Ark: the task's), as JSON
    estimated_usd: float | None = None  # the catalog's price when the task was created
    charge_usd: float | None = None  # what the task's reported token usage works out at
    # The create call's Idempotency-Key, whole: a create sent again after an unanswered one
    # reuses it, so a server that honours the header returns the first task.
    idempotency_key: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A plain dict for `--json` output (`usage` as the object it was)."""
        data = asdict(self)
        if self.usage:
            try:
                data["usage"] = json.loads(self.usage)
            except ValueError:
                data["usage"] = None
        return data


_COLUMNS = tuple(f.name for f in fields(JobRecord))
_REDACTED_FIELDS = ("error", "url")  # server text that may quote a key


def journal_error(path: Path, doing: str, exc: BaseException) -> JournalError:
    """One line for a journal that cannot be used, with what to do about its cause."""
    reason = str(exc) or type(exc).__name__
    lowered = reason.lower()
    if "locked" in lowered or "busy" in lowered:
        hint = "another sora process (or a program reading the file) holds it; try again"
    elif "full" in lowered or "no space" in lowered:
        hint = "free some disk space, then run the command again"
    else:
        hint = "move the file aside (sora starts a new journal), or set SORA_HOME"
    return JournalError(f"cannot {doing} the job journal {path}: {reason}", hint=hint)


@dataclass(frozen=True)
class _Write:
    """One write held back because the journal could not take it (see `keep_going`)."""

    kind: str  # record | update | delete
    job_id: str
    record: JobRecord | None = None
    changes: dict[str, Any] | None = None


class Journal:
    """Open per command; every write is its own short transaction."""

    def __init__(self, path: Path, *, warn: Callable[[str], None] | None = None):
        self.path = path
        self._warn = warn or (lambda message: None)
        self._pending: list[_Write] = []
        self._keep_going_note: str | None = None
        self._warned = False
        try:
            self._open(path)
        except (sqlite3.Error, OSError) as exc:
            raise journal_error(path, "open", exc) from exc

    def _open(self, path: Path) -> None:
        ensure_private_dir(path.parent)
        if not path.exists():
            # Create it 0600 before SQLite does (SQLite would honour the umask).
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self._db = sqlite3.connect(
            path, timeout=constants.JOURNAL_BUSY_TIMEOUT_MS / 1000, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute(f"PRAGMA busy_timeout = {constants.JOURNAL_BUSY_TIMEOUT_MS}")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(SCHEMA)  # IF NOT EXISTS: safe when several processes race
        self._add_missing_columns()
        self._db.executescript(INDEXES)
        for sidecar in ("-wal", "-shm"):
            side = path.with_name(path.name + sidecar)
            if side.exists():
                side.chmod(0o600)

    def _add_missing_columns(self) -> None:
        """A journal made by an older version gains the columns added since (no data lost)."""
        present = {row["name"] for row in self._db.execute("PRAGMA table_info(jobs)")}
        for name in _COLUMNS:
            if name not in present:
                try:
                    self._db.execute(f"ALTER TABLE jobs ADD COLUMN {name}")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):  # another process just added it
                        raise

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise journal_error(self.path, doing, exc) from exc

    @contextmanager
    def _write(self) -> Iterator[None]:
        with self._guard("write"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    with suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    # -- writes that may wait (a paid task's run goes on) --

    def keep_going(self, note: str) -> None:
        """From now on a write that fails is kept and retried instead of raised; `note`
        (how to recover the task without the journal) is added to the warnings."""
        self._keep_going_note = note

    def _apply(self, write: _Write) -> None:
        if self._keep_going_note is None:
            self._run(write)
            return
        self._pending.append(write)
        self.flush()

    def flush(self, *, patient: bool = False) -> bool:
        """Write what is held back, in order; True when nothing is left. After a failure,
        only a short wait for the lock (each poll retries), unless `patient` (the last try)."""
        short = self._warned and not patient
        while self._pending:
            try:
                with self._busy_timeout(constants.JOURNAL_RETRY_BUSY_MS if short else None):
                    self._run(self._pending[0])
            except (JournalError, sqlite3.Error) as exc:
                if isinstance(exc, sqlite3.Error):
                    exc = journal_error(self.path, "write", exc)
                if not self._warned:
                    self._warned = True
                    self._warn(f"{exc.message}; sora goes on and writes it later. {self._note()}")
                return False
            self._pending.pop(0)
        return True

    def _note(self) -> str:
        return self._keep_going_note or ""

    @contextmanager
    def _busy_timeout(self, ms: int | None) -> Iterator[None]:
        if ms is None:
            yield
            return
        self._db.execute(f"PRAGMA busy_timeout = {int(ms)}")
        try:
            yield
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {constants.JOURNAL_BUSY_TIMEOUT_MS}")

    def _run(self, write: _Write) -> None:
        with self._write():
            if write.kind == "record":
                assert write.record is not None
                job = write.record
                placeholders = ", ".join("?" for _ in _COLUMNS)
                self._db.execute(
                    f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                    [getattr(job, c) for c in _COLUMNS],
                )
            elif write.kind == "update":
                changes = write.changes or {}
                assignments = ", ".join(f"{name} = ?" for name in changes)
                self._db.execute(
                    f"UPDATE jobs SET {assignments} WHERE id = ?",
                    [*changes.values(), write.job_id],
                )
            else:
                self._db.execute("DELETE FROM jobs WHERE id = ?", (write.job_id,))

    def _with_pending(self, job_id: str, record: JobRecord | None) -> JobRecord | None:
        """What a row would be once the held-back writes are in."""
        for write in self._pending:
            if write.job_id != job_id:
                continue
            if write.kind == "record":
                record = write.record
            elif write.kind == "update" and record is not None:
                record = replace(record, **(write.changes or {}))
            elif write.kind == "delete":
                record = None
        return record

    def close(self) -> None:
        """Close the connection, after a last try at any held-back write."""
        try:
            if self._pending and not self.flush(patient=True):
                self._warn(
                    f"the job journal {self.path} could not be written; {self._note()}".rstrip()
                )
        finally:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def record(self, job: JobRecord) -> None:
        """Insert a new task (or replace a row with the same id)."""
        now = time.time()
        job.created_at = job.created_at or now
        job.updated_at = now
        for name in _REDACTED_FIELDS:
            value = getattr(job, name)
            if isinstance(value, str):
                setattr(job, name, scrub_secrets(value))
        self._apply(_Write("record", job.id, record=replace(job)))

    def update(self, job_id: str, **changes: Any) -> None:
        """Change some fields of a task; unknown ids are ignored (nothing to lose)."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown journal fields: {sorted(unknown)}")
        if not changes:
            return
        changes["updated_at"] = time.time()
        for name in _REDACTED_FIELDS:
            if isinstance(changes.get(name), str):
                changes[name] = scrub_secrets(changes[name])
        self._apply(_Write("update", job_id, changes=changes))

    def get(self, job_id: str) -> JobRecord | None:
        """The task with this id, if this machine created it."""
        with self._guard("read"):
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return self._with_pending(job_id, _to_record(row) if row else None)

    def delete(self, job_id: str) -> None:
        """Remove a row (a create intent replaced by the real task)."""
        self._apply(_Write("delete", job_id))

    def unanswered_like(self, row: JobRecord, *, intent_before: float) -> JobRecord | None:
        """The newest earlier create of the same request (same server, prompt and shape,
        not in a batch) whose answer never came: `unknown`, or an `intent` left by a
        process killed before `intent_before` (a newer one may still be in flight)."""
        with self._guard("read"):
            found = self._db.execute(
                "SELECT * FROM jobs WHERE id LIKE 'unknown-%' AND batch_id IS NULL "
                "AND idempotency_key IS NOT NULL AND id != ? "
                "AND (kind = 'unknown' OR (kind = 'intent' AND created_at < ?)) "
                "AND base_url IS ? AND profile IS ? AND prompt IS ? AND model IS ? "
                "AND size IS ? AND seconds IS ? ORDER BY created_at DESC LIMIT 1",
                (row.id, intent_before, row.base_url, row.profile, row.prompt, row.model,
                 row.size, row.seconds),
            ).fetchone()
        return _to_record(found) if found else None

    def for_batch(self, batch_id: str) -> list[JobRecord]:
        """Every row of one batch, oldest first."""
        with self._guard("read"):
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE batch_id = ? ORDER BY created_at, rowid", (batch_id,)
            ).fetchall()
        return [_to_record(row) for row in rows]

    def save_batch(self, batch_id: str, source: str, lines_json: str) -> None:
        """Remember a batch's lines so `sora batch --resume ID` works without the file."""
        with self._write():
            self._db.execute(
                "INSERT INTO batches (id, source, created_at, lines) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET source = excluded.source, lines = excluded.lines",
                (batch_id, source, time.time(), lines_json),
            )

    def load_batch(self, batch_id: str) -> tuple[str, str] | None:
        """(source, lines JSON) of a saved batch."""
        with self._guard("read"):
            row = self._db.execute(
                "SELECT source, lines FROM batches WHERE id = ?", (batch_id,)
            ).fetchone()
        return (row["source"], row["lines"]) if row else None

    def list(self, limit: int | None = None) -> list[JobRecord]:
        """Tasks, newest first."""
        sql = "SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC"
        params: tuple[int, ...] = ()
        if limit is not None:
            sql += " LIMIT ?"
            params = (limit,)
        with self._guard("read"):
            rows = self._db.execute(sql, params).fetchall()
        return [_to_record(row) for row in rows]


def _to_record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(**{name: row[name] for name in row.keys()})  # noqa: SIM118
