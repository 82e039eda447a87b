"""compose.yaml sets settings that exist: every CPAAS_* variable it gives a service names a
field of the settings class with that prefix (a misspelt variable would be ignored
silently by pydantic-settings, and the service would run on its default)."""

import importlib
import pkgutil
import re
from pathlib import Path

import yaml
from pydantic_settings import BaseSettings

import cpaas

COMPOSE = Path(__file__).resolve().parents[2] / "compose.yaml"
SHARED = {"CPAAS_ENVIRONMENT"}  # ServiceSettings' own field, under every service's prefix too


def settings_classes() -> dict[str, type[BaseSettings]]:
    """env prefix -> settings class, over every cpaas package."""
    for module in pkgutil.walk_packages(cpaas.__path__, "cpaas."):
        if module.name.endswith((".settings", ".settings_")) or module.name.split(".")[-1] == "settings":
            importlib.import_module(module.name)
    found: dict[str, type[BaseSettings]] = {}
    pending = list(BaseSettings.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        prefix = cls.model_config.get("env_prefix")
        if prefix and cls.__module__.startswith("cpaas."):
            found[prefix] = cls
    return found


def test_every_cpaas_variable_in_compose_is_a_settings_field() -> None:
    classes = settings_classes()
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    checked = 0
    for name, service in services.items():
        for variable in service.get("environment", {}) or {}:
            if not variable.startswith("CPAAS_") or variable in SHARED:
                continue
            prefix = max((p for p in classes if variable.startswith(p)), key=len, default=None)
            assert prefix is not None, f"{name}: no settings class reads {variable}"
            field = variable[len(prefix) :].lower().split("__")[0]
            assert field in classes[prefix].model_fields, f"{name}: {variable} is not a field of {classes[prefix]}"
            checked += 1
    assert checked > 20  # the file was read


def test_the_console_and_the_services_it_calls_share_one_service_token() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    tokens = {
        name: env[variable]
        for name, service in services.items()
        for env in [service.get("environment", {}) or {}]
        for variable in env
        if re.fullmatch(r"CPAAS_[A-Z_]+_SERVICE_TOKEN", variable)
    }
    assert {"console", "gateway", "billing"} <= tokens.keys()
    assert len(set(tokens.values())) == 1, tokens
