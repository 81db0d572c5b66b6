"""deploy/nginx.conf run by Debian's nginx on 127.0.0.1 in front of a backend port, as
docker-compose runs it in front of gunicorn; for the tests and benchmarks of the proxy."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from tests.servers import BASE_DIR, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_CONFIG = BASE_DIR / "deploy" / "nginx.conf"


def nginx_unavailable():
    """Why nginx can't run here, or None."""
    if not os.path.exists(NGINX):
        return "no nginx: `make test` installs Debian's package when it runs as root"
    if os.geteuid() != 0:
        return "nginx writes its compiled-in temporary folders (/var/lib/nginx) only as root"
    return None


def require_nginx():
    """Skip the calling test without nginx, saying why; under CI=true, fail instead."""
    reason = nginx_unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def on_loopback(config, backend_port, port):
    """The configuration with docker-compose's names replaced by ports on 127.0.0.1."""
    assert config.count("listen 80;") == 1
    assert "server app:8000" in config
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};")
    return config.replace("server app:8000", f"server 127.0.0.1:{backend_port}")


@contextlib.contextmanager
def running_nginx(folder, backend_port, *, config_file=NGINX_CONFIG):
    """nginx with config_file (deploy/nginx.conf) in folder, in front of backend_port; yields
    the port it listens on, and stops it afterwards."""
    port = free_port()
    config = folder / "nginx.conf"
    config.write_text(on_loopback(config_file.read_text(), backend_port, port))
    process = subprocess.Popen(
        [NGINX, "-p", str(folder), "-c", str(config), "-g", f"daemon off; pid {folder}/nginx.pid;"],
        stdout=subprocess.DEVNULL,
        stderr=sys.stderr,
    )
    try:
        _wait_until_listening(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(30)


def _wait_until_listening(port, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited early"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nginx did not listen on port {port} within {timeout} s")
