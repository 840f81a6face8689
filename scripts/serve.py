"""`make serve` / `make stop`: N Streamlit replicas behind nginx, on this machine.

    python -m scripts.serve start --replicas 2 --port 8501   # returns once all answer
    python -m scripts.serve stop                             # ends exactly what start began

Each replica is ``streamlit run app.py`` (warmed: kzunrest/ui/launch.py runs the app once as
soon as it is up) on a free port of 127.0.0.1; nginx listens on
``--port`` and keeps each viewer on one replica by a cookie (deploy/nginx/kzunrest.conf.template).
Everything lands in the run folder (default ``.run/``): the rendered nginx configuration, a pid
file per process, nginx's temp files, and ``logs/`` (one log per replica, nginx's access and
error logs). ``stop`` reads the pid files and ends only processes whose command line is still
the one started here (a pid reused by another program is left alone).

The tests and the load test use :func:`serving`, a context manager doing the same in another
run folder.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from kzunrest.settings import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "deploy" / "nginx"
RUN_DIR = ROOT / ".run"
STATIC_DIR = ROOT / "static"  # Streamlit serves the folder next to app.py at /app/static/
START_TIMEOUT_S = 120


class ServeError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))  # noqa: S104 - the address nginx will listen on
        except OSError:
            return True
    return False


def nginx_binary() -> str:
    """nginx on PATH, or Debian's /usr/sbin/nginx (not on an unprivileged user's PATH)."""
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise ServeError("nginx is not installed: `make nginx` installs Debian's package "
                         "(as root), or install it with your system's package manager")
    return found


def mime_types() -> str:
    for path in ("/etc/nginx/mime.types", "/usr/local/nginx/conf/mime.types",
                 "/opt/homebrew/etc/nginx/mime.types", "/usr/local/etc/nginx/mime.types"):
        if Path(path).exists():
            return path
    raise ServeError("nginx's mime.types not found (looked in /etc/nginx and the usual places)")


def render(template: str, values: dict[str, str]) -> str:
    """Fill ``${KZ_...}`` placeholders; nginx's own ``$variables`` are left alone. A
    placeholder without a value is an error, not an empty string in the configuration."""
    text = string.Template(template).safe_substitute(values)
    missing = sorted({m.group("braced") for m in string.Template.pattern.finditer(text)
                      if (m.group("braced") or "").startswith("KZ_")})
    if missing:
        raise ServeError("no value for " + ", ".join(missing))
    return text


def max_body_mb() -> int:
    """KZUNREST_MAX_UPLOAD_MB, plus 1 MB for the multipart envelope around the file."""
    try:
        mb = max(1, int(SETTINGS["KZUNREST_MAX_UPLOAD_MB"].value()))
    except ValueError:
        mb = 50  # the app falls back to the same (kzunrest/ui/upload.py)
    return mb + 1


def nginx_config(run_dir: Path, listen: str, upstream_ports: list[int],
                 static_root: Path = STATIC_DIR) -> Path:
    """Render deploy/nginx/{main,kzunrest}.conf.template into ``run_dir``; returns the main
    configuration's path."""
    logs = run_dir / "logs"
    tmp = run_dir / "nginx-tmp"
    for d in (logs, tmp):
        d.mkdir(parents=True, exist_ok=True)
    user = ""
    if os.geteuid() == 0:
        # As root, nginx's workers switch to an unprivileged user; they need to write the
        # temp folders (the static files are world-readable).
        user = "user nobody nogroup;" if _group_exists("nogroup") else "user nobody;"
    upstreams = "\n    ".join(f"server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;"
                               for p in upstream_ports)
    values = {"KZ_LISTEN": listen, "KZ_UPSTREAMS": upstreams,
              "KZ_STATIC_ROOT": str(static_root.resolve()), "KZ_MAX_BODY_MB": str(max_body_mb()),
              "KZ_RUN": str(run_dir.resolve()), "KZ_LOGS": str(logs.resolve()),
              "KZ_USER": user, "KZ_MIME": mime_types()}
    (run_dir / "kzunrest.conf").write_text(
        render((TEMPLATES / "kzunrest.conf.template").read_text(), values))
    main = run_dir / "nginx.conf"
    main.write_text(render((TEMPLATES / "main.conf.template").read_text(), values))
    if user:
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (tmp / sub).mkdir(exist_ok=True)
            shutil.chown(tmp / sub, "nobody")
    return main


def _group_exists(name: str) -> bool:
    import grp

    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def nginx_test(conf: Path, run_dir: Path) -> None:
    """``nginx -t`` on a configuration; raises with nginx's own message when it fails."""
    out = subprocess.run([nginx_binary(), "-t", "-q", "-c", str(conf.resolve()), "-p",
                          str(run_dir.resolve()), "-e", str((run_dir / "logs" /
                                                            "nginx-error.log").resolve())],
                         capture_output=True, text=True)
    if out.returncode:
        raise ServeError(f"nginx -t failed for {conf}:\n{out.stderr.strip()}")


# -- processes ----------------------------------------------------------------------------------
@dataclass
class Serving:
    """What one start began: read back from ``run_dir/serve.json`` by ``stop``."""

    run_dir: Path
    port: int
    replicas: list[dict] = field(default_factory=list)  # {"port", "pid", "log"}
    nginx_pid: int | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{r['port']}" for r in self.replicas]

    def save(self) -> None:
        (self.run_dir / "serve.json").write_text(json.dumps(
            {"port": self.port, "replicas": self.replicas, "nginx_pid": self.nginx_pid},
            indent=1) + "\n")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child of ours (exited, not yet reaped) is not alive.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _is_ours(pid: int, marker: str) -> bool:
    """The pid still runs the command started here (not a reused pid)."""
    cmd = _cmdline(pid)
    return bool(cmd) and marker in cmd


def _end(pid: int, marker: str, sig: int = signal.SIGTERM, wait_s: float = 10) -> bool:
    if not _alive(pid) or not _is_ours(pid, marker):
        return False
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        _reap(pid)
        if not _alive(pid):
            return True
        time.sleep(0.1)
    if _is_ours(pid, marker):
        os.kill(pid, signal.SIGKILL)
        _reap(pid)
    return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def replica_marker(port: int) -> str:
    return f"--server.port {port} "


def start_replica(run_dir: Path, index: int, port: int, env: dict | None = None) -> dict:
    log = run_dir / "logs" / f"replica-{index}-{port}.log"
    cmd = [sys.executable, "-m", "kzunrest.ui.launch", str(ROOT / "app.py"),
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with open(log, "w") as out:
        # A session of its own: the replicas outlive `make serve`'s shell and a Ctrl-C there.
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    (run_dir / f"replica-{index}.pid").write_text(f"{proc.pid}\n")
    return {"index": index, "port": port, "pid": proc.pid, "log": str(log)}


def wait_healthy(url: str, pid: int | None, timeout: float = START_TIMEOUT_S,
                 log: str = "") -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if pid is not None:
            _reap(pid)
            if not _alive(pid):
                raise ServeError(f"{url}: the process exited; see {log}")
        if time.monotonic() > deadline:
            raise ServeError(f"{url} did not answer /_stcore/health in {timeout:.0f} s")
        time.sleep(0.3)


def start(replicas: int, port: int, run_dir: Path = RUN_DIR, env: dict | None = None,
          listen_host: str = "") -> Serving:
    """Start the replicas and nginx; returns once nginx answers /_stcore/health. On any
    failure, what was started is stopped again."""
    run_dir.mkdir(parents=True, exist_ok=True)
    if (run_dir / "serve.json").exists() and _running(run_dir):
        raise ServeError(f"already serving from {run_dir} (`make stop` first)")
    if replicas < 1:
        raise ServeError("REPLICAS must be at least 1")
    if port_in_use(port):
        raise ServeError(f"port {port} is in use: choose another with PORT=...")
    (run_dir / "logs").mkdir(exist_ok=True)
    serving = Serving(run_dir=run_dir, port=port)
    try:
        for i in range(replicas):
            serving.replicas.append(start_replica(run_dir, i, free_port(), env))
            serving.save()
        for r in serving.replicas:
            wait_healthy(f"http://127.0.0.1:{r['port']}", r["pid"], log=r["log"])
        listen = f"{listen_host}:{port}" if listen_host else str(port)
        conf = nginx_config(run_dir, listen, [r["port"] for r in serving.replicas])
        nginx_test(conf, run_dir)
        subprocess.run([nginx_binary(), "-c", str(conf.resolve()), "-p", str(run_dir.resolve()),
                        "-e", str((run_dir / "logs" / "nginx-error.log").resolve())],
                       check=True, capture_output=True, text=True)
        pid_file = run_dir / "nginx.pid"
        deadline = time.monotonic() + 10
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        serving.nginx_pid = int(pid_file.read_text())
        serving.save()
        wait_healthy(serving.url, None, timeout=30)
    except BaseException as exc:
        stop(run_dir, quiet=True)
        if isinstance(exc, subprocess.CalledProcessError):
            raise ServeError(f"nginx did not start: {exc.stderr.strip()}") from None
        raise
    return serving


def load(run_dir: Path = RUN_DIR) -> Serving | None:
    try:
        doc = json.loads((run_dir / "serve.json").read_text())
    except (OSError, ValueError):
        return None
    return Serving(run_dir=run_dir, port=doc["port"], replicas=doc["replicas"],
                   nginx_pid=doc.get("nginx_pid"))


def _running(run_dir: Path) -> bool:
    s = load(run_dir)
    if s is None:
        return False
    return any(_alive(r["pid"]) and _is_ours(r["pid"], replica_marker(r["port"]))
               for r in s.replicas) or bool(
        s.nginx_pid and _alive(s.nginx_pid) and _is_ours(s.nginx_pid, "nginx"))


def stop(run_dir: Path = RUN_DIR, quiet: bool = False) -> list[str]:
    """End nginx, then the replicas, each by the pid recorded at start. Returns what ended."""
    s = load(run_dir)
    ended: list[str] = []
    if s is None:
        if not quiet:
            print(f"nothing to stop: no {run_dir / 'serve.json'}")
        return ended
    conf = str((run_dir / "nginx.conf").resolve())
    if s.nginx_pid and _end(s.nginx_pid, conf):
        ended.append(f"nginx (pid {s.nginx_pid})")
    for r in s.replicas:
        if _end(r["pid"], replica_marker(r["port"])):
            ended.append(f"replica {r['index']} (pid {r['pid']}, port {r['port']})")
    for p in [run_dir / "serve.json", run_dir / "nginx.pid",
              *run_dir.glob("replica-*.pid")]:
        p.unlink(missing_ok=True)
    if not quiet:
        print("stopped: " + (", ".join(ended) if ended else "nothing was running"))
    return ended


@contextmanager
def serving(replicas: int = 2, run_dir: Path | None = None, env: dict | None = None,
            port: int | None = None):
    """``make serve`` for a test or a benchmark: a fresh run folder, a free port on
    127.0.0.1; stopped on exit."""
    own_dir = run_dir is None
    run_dir = run_dir or RUN_DIR / f"session-{os.getpid()}-{secrets.token_hex(3)}"
    # A SIGTERM (e.g. `timeout`) ends this process through the `finally` below, so the
    # replicas (in sessions of their own) and nginx do not outlive it.
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    s = start(replicas, port or free_port(), run_dir, env=env, listen_host="127.0.0.1")
    ok = False
    try:
        yield s
        ok = True
    finally:
        stop(run_dir, quiet=True)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if ok and own_dir:
            shutil.rmtree(run_dir, ignore_errors=True)  # kept (with its logs) on a failure


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m scripts.serve", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    st = sub.add_parser("start")
    st.add_argument("--replicas", type=int, default=os.cpu_count() or 1)
    st.add_argument("--port", type=int, default=8501)
    st.add_argument("--run-dir", type=Path, default=RUN_DIR)
    sp = sub.add_parser("stop")
    sp.add_argument("--run-dir", type=Path, default=RUN_DIR)
    args = ap.parse_args(argv)
    try:
        if args.cmd == "start":
            s = start(args.replicas, args.port, args.run_dir)
            ports = ", ".join(str(r["port"]) for r in s.replicas)
            print(f"serving http://localhost:{s.port} : nginx (pid {s.nginx_pid}) in front of "
                  f"{len(s.replicas)} replica(s) on 127.0.0.1 port(s) {ports}\n"
                  f"logs: {args.run_dir / 'logs'}    stop: make stop")
        else:
            stop(args.run_dir)
    except ServeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
