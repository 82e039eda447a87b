"""Writes deploy/k8s/: plain Kubernetes manifests (a kustomization) for every service.

One Deployment and one ClusterIP Service per service, all from the one image of the
Dockerfile, each with its `/readyz` readiness, `/healthz` liveness and a startup probe,
a termination grace above the service's own drain time, and a non-root, read-only
container. Shared settings come from the `cpaas-config` ConfigMap and secrets from the
`cpaas-secrets` Secret (`secrets.example.yaml` names every key; create the real one
yourself). `CPAAS_ENVIRONMENT=production` makes every service refuse a local default
secret, so a key left out fails the pod at start instead of running insecurely.

Kafka and PostgreSQL are not here: point `CPAAS_KAFKA_BOOTSTRAP_SERVERS` and the
`CPAAS_PG_DSN` secret at the operator's own (Strimzi, CloudNativePG, a managed service).
The carrier sandbox is left out too: production talks to real carriers and providers.

Run: uv run python scripts/k8s.py   (tests/contracts/test_k8s.py checks the files match)
"""

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "deploy" / "k8s"
NAMESPACE = "cpaas"
IMAGE = "ghcr.io/example/cpaas:latest"  # build it from the Dockerfile and push it; see README.md
GRACE_SECONDS = 15  # ServiceSettings.shutdown_grace_seconds

# name, module, port, env prefix, replicas, extra env (from the ConfigMap or literal), secrets
SERVICES = [
    (
        "gateway",
        "cpaas.gateway",
        8081,
        "CPAAS_GATEWAY_",
        2,
        {  # the services behind its forwarded public routes (campaigns and console: their internal listeners)
            "CAMPAIGNS_URL": "http://campaigns:9096",
            "CONSOLE_INTERNAL_URL": "http://console:9088",
            "BILLING_URL": "http://billing:8082",
            "AI_URL": "http://ai:8095",
        },
        {"SERVICE_TOKEN": "service-token"},
    ),
    (
        "console",
        "cpaas.console",
        8088,
        "CPAAS_CONSOLE_",
        1,
        {
            "BILLING_URL": "http://billing:8082",
            "GATEWAY_URL": "http://gateway:9081",  # the gateway's internal listener
            "PUBLIC_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "console-public-url"}},
            "AI_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "ai-url"}},
            "CAMPAIGNS_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "campaigns-url"}},
            # where linked WhatsApp numbers register and requested RCS bots are created
            "WHATSAPP_API_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "whatsapp-api-url"}},
            "RBM_API_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "rbm-api-url"}},
        },
        {"SERVICE_TOKEN": "service-token", "SECRETS_KEY": "secrets-key", "RBM_PARTNER_TOKEN": "rbm-partner-token"},
    ),
    ("billing", "cpaas.billing", 8082, "CPAAS_BILLING_", 2, {}, {"SERVICE_TOKEN": "service-token"}),
    ("reporting", "cpaas.reporting", 8083, "CPAAS_REPORTING_", 2, {}, {}),
    ("router", "cpaas.router", 8091, "CPAAS_ROUTER_", 1, {}, {}),
    ("ai", "cpaas.ai", 8095, "CPAAS_AI_", 2, {}, {"SERVICE_TOKEN": "service-token"}),
    ("campaigns", "cpaas.campaigns", 8096, "CPAAS_CAMPAIGNS_", 2, {}, {"SERVICE_TOKEN": "service-token"}),
    (  # SECRETS_KEY opens the accounts' sealed webhook signing secrets
        "webhooks",
        "cpaas.webhooks",
        8089,
        "CPAAS_WEBHOOKS_",
        2,
        {},
        {"SERVICE_TOKEN": "service-token", "SECRETS_KEY": "secrets-key"},
    ),
    (
        "sms-connector",
        "cpaas.sms_connector",
        8084,
        "CPAAS_SMS_CONNECTOR_",
        1,  # each replica holds its own SMPP binds; scale with the carrier's bind allowance
        {
            "SMPP_HOST": {"configMapKeyRef": {"name": "cpaas-config", "key": "smpp-host"}},
            "SMPP_PORT": {"configMapKeyRef": {"name": "cpaas-config", "key": "smpp-port"}},
            "SYSTEM_ID": {"configMapKeyRef": {"name": "cpaas-config", "key": "smpp-system-id"}},
        },
        {"PASSWORD": "smpp-password"},
    ),
    (
        "wa-connector",
        "cpaas.wa_connector",
        8085,
        "CPAAS_WA_CONNECTOR_",
        2,
        {"BASE_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "whatsapp-api-url"}}},
        {"APP_SECRET": "whatsapp-app-secret", "VERIFY_TOKEN": "whatsapp-verify-token", "SECRETS_KEY": "secrets-key"},
    ),
    (
        "rcs-connector",
        "cpaas.rcs_connector",
        8086,
        "CPAAS_RCS_CONNECTOR_",
        2,
        {"BASE_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "rbm-api-url"}}},
        {
            "WEBHOOK_CLIENT_TOKEN": "rbm-webhook-client-token",
            "PARTNER_TOKEN": "rbm-partner-token",
            "SECRETS_KEY": "secrets-key",
        },
    ),
    (
        "voice-connector",
        "cpaas.voice_connector",
        8087,
        "CPAAS_VOICE_CONNECTOR_",
        2,
        {
            "API_BASE_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "voice-api-url"}},
            "PUBLIC_BASE_URL": {"configMapKeyRef": {"name": "cpaas-config", "key": "voice-public-url"}},
        },
        {"AUTH_TOKEN": "voice-auth-token"},
    ),
]
PUBLIC = {"gateway": "api.cpaas.example.com", "console": "console.cpaas.example.com"}
# the public services' second listener (ServiceSettings.internal_port): /metrics and /internal/
# are served there only, so the Ingress (which routes to the "http" port) never shows them
INTERNAL_PORTS = {"gateway": 9081, "console": 9088, "campaigns": 9096}
WEBHOOK_PATHS = {
    "wa-connector": "/webhooks/whatsapp",
    "rcs-connector": "/webhooks/rbm",
    "voice-connector": "/webhooks/voice",
}

CONFIG = {
    "kafka-bootstrap-servers": "kafka-bootstrap.kafka.svc:9092",
    "console-public-url": "https://console.cpaas.example.com",
    "ai-url": "http://ai:8095",  # the ai service (the console's compliance check and AI Assist)
    "campaigns-url": "http://campaigns:9096",  # the campaigns service's internal listener (Bulk Campaign)
    "smpp-host": "smsc.carrier.example.com",
    "smpp-port": "2775",
    "smpp-system-id": "cpaas",
    "whatsapp-api-url": "https://graph.facebook.com",
    "rbm-api-url": "https://rcsbusinessmessaging.googleapis.com",
    "voice-api-url": "https://api.voice-provider.example.com",
    "voice-public-url": "https://hooks.cpaas.example.com",
}
SECRET_KEYS = {
    "pg-dsn": "postgresql://cpaas:CHANGE-ME@postgres-rw.postgres.svc:5432/cpaas",
    "service-token": "CHANGE-ME: a random string of 32+ characters, shared by the services",
    # seals provider credentials at rest; `python -c "from cryptography.fernet import Fernet;
    # print(Fernet.generate_key().decode())"` makes one. Changing it needs the stored ones re-sealed.
    "secrets-key": "CHANGE-ME",
    "smpp-password": "CHANGE-ME",
    "whatsapp-app-secret": "CHANGE-ME",
    "whatsapp-verify-token": "CHANGE-ME",
    "rbm-webhook-client-token": "CHANGE-ME",
    "rbm-partner-token": "CHANGE-ME",
    "voice-auth-token": "CHANGE-ME",
}


def env_value(name: str, value: object) -> dict:
    if isinstance(value, dict):
        return {"name": name, "valueFrom": value}
    return {"name": name, "value": str(value)}


def deployment(name: str, module: str, port: int, prefix: str, replicas: int, extra: dict, secrets: dict) -> dict:
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "cpaas"}
    env = [
        env_value("CPAAS_ENVIRONMENT", "production"),
        env_value(
            "CPAAS_KAFKA_BOOTSTRAP_SERVERS",
            {"configMapKeyRef": {"name": "cpaas-config", "key": "kafka-bootstrap-servers"}},
        ),
        env_value("CPAAS_PG_DSN", {"secretKeyRef": {"name": "cpaas-secrets", "key": "pg-dsn"}}),
        env_value(f"{prefix}HTTP_HOST", "0.0.0.0"),
        env_value(f"{prefix}HTTP_PORT", port),
    ]
    if name in INTERNAL_PORTS:
        env.append(env_value(f"{prefix}INTERNAL_PORT", INTERNAL_PORTS[name]))
    env += [env_value(f"{prefix}{key}", value) for key, value in extra.items()]
    env += [
        env_value(f"{prefix}{key}", {"secretKeyRef": {"name": "cpaas-secrets", "key": secret}})
        for key, secret in secrets.items()
    ]

    def probe(path: str, period: int, failures: int) -> dict:
        return {"httpGet": {"path": path, "port": "http"}, "periodSeconds": period, "failureThreshold": failures}

    container = {
        "name": name,
        "image": IMAGE,
        "command": ["python", "-m", module],
        "ports": [{"name": "http", "containerPort": port}]
        + ([{"name": "internal", "containerPort": INTERNAL_PORTS[name]}] if name in INTERNAL_PORTS else []),
        "env": env,
        "startupProbe": probe("/healthz", 2, 60),
        "readinessProbe": probe("/readyz", 5, 2),
        "livenessProbe": probe("/healthz", 10, 3),
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
        "securityContext": {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - an emptyDir
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    # SIGTERM starts the service's own drain (in-flight work, then commits)
                    "terminationGracePeriodSeconds": GRACE_SECONDS + 15,
                    "securityContext": {"runAsUser": 10001, "runAsGroup": 10001, "fsGroup": 10001},
                    "containers": [container],
                    "volumes": [{"name": "tmp", "emptyDir": {}}],
                },
            },
        },
    }


def service(name: str, port: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app.kubernetes.io/part-of": "cpaas"}},
        "spec": {
            "selector": {"app.kubernetes.io/name": name},
            "ports": [{"name": "http", "port": port, "targetPort": "http"}]
            + (
                [{"name": "internal", "port": INTERNAL_PORTS[name], "targetPort": "internal"}]
                if name in INTERNAL_PORTS
                else []
            ),
        },
    }


def pdb(name: str) -> dict:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name, "namespace": NAMESPACE},
        "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": name}}},
    }


def ingress() -> dict:
    rules = [
        {
            "host": host,
            "http": {
                "paths": [
                    {
                        "path": "/",
                        "pathType": "Prefix",
                        "backend": {"service": {"name": name, "port": {"name": "http"}}},
                    }
                ]
            },
        }
        for name, host in PUBLIC.items()
    ]
    rules.append(
        {
            "host": "hooks.cpaas.example.com",  # providers' callbacks to the connectors
            "http": {
                "paths": [
                    {
                        "path": path,
                        "pathType": "Prefix",
                        "backend": {"service": {"name": name, "port": {"name": "http"}}},
                    }
                    for name, path in WEBHOOK_PATHS.items()
                ]
            },
        }
    )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {
            "name": "cpaas",
            "namespace": NAMESPACE,
            "annotations": {
                # the gateway's /internal/ routes are for the console only, inside the cluster
                "nginx.ingress.kubernetes.io/server-snippet": "location /internal/ { return 404; }",
            },
        },
        "spec": {"ingressClassName": "nginx", "rules": rules},
    }


def network_policy() -> dict:
    """Only the console may call the gateway's internal routes and billing's API: pods of
    the platform talk to each other; from outside, only through the Ingress."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "cpaas-internal", "namespace": NAMESPACE},
        "spec": {
            "podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "cpaas"}},
            "policyTypes": ["Ingress"],
            "ingress": [
                {"from": [{"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "cpaas"}}}]},
                {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}]},
            ],
        },
    }


def topics_job() -> dict:
    """Creates the platform's missing topics once (existing ones are left alone)."""
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "cpaas-topics", "namespace": NAMESPACE},
        "spec": {
            "backoffLimit": 10,
            "template": {
                "spec": {
                    "restartPolicy": "OnFailure",
                    "securityContext": {"runAsUser": 10001, "runAsGroup": 10001},
                    "containers": [
                        {
                            "name": "topics",
                            "image": IMAGE,
                            "command": ["python", "-m", "cpaas.platform.kafka_admin"],
                            "env": [
                                {
                                    "name": "CPAAS_KAFKA_BOOTSTRAP_SERVERS",
                                    "valueFrom": {
                                        "configMapKeyRef": {"name": "cpaas-config", "key": "kafka-bootstrap-servers"}
                                    },
                                }
                            ],
                        }
                    ],
                }
            },
        },
    }


def documents() -> dict[str, list[dict]]:
    files: dict[str, list[dict]] = {
        "namespace.yaml": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}],
        "config.yaml": [
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "cpaas-config", "namespace": NAMESPACE},
                "data": CONFIG,
            }
        ],
        "secrets.example.yaml": [
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "cpaas-secrets", "namespace": NAMESPACE},
                "type": "Opaque",
                "stringData": SECRET_KEYS,
            }
        ],
        "ingress.yaml": [ingress(), network_policy()],
        "topics-job.yaml": [topics_job()],
    }
    for name, module, port, prefix, replicas, extra, secrets in SERVICES:
        docs = [deployment(name, module, port, prefix, replicas, extra, secrets), service(name, port)]
        if replicas > 1:
            docs.append(pdb(name))
        files[f"{name}.yaml"] = docs
    resources = [f for f in files if f != "secrets.example.yaml"]
    files["kustomization.yaml"] = [
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}
    ]
    return files


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: object) -> bool:  # plain YAML: no &id anchors
        return True


def render() -> dict[str, str]:
    header = "# Generated by scripts/k8s.py; edit that, then run it.\n"
    return {
        name: header + "---\n".join(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120) for doc in docs)
        for name, docs in documents().items()
    }


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in render().items():
        (OUT / name).write_text(text)
    print(f"wrote {len(render())} files to {OUT.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
