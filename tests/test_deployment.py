"""docker-compose.yml, the Dockerfile targets and .env.example, checked statically."""

import os
import re
import shutil
import subprocess
import tomllib

import pytest
import yaml

from core.settings import Settings
from tests.support import ROOT

SERVICES = {"postgres", "redis", "migrate", "api", "worker", "worker-cpu", "flower"}
WORKERS = ("worker", "worker-cpu")


def compose(
    *args: str,
    password: str | None = "s3cret",
    redis_password: str | None = "r3dis",
    extra_env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    if shutil.which("docker-compose") is None:
        message = "docker-compose is missing: `make test` installs Debian's docker-compose"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    secrets = {"POSTGRES_PASSWORD": password, "REDIS_PASSWORD": redis_password}
    env = {k: v for k, v in os.environ.items() if k not in secrets}
    env.update({k: v for k, v in secrets.items() if v is not None})
    env.update(extra_env or {})
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )


def test_compose_file_is_valid_with_every_profile() -> None:
    result = compose("--profile", "cpu", "--profile", "monitoring", "config", "--services")
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == SERVICES


def all_services() -> dict:
    result = compose("--profile", "cpu", "--profile", "monitoring", "config")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert set(services) == SERVICES
    return services


def test_compose_refuses_to_start_without_a_database_password() -> None:
    result = compose("config", "-q", password=None)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


def test_compose_refuses_to_start_without_a_redis_password() -> None:
    result = compose("config", "-q", redis_password=None)
    assert result.returncode != 0
    assert "REDIS_PASSWORD" in result.stderr
    assert compose("config", "-q", redis_password="").returncode != 0  # empty is no password


def test_redis_requires_the_password_and_every_client_sends_it() -> None:
    services = all_services()
    redis = services["redis"]
    command = redis["command"]
    assert command[command.index("--requirepass") + 1] == "r3dis"
    assert redis["environment"]["REDISCLI_AUTH"] == "r3dis"  # the healthcheck authenticates
    assert "PONG" in " ".join(redis["healthcheck"]["test"])  # NOAUTH must not pass as healthy
    clients = {
        name for name, service in services.items() if "DIVELAB_REDIS_URL" in service["environment"]
    }
    assert clients == {"migrate", "api", "worker", "worker-cpu", "flower"}
    for name in clients:
        assert services[name]["environment"]["DIVELAB_REDIS_URL"] == "redis://:r3dis@redis:6379/0"


def test_every_service_is_confined_and_limited() -> None:
    for name, service in all_services().items():
        assert "no-new-privileges:true" in service.get("security_opt", []), name
        assert service.get("mem_limit"), name
        assert int(service.get("pids_limit", 0)) > 0, name  # compose v1 prints a string


def test_resource_limits_can_be_set_in_the_env_file() -> None:
    result = compose(
        "config", extra_env={"DIVELAB_WORKER_MEMORY": "24g", "DIVELAB_API_PIDS": "512"}
    )
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert str(services["worker"]["mem_limit"]).lower() in ("24g", str(24 * 1024**3))
    assert int(services["api"]["pids_limit"]) == 512
    example = (ROOT / ".env.example").read_text()
    compose_file = (ROOT / "docker-compose.yml").read_text()
    for variable in set(re.findall(r"\$\{(DIVELAB_\w+_(?:MEMORY|PIDS)):-", compose_file)):
        assert re.search(rf"^#?\s*{variable}=\S", example, re.MULTILINE), variable


def test_the_api_and_the_workers_have_healthchecks() -> None:
    services = all_services()
    api_check = " ".join(services["api"]["healthcheck"]["test"])
    assert "urllib" in api_check and "http://127.0.0.1:8000/api/health" in api_check
    for name in WORKERS:
        check = " ".join(services[name]["healthcheck"]["test"])
        assert "celery -A core.celery_app inspect ping" in check, name
        # `$$` in the file is the container's $HOSTNAME (the Celery node's default name).
        assert "celery@$$HOSTNAME" in check or "celery@$HOSTNAME" in check, name
    for name in ("api", *WORKERS):
        healthcheck = services[name]["healthcheck"]
        assert {"interval", "timeout", "retries", "start_period"} <= set(healthcheck), name


def test_the_build_context_leaves_out_secrets_and_local_environments() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git", ".venv", "**/node_modules", "frontend/dist"} <= ignored
    for needed in ("README.md", "pyproject.toml", "requirements.lock", "frontend"):
        assert needed not in ignored  # the Dockerfile copies these


def test_the_ui_stage_installs_dependencies_before_copying_the_sources() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    ui_stage = dockerfile.split(" AS ui", 1)[1].split("\nFROM ", 1)[0]
    lines = [line.strip() for line in ui_stage.splitlines()]
    npm_ci = lines.index("RUN npm ci")
    copy_sources = next(i for i, line in enumerate(lines) if line.startswith("COPY frontend/ "))
    assert npm_ci < copy_sources
    assert all("node_modules" not in line for line in lines if line.startswith("COPY"))


def test_services_are_wired_as_documented() -> None:
    result = compose("--profile", "cpu", "config")
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    gpu = services["worker"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia" and gpu["capabilities"] == ["gpu"]
    assert "deploy" not in services["worker-cpu"]
    assert services["worker-cpu"]["environment"]["DIVELAB_DEVICE"] == "cpu"
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("postgres", "redis"):
        assert "healthcheck" in services[name]
    for name in ("migrate", "api", "worker"):
        env = services[name]["environment"]
        assert env["DIVELAB_AUTH"] == "classroom"  # a class's server signs learners in
        assert env["DIVELAB_REDIS_URL"] == "redis://:r3dis@redis:6379/0"
        assert env["DIVELAB_DATABASE_URL"].startswith("postgresql+psycopg://divelab:s3cret@")
    port = services["api"]["ports"][0]  # compose v1 prints "ip:host:container", v2 a mapping
    host_ip = port["host_ip"] if isinstance(port, dict) else port.split(":")[0]
    assert host_ip == "127.0.0.1"


def test_the_api_image_has_no_torch_and_the_worker_image_does() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("torch") for dep in project["dependencies"])
    assert "torch==2.13.0" in project["optional-dependencies"]["worker"]
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    api_stage = dockerfile.split("FROM base AS api", 1)[1].split("FROM ", 1)[0]
    worker_stage = dockerfile.split("FROM base AS worker", 1)[1].split("FROM ", 1)[0]
    assert "-e .\n" in api_stage and "[worker]" not in api_stage
    assert '-e ".[worker]"' in worker_stage


def test_env_example_lists_every_setting() -> None:
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*(DIVELAB_[A-Z0-9_]+)=", example, re.MULTILINE))
    expected = {f"DIVELAB_{name.upper()}" for name in Settings.model_fields}
    assert expected <= listed, expected - listed
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.MULTILINE)  # no usable default
    assert re.search(r"^REDIS_PASSWORD=$", example, re.MULTILINE)
