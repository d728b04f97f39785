"""The documented `--json` output of each command, as data: one source for two readers.

scripts/gen_reference.py renders the JSON output reference (docs/json.md) from it, and
tests/test_json_output.py checks every command's real output against it, so the docs cannot
drift from what scripts actually receive. Adding a command's JSON output means adding one
`Document` here.
"""

from __future__ import annotations

from dataclasses import dataclass

ALWAYS = "always"


@dataclass(frozen=True)
class Field:
    """One member of a JSON object."""

    name: str
    types: tuple[str, ...]  # JSON types: string, integer, number, boolean, object, null
    meaning: str
    present: str = ALWAYS  # when the member is there: ALWAYS, or the condition in words


@dataclass(frozen=True)
class Document:
    """What one or more commands print with `--json`."""

    key: str
    title: str
    commands: tuple[str, ...]
    shape: str  # how the objects below are arranged on stdout
    about: str
    fields: tuple[Field, ...]
    # False: exactly these members. True: the API's own object, which may carry more.
    open_ended: bool = False

    def names(self) -> list[str]:
        """The documented member names, in order."""
        return [f.name for f in self.fields]


_S, _I, _N, _O, _NULL = "string", "integer", "number", "object", "null"
_A = "array"
_BOOL = "boolean"

JOB_RECORD = Document(
    key="record",
    title="The job record",
    commands=(
        "sora generate --json",
        "sora generate --no-wait --json",
        "sora generate --no-download --json",
        "sora download --json",
        "sora stream --json",
        "sora status --json (a `sora stream` run)",
    ),
    shape="one object",
    about=(
        "The task's row in the local journal, after the command's last update: every "
        "member is always present, null when unknown. Times are Unix seconds (fractions "
        "allowed). A run that fails once its task exists (or may exist) prints it too (exit "
        "5, 6, 7, 8 or 130): `status` and `error` say how far it got, the exit code what "
        "went wrong; without --json, stdout then carries the task id."
    ),
    fields=(
        Field("id", (_S,), "Task id from the API (`unknown-…` after an ambiguous create)."),
        Field(
            "kind",
            (_S,),
            "`async` (`sora generate`, `sora batch`), `stream` (`sora stream`), `intent` (a "
            "create call in flight, or cut off before its answer), `unknown` (a create that "
            "failed ambiguously: a task may exist; its id is `unknown-…` unless the answer "
            "named one).",
        ),
        Field("profile", (_S, _NULL), "API profile the task was created under."),
        Field("base_url", (_S, _NULL), "API base URL the task belongs to."),
        Field("model", (_S, _NULL), "Model, e.g. `sora-2`."),
        Field("prompt", (_S, _NULL), "The prompt as sent."),
        Field("size", (_S, _NULL), "`WIDTHxHEIGHT`, e.g. `1280x720`."),
        Field("seconds", (_S, _NULL), 'Duration as the API spells it, e.g. `"10"`.'),
        Field("status", (_S, _NULL), "Last status the API reported, e.g. `completed`."),
        Field("progress", (_I, _NULL), "Last progress, 0-100."),
        Field("error", (_S, _NULL), "Why the task failed (code: message)."),
        Field("url", (_S, _NULL), "Video link or path from the API (expires with the task)."),
        Field("created_at", (_N,), "When this machine recorded the task."),
        Field("updated_at", (_N,), "Last change to this record."),
        Field(
            "expires_at",
            (_N, _NULL),
            "When the API deletes the task and video (24 h for Sora 2, 7 days for Muse).",
        ),
        Field("completed_at", (_N, _NULL), "When the API finished the video."),
        Field("file", (_S, _NULL), "Absolute path of the downloaded MP4 (null after `-o -`)."),
        Field("downloaded_at", (_N, _NULL), "When the download (or the `-o -` copy) completed."),
        Field("batch_id", (_S, _NULL), "The `sora batch` run that created it."),
        Field("batch_key", (_S, _NULL), "Its line's key within that batch."),
        Field(
            "usage",
            (_O, _NULL),
            "`sora stream`: the sync API's final token usage "
            "(`prompt_tokens`, `completion_tokens`, `total_tokens`); a token-billed task "
            "(seedance): the `usage` its status reported (`completion_tokens`, "
            "`total_tokens`).",
        ),
        Field(
            "estimated_usd",
            (_N, _NULL),
            "The catalog's price of the video when the task was created (null: unknown); "
            "the seedance profile's prices are estimates.",
        ),
        Field(
            "charge_usd",
            (_N, _NULL),
            "Token-billed tasks: the reported `usage.total_tokens` at the model's token rate "
            "(null until reported, or when the rate is unknown).",
        ),
        Field(
            "idempotency_key",
            (_S, _NULL),
            "The create call's `Idempotency-Key` (sent again, unchanged, when a create "
            "whose answer never came is repeated).",
        ),
    ),
)

JOB_LIST = Document(
    key="list",
    title="The journal",
    commands=("sora list --json", "sora list --refresh --json"),
    shape="an array of job records, newest first (`[]` when there are none)",
    about="One record per task this machine created, at most `--limit` (default 50) of them.",
    fields=JOB_RECORD.fields,
)

TASK_OBJECT = Document(
    key="task",
    title="The API's task object",
    commands=("sora status --json", "sora status --watch --json"),
    shape="one object",
    about=(
        "Exactly what `GET /v1/videos/{id}` answered (after `--watch`: its last answer); "
        "nothing is added. Which members appear depends on the provider: the laozhang "
        "profile sends the short form, the openai profile every member (null when unset). "
        "Other providers may add members of their own. A `sora stream` run has no status "
        "endpoint: for one, `sora status --json` prints its job record instead."
    ),
    open_ended=True,
    fields=(
        Field("id", (_S,), "Task id."),
        Field("object", (_S,), "Always `video`."),
        Field("model", (_S,), "Model, e.g. `sora-2`."),
        Field(
            "status",
            (_S,),
            "`submitted`/`queued`, `in_progress`, `completed` or `failed` (sora treats "
            "any status it does not know as still running).",
        ),
        Field("progress", (_I,), "0-100."),
        Field("created_at", (_I,), "Unix seconds."),
        Field(
            "url",
            (_S,),
            "Where to download the video: a path such as `/v1/videos/{id}/content`, or a full URL.",
            "laozhang: completed tasks",
        ),
        Field("completed_at", (_I, _NULL), "Unix seconds.", "completed tasks; openai: always"),
        Field("expires_at", (_I, _NULL), "When the task and video are deleted.", "openai"),
        Field("prompt", (_S, _NULL), "The prompt.", "openai"),
        Field("size", (_S,), "`WIDTHxHEIGHT`.", "openai"),
        Field("seconds", (_S,), 'Duration, e.g. `"8"`.', "openai"),
        Field("remixed_from_video_id", (_S, _NULL), "Source of a remix.", "openai"),
        Field(
            "error",
            (_O, _NULL),
            '`{"code": …, "message": …}` explaining the failure.',
            "failed tasks; openai: always",
        ),
    ),
)

CONFIG_LIST = Document(
    key="config",
    title="The config file",
    commands=("sora config list --json",),
    shape="one object: a member per key set in the file (`{}` when none)",
    about="Values as stored; keys use `_` (the command line also accepts `-`).",
    fields=(
        Field("api_key", (_S,), "Redacted (`sk-…abcd`) unless `--show-secret`.", "when set"),
        Field("base_url", (_S,), "API base URL.", "when set"),
        Field("profile", (_S,), "`laozhang` or `openai`.", "when set"),
        Field("model", (_S,), "Default model.", "when set"),
        Field("size", (_S,), "Default size.", "when set"),
        Field("seconds", (_I,), "Default duration.", "when set"),
        Field("output_dir", (_S,), "Where videos are saved.", "when set"),
        Field("poll_interval", (_N,), "Seconds between polls.", "when set"),
        Field("timeout", (_N,), "Seconds to wait before exit 6.", "when set"),
    ),
)

DOCTOR = Document(
    key="doctor",
    title="The doctor's checks",
    commands=("sora doctor --json",),
    shape=(
        "an array of check objects, in this order: config, settings, key, api, model, journal, "
        "terminal"
    ),
    about="The exit code is that of the first failed check (0 when none failed; a warning "
    "never sets it).",
    fields=(
        Field(
            "name",
            (_S,),
            "`config`, `settings`, `key`, `api`, `model`, `journal` or `terminal`.",
        ),
        Field(
            "status",
            (_S,),
            "`ok`, `fail`, `warn` (e.g. the configured model is retired), or `skip` (an "
            "earlier check must pass first).",
        ),
        Field("detail", (_S,), "What was found (the key only ever redacted)."),
        Field("hint", (_S, _NULL), "What to do about a failure."),
        Field("exit_code", (_I,), "The documented exit code of this failure; 0 if none."),
    ),
)

BATCH_LINE = Document(
    key="batch-line",
    title="A finished batch line",
    commands=("sora batch --json",),
    shape="one object per line (NDJSON), as each line finishes; then one summary object",
    about="`type` tells a line from the summary. Lines come in the order they finish.",
    fields=(
        Field("type", (_S,), "Always `line`."),
        Field("line", (_I,), "Line number in the batch file (comments and blanks counted)."),
        Field("key", (_S,), "The line's identity across re-runs (`id:…` or a content hash)."),
        Field("prompt", (_S,), "The prompt."),
        Field(
            "outcome",
            (_S,),
            "`completed`, `failed` (the task failed), `error` (another failure, see "
            "`exit_code`), `skipped` (not created: `--max-cost` or a 401/402), `cancelled` "
            "(stopped by `--fail-fast`; the task may still run).",
        ),
        Field("task_id", (_S, _NULL), "The line's task, when it has one."),
        Field("file", (_S, _NULL), "Absolute path of the MP4, when completed."),
        Field("error", (_S, _NULL), "Why the line did not complete."),
        Field(
            "exit_code", (_I,), "The documented exit code of this line's outcome (0 if completed)."
        ),
        Field("cost", (_N, _NULL), "Estimated USD price of this completed video."),
        Field("reattached", (_BOOL,), "True when a re-run found the line's task in the journal."),
    ),
)

BATCH_SUMMARY = Document(
    key="batch-summary",
    title="The batch summary",
    commands=("sora batch --json",),
    shape="one object, the last line of the output",
    about="The exit code of `sora batch` equals `exit_code`.",
    fields=(
        Field("type", (_S,), "Always `summary`."),
        Field("lines", (_I,), "Lines in the batch."),
        Field("completed", (_I,), "Lines whose video is on disk."),
        Field("failed", (_I,), "Lines whose task failed (not charged on the async API)."),
        Field("skipped", (_I,), "Lines not created (`--max-cost`, 401/402)."),
        Field("not_finished", (_I,), "Lines still running at `--timeout` or cancelled."),
        Field("errors", (_I,), "Lines that ended in another error."),
        Field("cost_usd", (_N,), "Estimated price of the completed videos."),
        Field("exit_code", (_I,), "0 when every line completed, else the most serious code."),
        Field("batch_id", (_S,), "Re-run with `sora batch --resume BATCH_ID`."),
        Field(
            "gallery",
            (_S, _NULL),
            "Path of the batch's `index.html`; null when it could not be written.",
            "with `--gallery`",
        ),
    ),
)

BATCH_PLAN = Document(
    key="batch-plan",
    title="The batch plan",
    commands=("sora batch --dry-run --json",),
    shape="one object",
    about="Every line was checked; nothing was sent.",
    fields=(
        Field("type", (_S,), "Always `plan`."),
        Field("batch_id", (_S,), "The batch's id (the same on a real run of the same file)."),
        Field("lines", (_I,), "Tasks the batch would create."),
        Field("estimated_cost_usd", (_N,), "Price if every task completes (failures are free)."),
        Field("profile", (_S,), "The profile whose price table was used."),
        Field("skipped", (_I,), "Lines `--max-cost` would leave uncreated (0 without a cap)."),
    ),
)

MODELS = Document(
    key="models",
    title="The model catalog",
    commands=("sora models --json",),
    shape="an array of model objects, in catalog order (a gateway's served models last)",
    about="Facts marked unknown by the providers are data here, and may change.",
    fields=(
        Field("model", (_S,), "The name to give `--model`."),
        Field("aliases", (_A,), "Other names for it (`muse`)."),
        Field("ids", (_O,), "Duration (as a string) -> the model id sent for it."),
        Field("seconds", (_A,), "Durations it makes (empty: any; the server decides)."),
        Field("sizes", (_A, _NULL), "Sizes it makes; null: not checked."),
        Field("price", (_S, _NULL), "The price table in words; null: unknown."),
        Field("prices_usd", (_A,), "`{seconds, size, usd}` for every priced combination."),
        Field("image_policy", (_S,), "`exact`, `ratio` or `none`: how a first frame is judged."),
        Field("last_frame", (_BOOL,), "Takes `--last-frame`."),
        Field("extend", (_BOOL,), "Takes `--extend`."),
        Field(
            "options",
            (_A,),
            "Further create flags it takes (`audio`, `ratio`, `ref-image`, `resolution`, "
            "`seed`: seedance).",
        ),
        Field("price_estimated", (_BOOL,), "True: the prices are estimates (token-billed)."),
        Field(
            "usd_per_million_tokens",
            (_N, _NULL),
            "Token-billed models: the rate a reported usage is charged at; null: unknown.",
        ),
        Field(
            "frames_need_adaptive_ratio",
            (_BOOL,),
            "With frame images it is sent `ratio: adaptive` (Seedance 2.5).",
        ),
        Field("link_ttl_seconds", (_N, _NULL), "How long its video links live; null: unknown."),
        Field("poll_interval", (_N, _NULL), "Seconds between polls its provider asks for."),
        Field("give_up_after", (_N, _NULL), "Seconds a wait is worth, per its provider."),
        Field("state", (_S,), "`live`, `retired` (still sent when asked), or `unknown`."),
        Field("retired_since", (_S, _NULL), "ISO date it was retired upstream."),
        Field("successor", (_S, _NULL), "The model that replaces it."),
        Field("in_catalog", (_BOOL,), "False for a gateway's model the catalog does not know."),
        Field("served", (_BOOL, _NULL), "With `--check`: whether GET /models lists any id of it."),
        Field(
            "served_seconds",
            (_A, _NULL),
            "With `--check`: the lengths whose id GET /models lists (a family may be served in "
            "part).",
        ),
    ),
)

GALLERY = Document(
    key="gallery",
    title="The gallery page",
    commands=("sora gallery --json",),
    shape="one object",
    about="What `index.html` shows: one card per task.",
    fields=(
        Field("path", (_S,), "Absolute path of the written `index.html`."),
        Field("cards", (_I,), "Tasks on the page."),
        Field("playable", (_I,), "Cards whose video is on disk and plays in the page."),
        Field("failed", (_I,), "Tasks that failed (or were cancelled)."),
        Field("expired", (_I,), "Tasks whose video expired before it was downloaded."),
        Field(
            "outside",
            (_I,),
            "Videos linked from outside the page's folder (a copy of the folder lacks them).",
        ),
        Field("cost_usd", (_N,), "Estimated price of the completed videos on the page."),
    ),
)

DOCUMENTS: tuple[Document, ...] = (
    JOB_RECORD,
    JOB_LIST,
    TASK_OBJECT,
    CONFIG_LIST,
    DOCTOR,
    MODELS,
    BATCH_LINE,
    BATCH_SUMMARY,
    BATCH_PLAN,
    GALLERY,
)
