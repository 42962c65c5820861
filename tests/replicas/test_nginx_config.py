"""docker/nginx/nginx.conf, rendered for local ports the way the topology tests run it, is
accepted by ``nginx -t``; and docker/compose.yaml names the replicas and files it uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.replicas.topology import CACHE_INCLUDE, cache_summary, check_config, render_nginx

COMPOSE = ROOT / "docker" / "compose.yaml"


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_the_nginx_configuration_parses(tmp_path: Path, cache: bool) -> None:
    main = render_nginx(tmp_path, 18080, [18081, 18082], cache=cache)
    result = check_config(main)
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_nginx_t_rejects_a_broken_configuration(tmp_path: Path) -> None:
    # The check above can fail: a directive nginx does not know is refused.
    main = render_nginx(tmp_path, 18080, [18081], cache=True)
    (tmp_path / CACHE_INCLUDE).write_text("proxy_cache_frobnicate on;\n")
    result = check_config(main)
    assert result.returncode != 0
    assert "proxy_cache_frobnicate" in result.stderr


def test_compose_runs_two_replicas_on_postgresql_behind_this_nginx() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    nginx_conf = (ROOT / "docker" / "nginx" / "nginx.conf").read_text()
    replicas = [name for name in services if name.startswith("terminology-")]
    assert replicas == ["terminology-1", "terminology-2"]
    for name in replicas:
        service = services[name]
        env = service["environment"]
        assert env["TERMINOLOGY_DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in env["TERMINOLOGY_DATABASE_URL"]
        assert f"server {name}:{env['TERMINOLOGY_PORT']} " in nginx_conf
        assert service["build"]["dockerfile"] == "docker/Dockerfile"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    # Every request thread keeps a PostgreSQL connection, and so do each worker's start-up
    # thread and each replica's master: together within PostgreSQL's default 100.
    connections = sum(
        int(services[n]["environment"]["TERMINOLOGY_WORKERS"])
        * (int(services[n]["environment"]["TERMINOLOGY_THREADS"]) + 1)
        + 1
        for n in replicas
    )
    assert connections < 100
    nginx = services["nginx"]
    mounts = {m.split(":")[1]: m.split(":")[0] for m in nginx["volumes"]}
    assert mounts["/etc/nginx/nginx.conf"] == "./nginx/nginx.conf"
    assert mounts[f"/etc/nginx/{CACHE_INCLUDE}"] == f"./nginx/{CACHE_INCLUDE}"
    for mounted in mounts.values():
        assert (COMPOSE.parent / mounted).exists(), mounted
    for name in replicas:
        assert nginx["depends_on"][name]["condition"] == "service_healthy"
    assert "healthcheck" in services["postgres"]


def test_the_image_runs_as_a_user_with_a_healthcheck() -> None:
    lines = [
        line.strip()
        for line in (ROOT / "docker" / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in {"root", "0"}
    assert any(line.startswith("HEALTHCHECK ") for line in lines)


def test_the_cache_summary_counts_hits_among_looked_up_requests() -> None:
    lines = [
        json.dumps({"cache": status})
        for status in ["HIT", "HIT", "HIT", "MISS", "EXPIRED", "", "", "BYPASS"]
    ]
    summary = cache_summary(lines)
    assert "- 2, BYPASS 1, EXPIRED 1, HIT 3, MISS 1" in summary
    assert summary.endswith("hit ratio 0.600")
    assert cache_summary([]).endswith("hit ratio n/a")
