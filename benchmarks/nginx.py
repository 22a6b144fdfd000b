"""nginx (from the OS packages) serving a directory on 127.0.0.1, for the benchmark.

    with Nginx(site_dir) as server:
        print(server.base)          # http://127.0.0.1:PORT
        server.worker_cpu_seconds() # CPU time of the worker process(es) so far

The config, pid file, error log and temp paths all live in a temporary directory, so nginx runs
as root or not without touching /etc or /var. One worker process, ``daemon off``, access log off,
gzip on at level 5 for HTML, XML, RSS, text, CSS and JavaScript. Files without an extension (the
article URLs) are served as ``text/html``. nginx adds ``; charset=utf-8`` to HTML, text and RSS,
except for articles whose URL ends in 7 (one in ten), which are served as plain ``text/html``
and rely on their ``<meta charset>``, as some real sites do. The server is stopped (SIGQUIT, then
SIGKILL) when the ``with`` block ends, on errors too, and at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONFIG = """\
{user}worker_processes 1;
daemon off;
master_process on;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    types {{
        text/html html htm;
        text/plain txt;
        text/css css;
        application/javascript js;
        application/xml xml;
        application/rss+xml rss;
        application/json json;
        image/jpeg jpg jpeg;
    }}
    default_type text/html;
    charset utf-8;
    charset_types text/html text/plain application/rss+xml;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;
    gzip on;
    gzip_comp_level 5;
    gzip_min_length 256;
    gzip_vary on;
    gzip_types text/plain text/css application/javascript application/xml application/rss+xml application/json;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        root {root};
        index index.html;
        location ~ 7$ {{ charset off; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx")
                                          if os.access(p, os.X_OK)), None)
    if not found:
        raise RuntimeError("nginx is not installed: apt-get install -y nginx (or: make bench, which does it)")
    return found


def nginx_version() -> str:
    result = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True)
    return (result.stderr or result.stdout).strip().removeprefix("nginx version: ")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Nginx:
    def __init__(self, root: Path, port: int = 0):
        self.root = Path(root).resolve()
        self.port = port or free_port()
        self.tmp: Path | None = None
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15) -> Nginx:
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        # As root, the worker would otherwise run as nobody and may not read a site under /root.
        user = "user root;\n" if os.geteuid() == 0 else ""
        conf = self.tmp / "nginx.conf"
        conf.write_text(CONFIG.format(user=user, tmp=self.tmp, port=self.port, root=self.root))
        log = self.tmp / "error.log"
        self.process = subprocess.Popen([nginx_binary(), "-p", str(self.tmp), "-c", str(conf), "-e", str(log)],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        atexit.register(self.stop)
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"nginx exited with status {self.process.returncode}: {err.strip()} "
                                   f"{log.read_text(errors='replace') if log.exists() else ''}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"nginx did not listen on port {self.port} within {timeout} s") from None
                time.sleep(0.05)
        return self

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def worker_cpu_seconds(self) -> float:
        return sum(_cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGQUIT)  # graceful shutdown
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                workers = _children(process.pid)
                process.kill()
                for pid in workers:
                    with contextlib.suppress(OSError):
                        os.kill(pid, signal.SIGKILL)
                process.wait()
        if process is not None and process.stderr:
            process.stderr.close()
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def __enter__(self) -> Nginx:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
