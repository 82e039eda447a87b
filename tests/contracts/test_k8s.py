"""deploy/k8s/ matches scripts/k8s.py, and what it deploys would start: every variable is a
field of its service's settings, every secret a service refuses to run in production
without is set, the probes hit the service's own /readyz and /healthz on its port, and
every in-cluster URL names a Service that exists, on its port."""

import importlib.util
import re
from pathlib import Path
from urllib.parse import urlparse

import yaml

from .test_compose import settings_classes

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
LOCAL_SECRET_PREFIX = "local-dev-"


def generator():
    spec = importlib.util.spec_from_file_location("k8s_manifests", ROOT / "scripts" / "k8s.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def manifests() -> list[dict]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def test_the_committed_manifests_are_what_the_generator_writes() -> None:
    rendered = generator().render()
    committed = {p.name: p.read_text() for p in K8S.glob("*.yaml")}
    assert committed == rendered, "run `uv run python scripts/k8s.py`"


def test_every_deployment_would_start_in_production() -> None:
    classes = settings_classes()
    docs = manifests()
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    secret_keys = {k for d in docs if d["kind"] == "Secret" for k in d["stringData"]}
    config_keys = {k for d in docs if d["kind"] == "ConfigMap" for k in d["data"]}
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert len(deployments) == 12

    for deployment in deployments:
        name = deployment["metadata"]["name"]
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        prefix = next(p for p in classes if env.get(f"{p}HTTP_HOST"))
        settings = classes[prefix]
        for variable, entry in env.items():
            if variable in ("CPAAS_ENVIRONMENT", "CPAAS_KAFKA_BOOTSTRAP_SERVERS", "CPAAS_PG_DSN"):
                continue
            assert variable.startswith(prefix), f"{name}: {variable}"
            assert variable[len(prefix) :].lower() in settings.model_fields, f"{name}: {variable} is no setting"
            source = entry.get("valueFrom", {})
            if "secretKeyRef" in source:
                assert source["secretKeyRef"]["key"] in secret_keys, f"{name}: {variable}"
            if "configMapKeyRef" in source:
                assert source["configMapKeyRef"]["key"] in config_keys, f"{name}: {variable}"
        assert env["CPAAS_ENVIRONMENT"]["value"] == "production"
        # production refuses every local default secret: each must come from the Secret
        for field, info in settings.model_fields.items():
            if isinstance(info.default, str) and info.default.startswith(LOCAL_SECRET_PREFIX):
                entry = env.get(f"{prefix}{field.upper()}")
                assert entry is not None and "secretKeyRef" in entry.get("valueFrom", {}), f"{name}: {field}"

        port = container["ports"][0]["containerPort"]
        assert int(env[f"{prefix}HTTP_PORT"]["value"]) == port
        assert settings.model_fields["http_port"].default == port  # the same port as `make run`
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert services[name]["spec"]["ports"][0]["port"] == port
        grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
        assert grace > settings.model_fields["shutdown_grace_seconds"].default

        for entry in env.values():
            value = entry.get("value", "")
            if re.match(r"https?://[a-z-]+:\d+", value):  # an in-cluster URL: a Service of ours
                url = urlparse(value)
                assert url.hostname in services, f"{name}: {value}"
                assert url.port in [p["port"] for p in services[url.hostname]["spec"]["ports"]], f"{name}: {value}"


def test_the_gateways_internal_routes_are_not_exposed() -> None:
    [ingress] = [d for d in manifests() if d["kind"] == "Ingress"]
    assert "location /internal/" in str(ingress["metadata"]["annotations"])


def test_the_ingress_reaches_only_the_public_listener_of_gateway_and_console() -> None:
    """/metrics and /internal/ live on the internal listener, which no Ingress rule names."""
    docs = manifests()
    [ingress] = [d for d in docs if d["kind"] == "Ingress"]
    backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert {b["port"]["name"] for b in backends} == {"http"}
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    for name, port in {"gateway": 9081, "console": 9088}.items():
        [container] = deployments[name]["spec"]["template"]["spec"]["containers"]
        assert {"name": "internal", "containerPort": port} in container["ports"]
        env = {e["name"]: e for e in container["env"]}
        assert env[f"CPAAS_{name.upper()}_INTERNAL_PORT"]["value"] == str(port)
