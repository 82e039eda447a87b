"""AI Assist's local engine (no I/O): drafts of a template's fields from its name, category
and instructions, each compliance-checked."""

from cpaas.ai.domain.assist.drafts import Draft, Variable
from cpaas.ai.domain.assist.generator import AssistRequest, generate

__all__ = ["AssistRequest", "Draft", "Variable", "generate"]
