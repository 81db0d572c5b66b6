"""Settings come from the environment, parse strictly, and pass Django's deploy checks."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from newsarchive import env

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "NEWSARCHIVE_ENV": "production",
    "SECRET_KEY": "x7$kq!2vR9#mWp4Lz8@nT1&bY6^hJ3*cF5(dG0)sA-eU+iO=uK~",
    "ALLOWED_HOSTS": "archive.example.org",
}


def manage(*args, **environment):
    """Run manage.py in a fresh process with the given environment on top of this one's."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "newsarchive.settings", **environment},
        capture_output=True,
        text=True,
        timeout=120,
    )


def without_a_database(tmp_path):
    """No DATABASE_URL, and an embedded server folder that would show if anything started one."""
    return {"DATABASE_URL": "", "EMBEDDED_POSTGRES_DIR": str(tmp_path / "postgres")}


def set_up_django(code, tmp_path):
    """Run code after django.setup() in a fresh process with the project's settings, no database."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsarchive.settings"}
    return subprocess.run(
        [sys.executable, "-c", "import django, sys\ndjango.setup()\n" + textwrap.dedent(code)],
        cwd=BASE_DIR,
        env={**environment, **without_a_database(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_importing_the_settings_starts_no_database(tmp_path):
    result = set_up_django("print('embedded_postgres' in sys.modules)", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
    assert not (tmp_path / "postgres").exists()


def test_without_a_database_url_any_database_use_fails_with_improperly_configured(tmp_path):
    result = set_up_django(
        """
        from django.contrib.auth.models import User
        User.objects.count()
        """,
        tmp_path,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: settings.DATABASES is improperly configured" in result.stderr
    assert not (tmp_path / "postgres").exists()


def test_production_collects_static_files_without_a_database(tmp_path):
    result = manage(
        "collectstatic",
        "--noinput",
        **PRODUCTION,
        **without_a_database(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert not (tmp_path / "postgres").exists(), "production must never start an embedded server"


def test_the_system_check_passes():
    result = manage("check", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr


def test_no_model_change_lacks_a_migration():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize("allowed_hosts", ["*", "archive.example.org,*", "*.example.org"])
def test_production_refuses_a_wildcard_in_allowed_hosts(allowed_hosts):
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": allowed_hosts})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS may not hold a wildcard ('*')" in result.stderr


def test_production_accepts_a_domain_with_its_subdomains():
    result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": ".example.org,localhost"})
    assert result.returncode == 0, result.stderr


def test_development_still_accepts_any_host_when_told_to():
    result = manage("check", ALLOWED_HOSTS="*")
    assert result.returncode == 0, result.stderr


def test_forwarded_addresses_are_trusted_from_loopback_by_default():
    assert [str(network) for network in settings.TRUSTED_PROXY_ADDRESSES] == [
        "127.0.0.0/8",
        "::1/128",
    ]


def test_production_refuses_debug():
    result = manage("check", **PRODUCTION, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


def test_production_refuses_to_let_captures_reach_loopback_addresses():
    result = manage("check", **PRODUCTION, CAPTURE_ALLOW_LOOPBACK="true")
    assert result.returncode != 0
    assert "CAPTURE_ALLOW_LOOPBACK must be off in production" in result.stderr


def test_captures_reach_loopback_addresses_only_when_told_to():
    assert settings.CAPTURE_ALLOW_LOOPBACK is False  # the default: this run does not set it
    printed = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.CAPTURE_ALLOW_LOOPBACK)",
        CAPTURE_ALLOW_LOOPBACK="true",
    )
    assert printed.stdout.splitlines()[-1] == "True"


def test_a_malformed_value_stops_start_up_with_a_clear_message():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda: env.env_bool("SETTING", False), "yes please", "not a boolean"),
        (lambda: env.env_int("SETTING", 1), "ten", "not a whole number"),
        (lambda: env.env_int("SETTING", 1), "-5", "at least 0"),
        (lambda: env.env_list("SETTING", []), "a,,b", "empty item"),
        (lambda: env.env_choice("SETTING", "a", ["a", "b"]), "c", "must be one of"),
        (lambda: env.env_networks("SETTING", []), "10.0.0.1,nginx", "'nginx' is not an IP"),
        (lambda: env.env_networks("SETTING", []), "10.0.0.0/33", "is not an IP address"),
    ],
)
def test_env_readers_reject_bad_values(monkeypatch, reader, value, message):
    monkeypatch.setenv("SETTING", value)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()


def test_env_readers_parse_good_values(monkeypatch):
    monkeypatch.setenv("SETTING", " On ")
    assert env.env_bool("SETTING", False) is True
    monkeypatch.setenv("SETTING", "a.example, b.example")
    assert env.env_list("SETTING", []) == ["a.example", "b.example"]
    monkeypatch.setenv("SETTING", "10.231.21.10, 172.18.0.0/16, ::1")
    assert [str(network) for network in env.env_networks("SETTING", [])] == [
        "10.231.21.10/32",
        "172.18.0.0/16",
        "::1/128",
    ]
    monkeypatch.delenv("SETTING")
    assert env.env_int("SETTING", 7) == 7
