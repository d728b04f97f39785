"""What a batch costs, and what `--max-cost` lets it create: one arithmetic for the plan
(`--dry-run`) and the run, so the plan never promises what the run then skips.

Lines are taken in file order; each is created only while the estimate of everything
created or reserved so far, plus its own price, stays within the cap. A line that would pass
it is skipped and later, cheaper lines may still fit. Failed tasks are free on the async API,
so the estimate counts every task as if it completes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sora_cli.batch_input import BatchLine
from sora_cli.journal import JobRecord
from sora_cli.profiles import Profile

_CENT_SLACK = 1e-9  # float sums of prices such as 0.15 must not miss an exact cap


def price_of(profile: Profile, model: str | None, size: str | None, seconds: object) -> float:
    """A task's estimated price in USD; 0 where the profile knows none."""
    try:
        price = profile.price(model or "", size or "", int(str(seconds or 0)))
    except ValueError:
        price = None
    return price or 0.0


def line_price(profile: Profile, line: BatchLine) -> float:
    """The estimated price of one line's task."""
    return price_of(profile, line.model, line.size, line.seconds)


def committed_cost(known: Mapping[str, JobRecord], profile: Profile) -> float:
    """What the batch's existing tasks count against --max-cost."""
    return sum(
        price_of(profile, r.model, r.size, r.seconds) for r in known.values() if r.kind == "async"
    )


def within_cap(committed: float, price: float, cap: float | None) -> bool:
    """Whether one more task priced `price` keeps the batch within --max-cost."""
    return cap is None or committed + price <= cap + _CENT_SLACK


def cap_reason(cap: float) -> str:
    """Why a line was not created, in the words the summary and --dry-run use."""
    return f"not created: --max-cost {cap:g} USD would be passed"


def cap_covering(cap: float, skipped: Iterable[BatchLine], profile: Profile) -> float:
    """The --max-cost that would also cover the skipped lines, rounded up to the cent."""
    more = sum(line_price(profile, line) for line in skipped)
    return math.ceil((cap + more) * 100 - 1e-6) / 100


@dataclass
class Plan:
    """The lines a run would create, those the cap would skip, and the estimate."""

    create: list[BatchLine] = field(default_factory=list)
    skip: list[BatchLine] = field(default_factory=list)
    cost: float = 0.0


def plan_within_cap(
    candidates: Iterable[BatchLine], committed: float, profile: Profile, cap: float | None
) -> Plan:
    """Which of the lines that need a task a run would create under `cap`, in file order."""
    plan = Plan()
    for line in candidates:
        price = line_price(profile, line)
        if within_cap(committed + plan.cost, price, cap):
            plan.create.append(line)
            plan.cost += price
        else:
            plan.skip.append(line)
    return plan
