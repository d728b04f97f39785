"""Every tunable in one place, each with the reason for its value."""

from __future__ import annotations

# --- polling (reference: "Polling Interval": 3-5 s; "Timeout Handling": 10 minutes) ---
DEFAULT_POLL_INTERVAL = 5.0
MIN_POLL_INTERVAL = 1.0  # below this we would hammer the API; the flag refuses it (exit 2)
MIN_SERVER_POLL_DELAY = 0.05  # floor for an `openai-poll-after-ms` hint from the server
DEFAULT_TIMEOUT = 600.0
# Reference FAQ "Why isn't progress field updating?": wait 5-10 min, then contact support.
STUCK_WARNING_AFTER = 600.0
# A proxy in front of the API sometimes answers a poll with garbage (an HTML error page with
# status 200, a truncated body). One such answer should not end a wait; several in a row do.
MAX_BAD_POLL_ANSWERS = 3

# --- HTTP ---
CONNECT_TIMEOUT = 10.0  # a healthy API accepts a connection in well under a second
READ_TIMEOUT = 60.0  # create uploads an image and may be slow to answer; polls are quick
WRITE_TIMEOUT = 60.0
POOL_TIMEOUT = 10.0
# Under --timeout every request must end by the deadline, body included; one sent at the
# deadline (the last poll) still gets this long, as a healthy API answers a poll in well
# under a second.
LAST_REQUEST_GRACE = 2.0
MAX_JSON_BODY = 4 * 1024 * 1024  # a task object is ~1 KiB; anything huge is not an API answer
MAX_ERROR_BODY_SHOWN = 300  # characters of a non-JSON error body quoted in a message

# --- retries (DESIGN "HTTP behaviour") ---
RETRY_ATTEMPTS = 6  # 1 try + 5 retries: rides out a short 503 burst without hiding an outage
RETRY_WAIT_INITIAL = 0.5
RETRY_WAIT_MAX = 30.0
RETRY_WAIT_JITTER = 1.0
RETRY_AFTER_CAP = 120.0  # a Retry-After above this is clipped: we never sleep longer a wait
# A name that does not resolve is retried once (a resolver hiccup), not for the whole backoff:
# the usual cause is a typo in the base URL or no network, which waiting does not fix.
NAME_RESOLUTION_ATTEMPTS = 2
RETRYABLE_STATUS_GET = frozenset({429, 500, 502, 503, 504})
# The create POST is only retried where the server cannot have created a task.
RETRYABLE_STATUS_CREATE = frozenset({429, 503})

# --- downloads ---
DOWNLOAD_RESUME_ATTEMPTS = 6  # a dropped connection resumes from the .part with Range
# A video body slower than this, averaged over the window, is a stall (a hung CDN, a
# trickling proxy), broken off and resumed like a dropped connection. 1 KiB/s is far below
# any real link (a 2G modem does ~5 KiB/s), so no honest download is ever cut. The window
# is also the read timeout of the body: silence for that long is a stall too.
DOWNLOAD_STALL_BYTES_PER_SECOND = 1024
DOWNLOAD_STALL_WINDOW = 30.0
# Stalls are given up sooner than drops: 3 windows (~1.5 min with backoff) is the most a
# user should sit before a dead link with its resume command, not 6 x 30 s.
DOWNLOAD_STALL_ATTEMPTS = 3
PROGRESS_EVERY_BYTES = 1024 * 1024  # progress callbacks per MiB, not per chunk (CPU per byte)

# --- images (reference: "Recommended file size: < 5MB") ---
IMAGE_WARN_BYTES = 5 * 1024 * 1024
IMAGE_MAX_BYTES = 50 * 1024 * 1024  # refuse to fetch/upload absurd files
# The largest image decoded (to check it, or to --fit it): a 50 MP photo. Measured on a
# 24 MP image: a JPEG is checked at 1/8 scale (0.6 s, +4 MB), a PNG whole (+48 MB for 12 MP),
# a WebP whole through libwebp's RGBA canvas (3 s, +390 MB): so at most about 800 MB.
IMAGE_MAX_PIXELS = 50_000_000
# Files and URLs are read in pieces of this size, so the cap holds while reading.
IMAGE_READ_CHUNK = 1024 * 1024

# --- progress display ---
PLAIN_PROGRESS_STEP = 10  # non-TTY: one line per state change or per 10 %

# --- journal ---
JOURNAL_BUSY_TIMEOUT_MS = 10_000  # several sora processes may write at once (WAL + wait)
# A held-back write (the journal was locked once) is retried before each later write, i.e.
# on each poll: a short wait there, so a journal locked for long does not slow the polling.
JOURNAL_RETRY_BUSY_MS = 200

# An `intent` row younger than this may be a create still in flight in another process
# (connect + upload + answer stay well inside it); an older one was left by a killed run.
INTENT_IN_FLIGHT_FOR = 300.0
# How far the API's clock may trail ours when matching a lost create to a listed task.
CLOCK_SKEW_ALLOWED = 300.0

# --- sync API stream (reference/laozhang-sync-api.txt) ---
# The stream may stay silent while the task waits in the queue ("depends on peak hours"), and
# a read timeout there loses a video already paid for, so this is far above READ_TIMEOUT.
STREAM_READ_TIMEOUT = 300.0
STREAM_LINK_TTL = 24 * 3600.0  # "Generated video URLs are valid for only 1 day"
