"""The deployment files agree with the code: deploy/compose.yaml, deploy/Dockerfile, deploy/helm/hexad.

No container runtime or cluster here, so the files are parsed and checked: every HEXAD_* variable they
set is a setting `hexad.config.Settings` reads, every setting the distributed profile needs is set,
the settings they give validate and every command they run is a real `hexad` command. The chart is
linted and rendered with the helm binary of the `helm-binary` dev dependency (`.venv/bin/helm`), and the
rendered manifests are checked: what each process gets, where its settings come from, how the
overrides users set change it, and that `values.schema.json` (which helm enforces) refuses bad values.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from hexad.cli.app import app
from hexad.cli.scheduler_cmd import HEARTBEAT_FILE, HEARTBEAT_SECONDS
from hexad.config import Settings, load_settings
from hexad.observability.queue_depth import DEPTH, DEPTH_LABELS

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CHART = DEPLOY / "helm" / "hexad"
APP_SERVICES = ("migrate", "api", "worker", "scheduler")
# what every process of the distributed profile needs; the S3 endpoint only off AWS (MinIO here)
REQUIRED = {"profile", "database_url", "nats_url", "object_store_url", "jwt_secret"}
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


def test_every_command_compose_runs_is_a_hexad_command(compose: dict[str, Any]) -> None:
    runner = CliRunner()
    for name in APP_SERVICES:
        command = [str(word) for word in compose["services"][name]["command"]]
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0, f"hexad {' '.join(command)}: {result.output}"


# --- the Helm chart, rendered by helm

KUBE_VERSION = "1.29.0"  # a supported cluster (Chart.yaml: kubeVersion >=1.25)
SECRETS = ("secrets.databaseUrl=postgresql+psycopg://hexad@db:5432/hexad", f"secrets.jwtSecret={'j' * 40}")
COMPONENTS = ("api", "worker", "scheduler")
Manifest = dict[str, Any]


def _helm_binary() -> Path | None:
    """The venv's helm (helm-binary installs it beside python), else one on the PATH."""
    beside = Path(sys.executable).parent / "helm"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("helm")
    return Path(found) if found else None


class Helm:
    """Runs the helm binary on the chart with its own empty config, cache and data folders."""

    def __init__(self, binary: Path, home: Path) -> None:
        self.binary = binary
        self.environment = {
            **os.environ,
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_DATA_HOME": str(home / "data"),
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.binary), *args],
            capture_output=True,
            text=True,
            env=self.environment,
            timeout=60,
            check=False,
        )

    def template(
        self, *settings: str, json_settings: tuple[str, ...] = ()
    ) -> subprocess.CompletedProcess[str]:
        args = ["template", "t", str(CHART), "--kube-version", KUBE_VERSION]
        for item in settings:
            args += ["--set", item]
        for item in json_settings:
            args += ["--set-json", item]
        return self.run(*args)

    def render(self, *settings: str, json_settings: tuple[str, ...] = ()) -> list[Manifest]:
        """The manifests `helm template` renders with the required secrets and these settings."""
        result = self.template(*SECRETS, *settings, json_settings=json_settings)
        assert result.returncode == 0, result.stderr
        return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    binary = _helm_binary()
    if binary is None:
        reason = "no helm binary: `uv sync` installs it with the dev dependency helm-binary"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI needs helm: {reason}")
        pytest.skip(reason)
    return Helm(binary, tmp_path_factory.mktemp("helm"))


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    data = yaml.safe_load((CHART / "values.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def chart() -> dict[str, Any]:
    data = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def default(helm: Helm) -> list[Manifest]:
    return helm.render()


def find(manifests: list[Manifest], kind: str, name: str | None = None) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind and (name is None or m["metadata"]["name"] == name)]


def one(manifests: list[Manifest], kind: str, name: str) -> Manifest:
    found = find(manifests, kind, name)
    assert len(found) == 1, f"{len(found)} {kind} named {name}"
    return found[0]


def workloads(manifests: list[Manifest]) -> list[Manifest]:
    return find(manifests, "Deployment") + find(manifests, "Job")


def containers(manifests: list[Manifest]) -> list[dict[str, Any]]:
    return [c for w in workloads(manifests) for c in w["spec"]["template"]["spec"]["containers"]]


def is_hook(manifest: Manifest) -> bool:
    return "helm.sh/hook" in (manifest["metadata"].get("annotations") or {})


def test_the_chart_its_schema_and_its_default_values_are_valid(
    values: dict[str, Any], chart: dict[str, Any]
) -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(values, schema)
    assert chart["apiVersion"] == "v2" and chart["name"] == "hexad"


def test_every_values_path_a_template_reads_exists(values: dict[str, Any]) -> None:
    """helm renders a missing path as nothing, so a misspelt one would pass unnoticed."""
    for path_ in sorted((CHART / "templates").iterdir()):
        for dotted in re.findall(r"\.Values((?:\.[A-Za-z0-9_]+)+)", path_.read_text()):
            node: Any = values
            for key in dotted.strip(".").split("."):
                assert isinstance(node, dict) and key in node, (
                    f"{path_.name}: .Values{dotted} is not in values"
                )
                node = node[key]


def test_helm_lint_passes_strictly(helm: Helm) -> None:
    for args in ((), ("--set", SECRETS[0], "--set", SECRETS[1], "--kube-version", KUBE_VERSION)):
        result = helm.run("lint", "--strict", str(CHART), *args)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "1 chart(s) linted, 0 chart(s) failed" in result.stdout


def test_the_chart_renders_every_part_of_the_deployment(default: list[Manifest]) -> None:
    names = sorted((m["kind"], m["metadata"]["name"]) for m in default)
    assert names == sorted(
        [
            ("Deployment", "t-hexad-api"),
            ("Service", "t-hexad-api"),
            ("Ingress", "t-hexad"),
            ("PodDisruptionBudget", "t-hexad-api"),
            ("Deployment", "t-hexad-worker"),
            ("HorizontalPodAutoscaler", "t-hexad-worker"),
            ("PodDisruptionBudget", "t-hexad-worker"),
            ("Deployment", "t-hexad-scheduler"),
            ("ConfigMap", "t-hexad-config"),
            ("Secret", "t-hexad-secrets"),
            ("Job", "t-hexad-migrations"),
            ("ConfigMap", "t-hexad-migrations-config"),
            ("Secret", "t-hexad-migrations-secrets"),
        ]
    )


def test_selectors_match_the_pods_they_select(default: list[Manifest]) -> None:
    pods = {
        d["metadata"]["name"]: d["spec"]["template"]["metadata"]["labels"]
        for d in find(default, "Deployment")
    }
    for deployment in find(default, "Deployment"):
        labels = pods[deployment["metadata"]["name"]]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    api, worker = pods["t-hexad-api"], pods["t-hexad-worker"]
    assert one(default, "Service", "t-hexad-api")["spec"]["selector"].items() <= api.items()
    assert one(default, "PodDisruptionBudget", "t-hexad-api")["spec"]["selector"]["matchLabels"] == api
    assert one(default, "PodDisruptionBudget", "t-hexad-worker")["spec"]["selector"]["matchLabels"] == worker
    assert api != worker  # each budget covers one component only


def test_the_api_is_served_through_service_and_ingress(
    default: list[Manifest], values: dict[str, Any]
) -> None:
    container = one(default, "Deployment", "t-hexad-api")["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"] == [{"name": "http", "containerPort": values["api"]["port"]}]
    assert container["args"][container["args"].index("--port") + 1] == str(values["api"]["port"])
    assert container["startupProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    service = one(default, "Service", "t-hexad-api")["spec"]
    assert service["ports"] == [
        {"name": "http", "port": values["api"]["service"]["port"], "targetPort": "http"}
    ]
    rule = one(default, "Ingress", "t-hexad")["spec"]["rules"][0]
    assert rule["host"] == values["api"]["ingress"]["host"]
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "t-hexad-api", "port": {"name": "http"}}


def test_every_process_has_the_resources_and_security_values_give(
    default: list[Manifest], values: dict[str, Any]
) -> None:
    expected = {
        "api": values["api"]["resources"],
        "worker": values["worker"]["resources"],
        "scheduler": values["scheduler"]["resources"],
        "migrations": values["migrations"]["resources"],
    }
    for workload in workloads(default):
        pod = workload["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["resources"] == expected[container["name"]], container["name"]
        assert container["securityContext"]["readOnlyRootFilesystem"] is True
        assert pod["securityContext"]["runAsNonRoot"] is True
        # the read-only root leaves HEXAD_HOME and /tmp writable
        assert {m["mountPath"] for m in container["volumeMounts"]} == {"/var/lib/hexad", "/tmp"}


def test_the_worker_scales_on_the_queue_depth_the_code_exports(
    default: list[Manifest], values: dict[str, Any]
) -> None:
    hpa = one(default, "HorizontalPodAutoscaler", "t-hexad-worker")["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "t-hexad-worker"}
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
    (metric,) = hpa["metrics"]
    assert metric["type"] == "External"
    assert metric["external"]["metric"] == {"name": DEPTH, "selector": {"matchLabels": {"kind": "mailbox"}}}
    assert set(metric["external"]["metric"]["selector"]["matchLabels"]) <= set(DEPTH_LABELS)
    assert metric["external"]["target"] == {"type": "AverageValue", "averageValue": "100"}
    # the autoscaler owns the replica count: a fixed one would fight it on every upgrade
    assert "replicas" not in one(default, "Deployment", "t-hexad-worker")["spec"]
    budget = one(default, "PodDisruptionBudget", "t-hexad-worker")["spec"]
    assert budget["maxUnavailable"] == values["worker"]["podDisruptionBudget"]["maxUnavailable"]
    assert one(default, "PodDisruptionBudget", "t-hexad-api")["spec"]["minAvailable"] == 1


def test_the_workers_serve_metrics_on_the_port_prometheus_scrapes(default: list[Manifest]) -> None:
    pod = one(default, "Deployment", "t-hexad-worker")["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert container["args"] == ["worker", "--no-scheduler", "--metrics-port", "9464"]
    assert container["ports"] == [{"name": "metrics", "containerPort": 9464}]
    annotations = pod["metadata"]["annotations"]
    assert (annotations["prometheus.io/scrape"], annotations["prometheus.io/port"]) == ("true", "9464")
    assert annotations["prometheus.io/path"] == "/metrics"
    assert {"startupProbe", "livenessProbe"} <= set(container)


def test_the_scheduler_is_probed_on_the_heartbeat_file_it_writes(default: list[Manifest]) -> None:
    container = one(default, "Deployment", "t-hexad-scheduler")["spec"]["template"]["spec"]["containers"][0]
    home = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == "home")
    for probe in ("startupProbe", "livenessProbe"):
        command = " ".join(container[probe]["exec"]["command"])
        assert f"{home}/{HEARTBEAT_FILE}" in command and "-mmin -1" in command  # fresher than 60 s
    assert HEARTBEAT_SECONDS * 3 <= 60  # a healthy scheduler touches it several times a minute


def test_every_command_the_chart_runs_is_a_hexad_command(default: list[Manifest]) -> None:
    runner = CliRunner()
    commands = {c["name"]: c["args"] for c in containers(default)}
    assert set(commands) == {*COMPONENTS, "migrations"}
    assert commands["migrations"] == ["db", "upgrade"] and commands["scheduler"] == ["scheduler"]
    for name, command in commands.items():
        result = runner.invoke(app, [*command, "--help"], terminal_width=200)
        assert result.exit_code == 0, f"{name}: hexad {' '.join(command)}: {result.output}"


def test_the_migrations_run_as_a_hook_before_install_and_upgrade(default: list[Manifest]) -> None:
    job = one(default, "Job", "t-hexad-migrations")
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # hooks run before the release's resources exist: the Job reads hook copies made just before it
    env = {ref[k]["name"] for ref in job["spec"]["template"]["spec"]["containers"][0]["envFrom"] for k in ref}
    assert env == {"t-hexad-migrations-config", "t-hexad-migrations-secrets"}
    for kind, name in (("ConfigMap", "t-hexad-migrations-config"), ("Secret", "t-hexad-migrations-secrets")):
        copy = one(default, kind, name)["metadata"]["annotations"]
        assert copy["helm.sh/hook"] == annotations["helm.sh/hook"]
        assert int(copy["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    assert (
        one(default, "ConfigMap", "t-hexad-migrations-config")["data"]
        == (one(default, "ConfigMap", "t-hexad-config")["data"])
    )
    assert (
        one(default, "Secret", "t-hexad-migrations-secrets")["stringData"]
        == (one(default, "Secret", "t-hexad-secrets")["stringData"])
    )
    # the release's own settings are release resources: rollback restores them, uninstall removes them
    assert not is_hook(one(default, "ConfigMap", "t-hexad-config"))
    assert not is_hook(one(default, "Secret", "t-hexad-secrets"))
    assert not any(is_hook(m) for m in default if m["kind"] not in ("Job", "ConfigMap", "Secret"))


def test_every_process_reads_its_settings_from_the_configmap_and_secret(default: list[Manifest]) -> None:
    rendered = {(m["kind"], m["metadata"]["name"]) for m in default}
    for container in containers(default):
        assert "env" not in container, f"{container['name']}: settings belong in the ConfigMap or Secret"
        for reference in container["envFrom"]:
            ((key, target),) = reference.items()
            kind = {"configMapRef": "ConfigMap", "secretRef": "Secret"}[key]
            assert (kind, target["name"]) in rendered, f"{container['name']}: no {kind} {target['name']}"
    for name in COMPONENTS:
        (container,) = one(default, "Deployment", f"t-hexad-{name}")["spec"]["template"]["spec"]["containers"]
        refs = {k: v["name"] for ref in container["envFrom"] for k, v in ref.items()}
        assert refs == {"configMapRef": "t-hexad-config", "secretRef": "t-hexad-secrets"}, name


def test_the_settings_the_chart_gives_are_the_settings_the_code_reads(default: list[Manifest]) -> None:
    config = one(default, "ConfigMap", "t-hexad-config")["data"]
    secret = one(default, "Secret", "t-hexad-secrets")["stringData"]
    assert not set(config) & set(secret)
    environment = {**config, **secret}
    unknown = sorted(v for v in environment if setting(v) not in Settings.model_fields)
    assert not unknown, f"{unknown} are not settings of hexad.config"
    assert not REQUIRED - {setting(v) for v in environment}
    assert {"HEXAD_DATABASE_URL", "HEXAD_JWT_SECRET"} <= set(secret)  # never in the ConfigMap
    settings = load_settings(**{setting(k): v for k, v in environment.items()})
    assert settings.profile == "distributed" and settings.object_store_url == "s3://hexad-lake/lake"
    assert settings.database_url == "postgresql+psycopg://hexad@db:5432/hexad"


def test_images_and_tags_come_from_values(helm: Helm, default: list[Manifest], chart: dict[str, Any]) -> None:
    assert {c["image"] for c in containers(default)} == {f"hexad:{chart['appVersion']}"}
    rendered = helm.render(
        "image.repository=registry.example.com/msp/hexad",
        "image.tag=1.4.2",
        "image.pullPolicy=Always",
        json_settings=('imagePullSecrets=[{"name": "registry"}]',),
    )
    assert {c["image"] for c in containers(rendered)} == {"registry.example.com/msp/hexad:1.4.2"}
    assert {c["imagePullPolicy"] for c in containers(rendered)} == {"Always"}
    for workload in workloads(rendered):
        assert workload["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "registry"}]
    assert len(workloads(rendered)) == 4


def test_without_autoscaling_the_worker_runs_the_replicas_values_give(helm: Helm) -> None:
    rendered = helm.render(
        "worker.autoscaling.enabled=false", "worker.replicas=5", "worker.metrics.enabled=false"
    )
    assert not find(rendered, "HorizontalPodAutoscaler")
    worker = one(rendered, "Deployment", "t-hexad-worker")
    assert worker["spec"]["replicas"] == 5
    container = worker["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["worker", "--no-scheduler"] and "ports" not in container
    assert not any(
        k.startswith("prometheus.io/") for k in worker["spec"]["template"]["metadata"]["annotations"]
    )
    assert find(rendered, "PodDisruptionBudget", "t-hexad-worker")


def test_the_ingress_follows_its_values(helm: Helm) -> None:
    rendered = helm.render(
        "api.ingress.host=hexad.msp.example",
        "api.ingress.className=nginx",
        "api.ingress.tlsSecretName=hexad-tls",
        json_settings=('api.ingress.annotations={"cert-manager.io/cluster-issuer": "letsencrypt"}',),
    )
    ingress = one(rendered, "Ingress", "t-hexad")
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": "letsencrypt"}
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert ingress["spec"]["tls"] == [{"hosts": ["hexad.msp.example"], "secretName": "hexad-tls"}]
    assert ingress["spec"]["rules"][0]["host"] == "hexad.msp.example"
    assert not find(helm.render("api.ingress.enabled=false"), "Ingress")


def test_an_existing_secret_replaces_the_charts_secret(helm: Helm) -> None:
    # no secrets.* values at all: the existing secret holds them
    result = helm.template("existingSecret=hexad-credentials")
    assert result.returncode == 0, result.stderr
    rendered = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert not find(rendered, "Secret")
    for container in containers(rendered):
        secrets = [ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref]
        assert secrets == ["hexad-credentials"], container["name"]
    for deployment in find(rendered, "Deployment"):
        assert "checksum/secret" not in deployment["spec"]["template"]["metadata"]["annotations"]


def test_the_secrets_are_required_without_an_existing_secret(helm: Helm) -> None:
    assert "secrets.databaseUrl is required" in helm.template().stderr
    assert "secrets.jwtSecret is required" in helm.template(SECRETS[0]).stderr


def test_a_changed_setting_rolls_the_pods(helm: Helm, default: list[Manifest]) -> None:
    """Pods read envFrom only when they start: the checksums in their template make helm roll them."""

    def checksums(manifests: list[Manifest]) -> dict[str, dict[str, str]]:
        return {
            d["metadata"]["name"]: {
                k: v
                for k, v in d["spec"]["template"]["metadata"]["annotations"].items()
                if k.startswith("checksum/")
            }
            for d in find(manifests, "Deployment")
        }

    before = checksums(default)
    assert all(set(c) == {"checksum/config", "checksum/secret"} for c in before.values())
    config = checksums(helm.render("config.logLevel=DEBUG"))
    secret = checksums(helm.render(f"secrets.jwtSecret={'k' * 40}"))
    for name, sums in before.items():
        assert config[name]["checksum/config"] != sums["checksum/config"], name
        assert config[name]["checksum/secret"] == sums["checksum/secret"], name
        assert secret[name]["checksum/secret"] != sums["checksum/secret"], name
    assert checksums(helm.render()) == before  # the same values render the same sums


@pytest.mark.parametrize(
    ("setting_", "message"),
    [
        ("config.profile=embedded", "config.profile"),
        ("config.objectStoreUrl=file:///data/lake", "config.objectStoreUrl"),
        ("config.natsUrl=http://nats:4222", "config.natsUrl"),
        ("secrets.databaseUrl=sqlite:///hexad.db", "secrets.databaseUrl"),
        ("secrets.jwtSecret=short", "secrets.jwtSecret"),
        ("worker.autoscaling.minReplicas=0", "worker.autoscaling.minReplicas"),
        ("api.resources.limits.memory=lots", "api.resources.limits.memory"),
        ("config.unknownSetting=x", "unknownSetting"),
        ("worker.autoscaling.metricSelector.queue=mailbox-", "worker.autoscaling.metricSelector.queue"),
        ("image.pullPolicy=Sometimes", "image.pullPolicy"),
        ("api.service.type=Headless", "api.service.type"),
    ],
)
def test_helm_refuses_values_the_schema_refuses(helm: Helm, setting_: str, message: str) -> None:
    result = helm.template(*SECRETS, setting_)
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert message in result.stderr


def test_helm_refuses_clusters_older_than_the_chart_supports(helm: Helm) -> None:
    result = helm.run(
        "template", "t", str(CHART), "--kube-version", "1.24.0", "--set", SECRETS[0], "--set", SECRETS[1]
    )
    assert result.returncode != 0 and "requires kubeVersion" in result.stderr
