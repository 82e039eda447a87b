"""Insights (issue 25): the ai service's own deterministic engine over an account's computed
`Intelligence` (no I/O), and the rule that every number an insight states is one of its facts."""

from cpaas.ai.domain.insights.builtin import insights
from cpaas.ai.domain.insights.cite import cited, numbers_in, uncited

__all__ = ["cited", "insights", "numbers_in", "uncited"]
