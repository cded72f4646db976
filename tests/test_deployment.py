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


def compose(*args: str, password: str | None = "s3cret") -> subprocess.CompletedProcess:
    if shutil.which("docker-compose") is None:
        message = "docker-compose is missing: `make test` installs Debian's docker-compose"
        if os.environ.get("CI") == "true":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    env = {k: v for k, v in os.environ.items() if k != "POSTGRES_PASSWORD"}
    if password is not None:
        env["POSTGRES_PASSWORD"] = password
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
    assert set(result.stdout.split()) == {
        "postgres",
        "redis",
        "migrate",
        "api",
        "worker",
        "worker-cpu",
        "flower",
    }


def test_compose_refuses_to_start_without_a_database_password() -> None:
    result = compose("config", "-q", password=None)
    assert result.returncode != 0
    assert "POSTGRES_PASSWORD" in result.stderr


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
        assert env["DIVELAB_REDIS_URL"] == "redis://redis:6379/0"
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
