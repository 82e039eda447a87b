"""The pace of campaigns: a token bucket per campaign (its rate) inside a token bucket per
account (the ceiling of all its campaigns together), so a campaign never floods the
channel that the same account's single API sends travel on. Pure: `now` is passed in.
"""

from dataclasses import dataclass, field

BURST_SECONDS = 0.5  # a bucket holds at most this many seconds of its rate


@dataclass
class TokenBucket:
    rate: float  # tokens a second
    tokens: float = 0.0
    updated: float | None = None
    capacity: float = field(init=False)

    def __post_init__(self) -> None:
        self.capacity = max(1.0, self.rate * BURST_SECONDS)

    def refill(self, now: float) -> float:
        if self.updated is not None:
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return self.tokens

    def take(self, count: int) -> None:
        self.tokens -= count


def allowance(campaign: TokenBucket, account: TokenBucket, now: float, most: int) -> int:
    """How many messages a campaign may send now: what both buckets hold, at most `most`."""
    return max(0, min(int(campaign.refill(now)), int(account.refill(now)), most))


def take(campaign: TokenBucket, account: TokenBucket, count: int) -> None:
    campaign.take(count)
    account.take(count)
