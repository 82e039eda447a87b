"""The message log's rules, without I/O (`message_log`): status ranks, what one event
does to an attempt row, the fold of a batch into set-based writes, retention."""

from cpaas.reporting.domain.message_log import (
    STATUS_RANK,
    AttemptUpdate,
    BatchPlan,
    EventRow,
    Item,
    MessageRow,
    advances,
    apply_update,
    fold_attempt,
    message_created_at,
    message_status,
    plan_batch,
    retention_cutoff,
    status_update,
    submit_update,
)

__all__ = [
    "STATUS_RANK",
    "AttemptUpdate",
    "BatchPlan",
    "EventRow",
    "Item",
    "MessageRow",
    "advances",
    "apply_update",
    "fold_attempt",
    "message_created_at",
    "message_status",
    "plan_batch",
    "retention_cutoff",
    "status_update",
    "submit_update",
]
