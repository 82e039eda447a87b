"""The router's rules, without I/O: what it decides for a fallback chain (`chains`)."""

from cpaas.router.domain.chains import (
    ACTIVE,
    DELIVERED,
    EXHAUSTED,
    Chain,
    Decision,
    deadline_for,
    level_variables,
    on_deadline,
    on_status,
)

__all__ = [
    "ACTIVE",
    "DELIVERED",
    "EXHAUSTED",
    "Chain",
    "Decision",
    "deadline_for",
    "level_variables",
    "on_deadline",
    "on_status",
]
