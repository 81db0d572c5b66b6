"""Settings come from the environment, parse strictly, and pass Django's deploy checks."""

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from newsarchive import env

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


def test_production_refuses_debug():
    result = manage("check", **PRODUCTION, DEBUG="true")
    assert result.returncode != 0
    assert "DEBUG must be off" in result.stderr


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
    monkeypatch.delenv("SETTING")
    assert env.env_int("SETTING", 7) == 7
