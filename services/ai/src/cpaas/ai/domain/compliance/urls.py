"""CHECK-6: links through a URL shortener. The shortener domains come from a maintained
public list vendored in data/url_shorteners.txt (its header says where from and when),
adjusted by data/shortener_overrides.yaml. Since October 2024 Indian operators drop SMS
whose links are not whitelisted on DLT, and a shortener hides the destination a
whitelist names, so the rewrite is the sender's own domain with the same path."""

import functools
import re

import yaml

from cpaas.ai.domain.compliance.findings import Finding
from cpaas.ai.domain.compliance.lexicon import data_text
from cpaas.ai.domain.compliance.text import Message

# a host (with an optional scheme) and its path; spoken forms ("bit dot ly slash x") for voice
LINK = re.compile(
    r"(?<![\w@.])(?:https?://)?(?P<host>(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})(?P<path>/[^\s]*)?",
    re.IGNORECASE,
)
SPOKEN_LINK = re.compile(r"\b(?P<host>[a-z0-9]+(?:\s+dot\s+[a-z]{2,})+)(?P<path>\s+slash\s+[\w ]+?)?(?=[.,!?]|$)", re.I)
TRAILING = ".,;:!?)'\""
OWN_DOMAIN = "yourbrand.in"  # stands for the sender's own whitelisted domain in a rewrite


@functools.cache
def shortener_domains() -> frozenset[str]:
    listed = {
        line.strip().lower()
        for line in data_text("url_shorteners.txt").splitlines()
        if line.strip() and not line.startswith("#")
    }
    overrides = yaml.safe_load(data_text("shortener_overrides.yaml"))
    return frozenset((listed | set(overrides.get("extra") or ())) - set(overrides.get("not_shorteners") or ()))


def shortener_of(host: str) -> str | None:
    """The listed shortener a host belongs to (itself or a parent domain), if any."""
    labels = host.lower().removeprefix("www.").split(".")
    domains = shortener_domains()
    for i in range(len(labels) - 1):
        candidate = ".".join(labels[i:])
        if candidate in domains:
            return candidate
    return None


def _finding(start: int, end: int, domain: str, path: str) -> Finding:
    return Finding(
        "CHECK-6",
        start,
        end,
        suggestion=f"https://{OWN_DOMAIN}{path}",
        confidence=0.95,
        title=f"URL shortener {domain}: use the full link on your own DLT-whitelisted domain",
    )


def find(message: Message) -> list[Finding]:
    findings = []
    for match in LINK.finditer(message.text, message.body_start):
        domain = shortener_of(match.group("host"))
        if domain is None:
            continue
        link = match.group(0).rstrip(TRAILING)
        path = (match.group("path") or "").rstrip(TRAILING)
        findings.append(_finding(match.start(), match.start() + len(link), domain, path))
    if message.channel == "VOICE":
        for match in SPOKEN_LINK.finditer(message.text, message.body_start):
            host = re.sub(r"\s+dot\s+", ".", match.group("host"), flags=re.I)
            domain = shortener_of(host)
            if domain is not None:
                path = re.sub(r"\s+slash\s+", "/", match.group("path") or "", flags=re.I).replace(" ", "-")
                findings.append(_finding(match.start(), match.end(), domain, path))
    return findings
