"""Exception hierarchy. Exit codes are assigned in `exit_codes.py`, not here.

    SoraError                      message + optional hint + optional task id
    ├── UsageError                 bad flag, bad file, broken config, API 400     -> 2
    │   ├── ConfigError
    │   ├── ModelUnavailable       the server says the model is retired / unserved
    │   └── JournalError           the job journal cannot be read or written
    ├── AuthError                  no key, 401/403                                -> 3
    ├── BalanceError               402                                            -> 4
    ├── GenerationFailed           task failed / content policy / no video link   -> 5
    ├── NotFinished                timed out, or not finished yet                 -> 6
    ├── NotFound                   404, expired                                   -> 7
    ├── NetworkError               connect errors, 5xx, 429 after retries,
    │   └── BadContent             HTML instead of MP4, truncated body            -> 8
    └── Interrupted                Ctrl-C / SIGTERM during a wait                 -> 130

`ApiError` mixes in the HTTP details (status, request id, body) for errors that came from
an HTTP response, so a 401 is both an `AuthError` and an `ApiError`.
"""

from __future__ import annotations

from typing import Any


class SoraError(Exception):
    """Base of every error the tool explains to the user."""

    def __init__(self, message: str, *, hint: str | None = None, task_id: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.task_id = task_id


class UsageError(SoraError):
    """The user asked for something that cannot work as asked."""


class ConfigError(UsageError):
    """The config file is broken or holds a bad value."""


class ModelUnavailable(UsageError):
    """A create answered "model retired / not found / no available channels": unbilled,
    and no retry can help; the user must choose another model."""

    def __init__(self, message: str, *, model: str, successor: str | None, hint: str):
        super().__init__(message, hint=hint)
        self.model = model
        self.successor = successor


class JournalError(UsageError):
    """The job journal cannot be read or written (locked, disk full, corrupted)."""


class AuthError(SoraError):
    """No API key, or the API refused it."""


class BalanceError(SoraError):
    """The account has no balance left (402)."""


class GenerationFailed(SoraError):
    """The task ended `failed` (content policy, generation error)."""


class NotFinished(SoraError):
    """The wait ran out, or the task has not finished yet; it keeps running server-side."""


class NotFound(SoraError):
    """The task does not exist or has expired."""


class NetworkError(SoraError):
    """Network or server failure that outlasted the retries."""

    # Set on a failed create call that may still have created (and will charge) a task.
    task_may_exist: bool = False


class BadContent(NetworkError):
    """A body that is not what was promised (HTML instead of MP4, truncated, bad JSON)."""


class Interrupted(SoraError):
    """Ctrl-C or SIGTERM during a wait or a download."""


class ApiError(SoraError):
    """Carries the HTTP details of an error response. Mixed into the classes below."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request_id: str | None = None,
        body: Any = None,
        hint: str | None = None,
        task_id: str | None = None,
        server_message: str | None = None,
    ):
        super().__init__(message, hint=hint, task_id=task_id)
        self.status_code = status_code
        self.server_message = server_message  # the server's own words, if it gave any
        self.request_id = request_id
        self.body = body


class BadRequestError(ApiError, UsageError):
    """400: the API rejected a parameter."""


class ApiAuthError(ApiError, AuthError):
    """401/403."""


class ApiBalanceError(ApiError, BalanceError):
    """402."""


class ApiNotFound(ApiError, NotFound):
    """404."""


class RateLimited(ApiError, NetworkError):
    """429 that outlasted the retries."""


class ServerError(ApiError, NetworkError):
    """5xx that outlasted the retries (or was not retried because a task may exist)."""


class UnexpectedStatus(ApiError, NetworkError):
    """Any other non-2xx answer."""
