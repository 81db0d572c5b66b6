"""docker-compose.yml and the Dockerfile: no Docker engine runs here, so check what they say."""

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_the_database_is_postgresql_18_with_a_healthcheck_and_a_named_volume():
    database = compose()["services"]["db"]
    assert database["image"] == "postgres:18"
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    volume, mount = database["volumes"][0].split(":")
    assert volume in compose()["volumes"]
    assert mount == "/var/lib/postgresql"  # the volume of 18+ images, not .../data


def test_the_databases_settings_are_the_embedded_servers_sizing_for_16_gb():
    from newsarchive.database import tuned_settings

    command = compose()["services"]["db"]["command"]
    assert command[0] == "postgres" and command[1::2] == ["-c"] * (len(command) // 2)
    settings = dict(setting.split("=") for setting in command[2::2])
    assert settings == tuned_settings(16 * 2**30)


def test_the_app_waits_for_a_healthy_database_and_runs_in_production_mode():
    app = compose()["services"]["app"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["environment"]["NEWSARCHIVE_ENV"] == "production"
    assert app["environment"]["DATABASE_URL"].startswith("postgres://")
    assert "@db:5432/newsarchive" in app["environment"]["DATABASE_URL"]


def test_the_image_migrates_then_serves_with_gunicorn_from_its_configuration_file():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    command = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert command.index("migrate") < command.index("gunicorn --config deploy/gunicorn.conf.py")
    assert "collectstatic --noinput" in dockerfile


def test_only_nginx_is_published_and_it_runs_the_repositorys_configuration():
    services = compose()["services"]
    assert "ports" not in services["app"]  # reachable only through nginx
    proxy = services["proxy"]
    assert proxy["image"].startswith("nginx:")
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    assert proxy["ports"] == ["127.0.0.1:8000:80"]
    assert "server app:8000 max_fails=0;" in (BASE_DIR / "deploy" / "nginx.conf").read_text()


def test_queue_workers_run_from_the_app_s_image_on_its_database_and_can_be_scaled():
    services = compose()["services"]
    worker, app = services["worker"], services["app"]
    assert worker["build"] == app["build"]
    assert worker["command"] == ["python", "manage.py", "procrastinate", "worker"]
    assert worker["environment"]["DATABASE_URL"] == app["environment"]["DATABASE_URL"]
    assert worker["environment"]["NEWSARCHIVE_ENV"] == "production"
    # --scale starts several: nothing in it may be one of a kind.
    assert not {"ports", "container_name", "networks"} & set(worker)


def test_nginx_tries_a_get_again_when_its_worker_dies_but_never_a_post():
    """What tests/test_nginx_retries.py checks with nginx running, read where nginx is absent."""
    config = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    assert config.count("server app:8000 max_fails=0;") == 2  # a second entry to try
    assert "proxy_next_upstream error;" in config  # not non_idempotent: never a POST
    assert "proxy_next_upstream_tries 2;" in config


@pytest.mark.parametrize(("allowed_hosts", "path", "healthy"), [
    ("localhost,archive.example.org", "/health/", True),
    (".localhost", "/health/", True),
    ("*", "/health/", True),
    ("localhost", "/no-such-page/", False),
])  # fmt: skip
def test_the_apps_healthcheck_asks_health_as_an_allowed_host(
    live_server, allowed_hosts, path, healthy
):
    """docker-compose's healthcheck of the app, run against the live server."""
    (*_, code) = compose()["services"]["app"]["healthcheck"]["test"]
    assert "http://127.0.0.1:8000/health/" in code
    code = code.replace("http://127.0.0.1:8000/health/", live_server.url + path)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "ALLOWED_HOSTS": allowed_hosts},
        capture_output=True,
        timeout=30,
    )
    assert (result.returncode == 0) == healthy, result.stderr


def test_the_app_trusts_forwarded_addresses_only_from_nginxs_fixed_address():
    services, network = compose()["services"], compose()["networks"]["default"]
    nginx_address = services["proxy"]["networks"]["default"]["ipv4_address"]
    assert services["app"]["environment"]["TRUSTED_PROXY_ADDRESSES"] == nginx_address
    subnet = network["ipam"]["config"][0]["subnet"]
    assert ipaddress.ip_address(nginx_address) in ipaddress.ip_network(subnet)
