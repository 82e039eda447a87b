"""What the sandbox RBM platform remembers, in memory: messages received, message ids
already accepted, templates and agents under review, and the bot secrets it accepts."""

import secrets
from collections import deque
from typing import Any

from pydantic import BaseModel, Field

from cpaas.sandbox.rbm.settings import RbmSandboxSettings


class ReceivedAgentMessage(BaseModel):
    """One send request as the RBM API saw it (refused ones too)."""

    msisdn: str = Field(description="the phone number of the path, E.164 with '+'")
    message_id: str
    agent_id: str
    body: dict[str, Any] = Field(description="the AgentMessage as received")
    status_code: int = Field(description="the HTTP status answered (200 = accepted)")
    error_status: str | None = Field(None, description="Google's error status when refused (NOT_FOUND, ...)")
    outcome: str = Field(description="the magic-number outcome applied")
    received_at: str


class CapabilityCheck(BaseModel):
    msisdn: str
    agent_id: str
    request_id: str
    status_code: int
    received_at: str


class RegisteredTemplate(BaseModel):
    template_id: str
    agent_id: str
    name: str
    type: str
    content: dict[str, Any]
    state: str = "PENDING"
    reason: str | None = None
    created_at: str
    media: list[dict[str, Any]] = []  # what the review fetched: url, status, contentType, bytes


class RegisteredAgent(BaseModel):
    agent_id: str
    display_name: str
    handle: str
    state: str = "PENDING"
    reason: str | None = None
    launched: bool = False  # may message users (the partner's launch request succeeded)
    created_at: str


class RbmWorld:
    def __init__(self, settings: RbmSandboxSettings) -> None:
        self.bot_secrets: dict[str, str] = dict(settings.bot_secrets)
        self.received: deque[ReceivedAgentMessage] = deque(maxlen=settings.received_log_size)
        self.capability_checks: deque[CapabilityCheck] = deque(maxlen=settings.received_log_size)
        self.accepted: set[tuple[str, str]] = set()  # (agent id, message id): RBM refuses a reused id
        self.templates: dict[str, RegisteredTemplate] = {}
        self.agents: dict[str, RegisteredAgent] = {}
        self._pending_secrets: dict[str, str] = {}  # agent id -> secret, usable once approved
        # agents that may message users: the configured ones, and created ones once launched
        self.launched: set[str] = set(self.bot_secrets)

    def authorized(self, agent_id: str, bearer: str | None) -> bool:
        expected = self.bot_secrets.get(agent_id)
        return expected is not None and bearer is not None and secrets.compare_digest(expected, bearer)

    def messages(self, msisdn: str | None) -> list[ReceivedAgentMessage]:
        """Oldest first; `msisdn` matches with or without its leading '+'."""
        wanted = msisdn.strip().lstrip("+") if msisdn else None
        return [m for m in self.received if wanted is None or m.msisdn.lstrip("+") == wanted]

    def add_agent(self, agent: RegisteredAgent, secret: str) -> None:
        self.agents[agent.agent_id] = agent
        self._pending_secrets[agent.agent_id] = secret

    def decide_agent(self, agent_id: str, state: str, reason: str | None) -> None:
        agent = self.agents[agent_id]
        agent.state, agent.reason = state, reason
        secret = self._pending_secrets.pop(agent_id, None)
        if state == "APPROVED" and secret is not None:
            self.bot_secrets[agent_id] = secret

    def launch(self, agent_id: str) -> str | None:
        """Launch a verified agent; the reason it cannot be launched, or None once launched."""
        if agent_id in self.launched:
            return None
        agent = self.agents.get(agent_id)
        if agent is None:
            return "not found"
        if agent.state != "APPROVED":
            return f"the agent's verification is {agent.state}; only a verified agent can be launched"
        self.launched.add(agent_id)
        agent.launched = True
        return None
