"""The SQLite job journal: every paid task, recorded the moment the API returns its id.

WAL mode and a busy timeout let several `sora` processes write at once. The file is 0600
in a 0700 directory: prompts can be private.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from sora_cli import constants
from sora_cli.paths import ensure_private_dir

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


class Journal:
    """Open per command; every write is its own short transaction."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self._open(path)
        except (sqlite3.Error, OSError) as exc:
            from sora_cli.errors import UsageError

            raise UsageError(
                f"cannot open the job journal {path}: {exc}",
                hint="move the file aside (sora starts a new journal), or set SORA_HOME",
            ) from exc

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
    def _write(self) -> Iterator[None]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def close(self) -> None:
        """Close the connection."""
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
        placeholders = ", ".join("?" for _ in _COLUMNS)
        with self._write():
            self._db.execute(
                f"INSERT OR REPLACE INTO jobs ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
                [getattr(job, c) for c in _COLUMNS],
            )

    def update(self, job_id: str, **changes: Any) -> None:
        """Change some fields of a task; unknown ids are ignored (nothing to lose)."""
        unknown = set(changes) - set(_COLUMNS)
        if unknown:
            raise ValueError(f"unknown journal fields: {sorted(unknown)}")
        if not changes:
            return
        changes["updated_at"] = time.time()
        assignments = ", ".join(f"{name} = ?" for name in changes)
        with self._write():
            self._db.execute(
                f"UPDATE jobs SET {assignments} WHERE id = ?", [*changes.values(), job_id]
            )

    def get(self, job_id: str) -> JobRecord | None:
        """The task with this id, if this machine created it."""
        row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _to_record(row) if row else None

    def delete(self, job_id: str) -> None:
        """Remove a row (a create intent replaced by the real task)."""
        with self._write():
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def for_batch(self, batch_id: str) -> list[JobRecord]:
        """Every row of one batch, oldest first."""
        rows = self._db.execute(
            "SELECT * FROM jobs WHERE batch_id = ? ORDER BY created_at, rowid", (batch_id,)
        )
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
        return [_to_record(row) for row in self._db.execute(sql, params)]


def _to_record(row: sqlite3.Row) -> JobRecord:
    return JobRecord(**{name: row[name] for name in row.keys()})  # noqa: SIM118
