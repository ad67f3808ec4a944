"""The deployment files agree with the code: deploy/compose.yaml, deploy/Dockerfile, deploy/helm/hexad.

No container runtime or cluster here, so the files are parsed and checked: every HEXAD_* variable they
set is a setting `hexad.config.Settings` reads, every setting the distributed profile needs is set,
the settings they give validate, every command they run is a real `hexad` command, the chart's values
match `values.schema.json`, and every `.Values` path a template reads exists. `helm template` renders
the chart too when a helm binary is on the PATH.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.config import Settings, load_settings
from hexad.observability.queue_depth import DEPTH, DEPTH_LABELS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CHART = DEPLOY / "helm" / "hexad"
APP_SERVICES = ("migrate", "api", "worker", "scheduler")
# what every process of the distributed profile needs; the S3 endpoint only off AWS (MinIO here)
REQUIRED = {"profile", "database_url", "nats_url", "object_store_url", "jwt_secret"}
_VARIABLE = re.compile(r"\bHEXAD_[A-Z0-9_]+\b")
_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::[-?]([^}]*))?\}")


def setting(variable: str) -> str:
    """The Settings field a HEXAD_* variable sets (pydantic-settings: prefix off, case-insensitive)."""
    return variable.removeprefix("HEXAD_").lower()


def interpolate(value: str, environment: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` with the given environment."""

    def replace(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        if name in environment:
            return environment[name]
        if fallback is None or match.group(0).startswith(f"${{{name}:?"):
            raise AssertionError(f"compose variable {name} has no default: {fallback}")
        return fallback

    return _INTERPOLATION.sub(replace, value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_runs_the_whole_distributed_profile(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres", "nats", "minio", "api", "worker", "scheduler", "web", "migrate"} <= set(services)
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "-js" in services["nats"]["command"]
    assert services["postgres"]["image"].startswith("postgres:")
    for name in APP_SERVICES:
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["build"]["target"] == "app"
    assert services["web"]["build"]["target"] == "web"
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM .+ AS app$", dockerfile, re.MULTILINE)
    assert re.search(r"^FROM .+ AS web$", dockerfile, re.MULTILINE)
    assert 'ENTRYPOINT ["hexad"]' in dockerfile


def test_compose_sets_only_settings_the_code_reads_and_every_required_one(compose: dict[str, Any]) -> None:
    fields = set(Settings.model_fields)
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        unknown = sorted(v for v in environment if setting(v) not in fields)
        assert not unknown, f"compose service {name}: {unknown} are not settings of hexad.config"
        missing = sorted((REQUIRED | {"s3_endpoint_url"}) - {setting(v) for v in environment})
        assert not missing, f"compose service {name}: no HEXAD_ variable for {missing}"


def test_the_settings_compose_gives_validate(compose: dict[str, Any]) -> None:
    given = {"HEXAD_JWT_SECRET": "x" * 40}
    environment = compose["services"]["api"]["environment"]
    values = {setting(k): interpolate(str(v), given) for k, v in environment.items()}
    settings = load_settings(**values)
    assert settings.profile == "distributed"
    assert settings.database_url is not None and settings.database_url.startswith("postgresql+psycopg://")
    assert settings.object_store_url == "s3://hexad-lake/lake"
    assert settings.s3_endpoint_url == "http://minio:9000"


def test_compose_needs_a_jwt_secret(compose: dict[str, Any]) -> None:
    with pytest.raises(AssertionError, match="HEXAD_JWT_SECRET has no default"):
        interpolate(compose["services"]["api"]["environment"]["HEXAD_JWT_SECRET"], {})


def _commands(compose: dict[str, Any]) -> list[list[str]]:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    found = [compose["services"][name]["command"] for name in APP_SERVICES]
    found += [values["worker"]["args"], values["scheduler"]["args"], ["db", "upgrade"], ["serve"]]
    return [[str(word) for word in command] for command in found]


def test_every_command_the_files_run_is_a_hexad_command(compose: dict[str, Any]) -> None:
    runner = CliRunner()
    for command in _commands(compose):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, f"hexad {' '.join(command)}: {result.output}"
    templates = (CHART / "templates" / "api.yaml").read_text()
    assert 'args: ["serve", "--host", "0.0.0.0", "--port"' in templates


# --- the Helm chart


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    data = yaml.safe_load((CHART / "values.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    data = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(data)
    assert isinstance(data, dict)
    return data


def _templates() -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted((CHART / "templates").iterdir())}


def test_the_chart_and_its_values_are_valid(values: dict[str, Any], schema: dict[str, Any]) -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "hexad"
    jsonschema.validate(values, schema)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("config", "profile"), "embedded"),
        (("config", "objectStoreUrl"), "file:///data/lake"),
        (("config", "natsUrl"), "http://nats:4222"),
        (("secrets", "databaseUrl"), "sqlite:///hexad.db"),
        (("secrets", "jwtSecret"), "short"),
        (("worker", "autoscaling", "minReplicas"), 0),
        (("api", "resources", "limits", "memory"), "lots"),
        (("config", "unknownSetting"), "x"),
        (("worker", "autoscaling", "metricSelector"), {"queue": "mailbox-"}),  # not a label value
    ],
)
def test_the_values_schema_refuses_bad_values(
    values: dict[str, Any], schema: dict[str, Any], path: tuple[str, ...], value: Any
) -> None:
    changed = json.loads(json.dumps(values))
    node = changed
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(changed, schema)


def test_every_values_path_a_template_reads_exists(values: dict[str, Any]) -> None:
    for name, text in _templates().items():
        for path in re.findall(r"\.Values((?:\.[A-Za-z0-9_]+)+)", text):
            node: Any = values
            for key in path.strip(".").split("."):
                assert isinstance(node, dict) and key in node, (
                    f"templates/{name}: .Values{path} is not in values"
                )
                node = node[key]


def test_the_chart_sets_only_settings_the_code_reads_and_every_required_one() -> None:
    templates = _templates()
    fields = set(Settings.model_fields)
    for name, text in templates.items():
        unknown = sorted(v for v in set(_VARIABLE.findall(text)) if setting(v) not in fields)
        assert not unknown, f"templates/{name}: {unknown} are not settings of hexad.config"
    given = {setting(v) for v in _VARIABLE.findall(templates["configmap.yaml"] + templates["secret.yaml"])}
    assert not REQUIRED - given, f"the chart's ConfigMap and Secret do not set {sorted(REQUIRED - given)}"
    for name in ("api.yaml", "worker.yaml", "scheduler.yaml", "migrations-job.yaml"):
        assert 'include "hexad.envFrom"' in templates[name], f"templates/{name} does not load the settings"


def test_the_chart_has_every_part_of_the_deployment() -> None:
    text = "\n".join(_templates().values())
    kinds = re.findall(r"^kind: (\w+)$", text, re.MULTILINE)
    assert kinds.count("Deployment") == 3  # api, worker, scheduler
    assert kinds.count("PodDisruptionBudget") == 2
    for kind in ("Service", "Ingress", "HorizontalPodAutoscaler", "Job", "ConfigMap", "Secret"):
        assert kind in kinds, kind
    assert "type: External" in text  # the worker autoscaler follows queue depth
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert probe in _templates()["api.yaml"]
    assert "path: /readyz" in text and "path: /healthz" in text


def test_the_worker_autoscaler_reads_the_queue_depth_the_code_exports(values: dict[str, Any]) -> None:
    autoscaling = values["worker"]["autoscaling"]
    assert autoscaling["metricName"] == DEPTH
    selector = autoscaling.get("metricSelector") or {}
    assert set(selector) <= set(DEPTH_LABELS), f"the code labels {DEPTH} by {DEPTH_LABELS} only"
    assert selector.get("kind") in (None, "mailbox")  # the agents' mailboxes: kind="mailbox"


def test_the_workers_serve_metrics_on_the_port_the_chart_scrapes(values: dict[str, Any]) -> None:
    text = _templates()["worker.yaml"]
    passed = r"- --metrics-port\s+- \{\{ \.Values\.worker\.metrics\.port \| quote \}\}"
    assert re.search(passed, text), "the worker template does not pass --metrics-port"
    assert "containerPort: {{ .Values.worker.metrics.port }}" in text
    assert "prometheus.io/port: {{ .Values.worker.metrics.port | quote }}" in text
    assert "--metrics-port" not in values["worker"]["args"]  # the template adds it once
    result = CliRunner().invoke(app, ["worker", "--help"], terminal_width=200)
    assert result.exit_code == 0 and "--metrics-port" in result.output


@pytest.mark.skipif(shutil.which("helm") is None, reason="no helm binary on this machine")
def test_helm_renders_the_chart() -> None:
    rendered = subprocess.run(
        [
            "helm",
            "template",
            "t",
            str(CHART),
            "--set",
            "secrets.databaseUrl=postgresql://h@db/h",
            "--set",
            f"secrets.jwtSecret={'x' * 40}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    kinds = [doc["kind"] for doc in yaml.safe_load_all(rendered) if doc]
    assert kinds.count("Deployment") == 3 and "HorizontalPodAutoscaler" in kinds and "Job" in kinds
