"""docker-compose.yml is the production shape: checked by parsing it (there is no Docker engine here) and, when a
compose program is installed, by ``docker compose config``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "docker-compose.yml"
AIRFLOW = ["airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]
SECRETS = [
    "OUTCOMES_PSEUDONYM_KEY",
    "POSTGRES_PASSWORD",
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load(COMPOSE.read_text())


def test_default_services_and_the_celery_profile(compose):
    services = compose["services"]
    default = {name for name, s in services.items() if not s.get("profiles")}
    assert default == {"postgres", *AIRFLOW, "partner-api"}
    celery = {name for name, s in services.items() if "celery" in s.get("profiles", [])}
    assert celery == {"redis", "airflow-worker"}
    assert services["airflow-worker"]["command"] == "celery worker"
    env = services["airflow-scheduler"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "${AIRFLOW_EXECUTOR:-LocalExecutor}"  # CeleryExecutor by config
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"


@pytest.mark.parametrize("name", AIRFLOW[1:] + ["airflow-worker"])
def test_airflow_components_mount_the_project_and_the_data_volume(compose, name):
    service = compose["services"][name]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    for folder in ("dags", "dbt_project", "contracts", "expectations", "reference", "outcomes", "ingest", "publish"):
        assert mounts[f"/opt/outcomes/{folder}"] == f"./{folder}", folder
    assert mounts["/data/outcomes"] == "outcomes-data"
    assert "outcomes-data" in compose["volumes"]
    env = service["environment"]
    assert env["OUTCOMES_WORK_DIR"] == "/data/outcomes"
    assert env["OUTCOMES_IDENTIFIABLE_DIR"] == "/data/identifiable"
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/outcomes/dags"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://airflow:${POSTGRES_PASSWORD")
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert service["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
    assert service["depends_on"]["postgres"] == {"condition": "service_healthy"}


def project_packages() -> list[str]:
    """The Python packages pyproject.toml installs (``[tool.setuptools.packages.find] include``)."""
    import tomllib

    found = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]
    return sorted(pattern.rstrip("*") for pattern in found["include"])


def test_the_image_copies_every_package_the_project_installs(compose):
    """The image installs the project editable from /opt/outcomes: a package not copied in would be missing from
    it (every package in pyproject's list, each present in the repository)."""
    dockerfile = compose["x-airflow-common"]["build"]["dockerfile_inline"]
    copied = set(re.findall(r"^COPY --chown=airflow:root (\w+) /opt/outcomes/\1$", dockerfile, flags=re.M))
    packages = project_packages()
    assert {"config", "lake", "transform", "stats", "share", "pull"} <= set(packages)
    assert all((REPO / p / "__init__.py").exists() for p in packages)
    assert set(packages) <= copied, f"not copied into the image: {sorted(set(packages) - copied)}"


@pytest.mark.parametrize("name", AIRFLOW + ["airflow-worker"])
def test_every_airflow_component_mounts_every_package_and_the_declarations(compose, name):
    """Each component runs the mounted code and reads the declarations (contracts, measures, agreements)."""
    mounts = {v.split(":")[1]: v.split(":")[0] for v in compose["services"][name]["volumes"]}
    for folder in [*project_packages(), "contracts", "measures", "agreements", "reference"]:
        assert mounts.get(f"/opt/outcomes/{folder}") == f"./{folder}", folder


@pytest.mark.parametrize("name", AIRFLOW + ["airflow-worker"])
def test_the_identifiable_zone_is_a_volume_of_its_own_apart_from_the_pseudonymised_data(compose, name):
    """Landing, inbox and archive (raw NHS Numbers) sit on their own volume, so a deployment can put it on
    restricted storage; the pseudonymised working folder is another volume, neither inside the other."""
    service = compose["services"][name]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in service["volumes"]}
    env = service["environment"]
    zone, work = env["OUTCOMES_IDENTIFIABLE_DIR"], env["OUTCOMES_WORK_DIR"]
    assert mounts[zone] == "outcomes-identifiable" != mounts[work]
    assert "outcomes-identifiable" in compose["volumes"]
    assert not zone.startswith(work + "/") and not work.startswith(zone + "/")
    assert env["OUTCOMES_ARCHIVE_RETENTION_DAYS"] == "${OUTCOMES_ARCHIVE_RETENTION_DAYS:-30}"


def test_init_makes_the_zone_owner_only(compose):
    script = "\n".join(compose["services"]["airflow-init"]["command"])
    assert re.search(r"mkdir -p -m 700 /data/identifiable/landing /data/identifiable/inbox "
                     r"/data/identifiable/archive\n", script)
    assert "chmod 700 /data/identifiable\n" in script
    assert "/data/outcomes/landing" not in script


def test_every_long_running_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        if name != "airflow-init":
            assert service["healthcheck"]["test"], name


def test_init_migrates_and_creates_the_one_slot_warehouse_pool(compose):
    script = "\n".join(compose["services"]["airflow-init"]["command"])
    assert "airflow db migrate" in script
    assert re.search(r"airflow pools set warehouse 1\b", script)


def test_init_builds_the_warehouse_unless_this_code_built_it_whole_and_never_fails_on_it(compose):
    """Before any component starts (they wait for airflow-init), so there is no second writer; a failing build
    must not keep Airflow down (the transform DAG builds whole then, and alerts)."""
    script = "\n".join(compose["services"]["airflow-init"]["command"])
    line = next(line for line in script.splitlines() if line.startswith("outcomes build"))
    assert line.startswith("outcomes build --unless-current || ")
    assert script.index("airflow pools set warehouse") < script.index(line)


def test_secrets_come_from_the_environment_never_literals(compose):
    text = COMPOSE.read_text()
    for name in SECRETS:
        assert re.search(r"\$\{" + name + r":\?", text), f"{name} must be a required variable"
    env = compose["services"]["airflow-scheduler"]["environment"]
    assert env["OUTCOMES_PSEUDONYM_KEY"].startswith("${OUTCOMES_PSEUDONYM_KEY:?")
    for key, value in env.items():
        if any(word in key for word in ("KEY", "SECRET", "PASSWORD")) and not key.endswith("_FILE"):
            assert str(value).startswith("${"), key


def test_the_partner_api_serves_deliveries_from_the_data_volume_and_never_the_identifiable_zone(compose):
    """The partner API runs `outcomes serve` on port 8000 from the project's image, reads the agreements and the
    deliveries (the working folder's volume), and mounts nothing of the identifiable zone."""
    api = compose["services"]["partner-api"]
    assert api["entrypoint"] == ["outcomes", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert api["ports"] == ["${PARTNER_API_PORT:-8000}:8000"]
    mounts = {v.split(":")[1]: v.split(":")[0] for v in api["volumes"]}
    assert mounts["/data/outcomes"] == "outcomes-data" and mounts["/opt/outcomes/agreements"] == "./agreements"
    assert mounts["/opt/outcomes/share"] == "./share"
    assert "outcomes-identifiable" not in mounts.values() and "OUTCOMES_PSEUDONYM_KEY" not in api["environment"]
    assert api["environment"]["OUTCOMES_WORK_DIR"] == "/data/outcomes"
    assert "http://localhost:8000/health" in api["healthcheck"]["test"]


def _compose_program() -> list[str] | None:
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_docker_compose_config_accepts_the_file():
    program = _compose_program()
    if program is None:
        pytest.skip("no docker compose program installed")
    env = {"PATH": "/usr/bin:/bin", **{name: "x" * 32 for name in SECRETS}}
    for profile in ([], ["--profile", "celery"]):
        proc = subprocess.run(
            [*program, "-f", str(COMPOSE), *profile, "config", "--quiet"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
