#!/usr/bin/env python3
"""Several instances and crash safety, against one database on 127.0.0.1.

Starts 2 `invoicepilot serve --no-worker` and 2 `invoicepilot worker` processes on a fresh
database (PostgreSQL or MariaDB), drives mixed writes through both servers from `--clients`
threads (customers, drafts, issues, payments, sends to a local SMTP sink), SIGKILLs a
server about every `--interval` seconds (`--kills` times) and restarts it, and with
`--pg-restart` restarts PostgreSQL once with `-m immediate`. After each restart and at the
end `invoicepilot check` must pass; at the end every write a server acknowledged with 2xx
must be there, unchanged, and no job may be left running.

Short form (CI):  scripts/soak.py --backend postgres --seconds 60 --kills 2 --pg-restart
Long form:        scripts/soak.py --backend postgres --seconds 160 --kills 10 --pg-restart
Exit status 0 when every check held; the last line is a JSON summary.
"""

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def drop_database(backend, url):
    name = url.rsplit("/", 1)[1]
    if backend == "postgres":
        cmd = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc", f"DROP DATABASE IF EXISTS {name}"]
    else:
        cmd = ["mysql", "--protocol=tcp", "-h", "127.0.0.1", "-u", "root", "-e", f"DROP DATABASE IF EXISTS {name}"]
    subprocess.run(cmd, check=False, capture_output=True)


def fresh_database(backend):
    name = f"soak_{int(time.time())}_{random.randrange(1 << 30):x}"
    if backend == "postgres":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "test", "-qc", f"CREATE DATABASE {name}"],
                       check=True)
        return f"postgres://postgres@127.0.0.1:5432/{name}"
    subprocess.run(["mysql", "--protocol=tcp", "-h", "127.0.0.1", "-u", "root", "-e",
                    f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"], check=True)
    return f"mysql://root@127.0.0.1:3306/{name}"


class Fleet:
    """The processes under test, all on one database and one storage folder."""

    def __init__(self, binary, env, workdir):
        self.binary, self.env, self.workdir = binary, env, workdir
        self.servers = {}  # port -> Popen
        self.workers = []

    def cli(self, *args, stdin=None):
        r = subprocess.run([self.binary, *args], env=self.env, cwd=self.workdir, input=stdin,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"invoicepilot {' '.join(args)} failed: {r.stderr.strip()[-500:]}")
        return r.stdout

    def _spawn(self, *args, name):
        out = open(os.path.join(self.workdir, f"{name}.log"), "a")
        return subprocess.Popen([self.binary, *args], env=self.env, cwd=self.workdir, stdout=out, stderr=out)

    def start_server(self, port):
        self.servers[port] = self._spawn("serve", "--no-worker", "--port", str(port), name=f"serve-{port}")
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if self.servers[port].poll() is not None:
                raise RuntimeError(f"server on {port} exited with {self.servers[port].returncode}")
            time.sleep(0.2)
        raise RuntimeError(f"server on {port} did not answer /health within 60 s")

    def start_worker(self, i):
        self.workers.append(self._spawn("worker", "--concurrency", "4", "--poll", "1", name=f"worker-{i}"))

    def kill_server(self, port):
        p = self.servers[port]
        p.send_signal(signal.SIGKILL)
        p.wait()

    def stop(self):
        for p in list(self.servers.values()) + self.workers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in list(self.servers.values()) + self.workers:
            try:
                p.wait(timeout=40)
            except subprocess.TimeoutExpired:
                p.kill()


class Api:
    def __init__(self, ports, token):
        self.ports, self.token = ports, token

    def call(self, method, path, body=None, port=None):
        """(status, json) or (None, error) when no server answered."""
        ports = [port] if port else random.sample(self.ports, len(self.ports))
        last = None
        for p in ports:
            req = urllib.request.Request(f"http://127.0.0.1:{p}/api/v1{path}", method=method,
                                         data=None if body is None else json.dumps(body).encode())
            req.add_header("Authorization", f"Bearer {self.token}")
            if body is not None:
                req.add_header("Content-Type", "application/json")
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    raw = r.read()
                    return r.status, (json.loads(raw) if raw else None)
            except urllib.error.HTTPError as e:
                raw = e.read()
                try:
                    return e.code, json.loads(raw)
                except ValueError:
                    return e.code, raw.decode(errors="replace")
            except (urllib.error.URLError, OSError, ConnectionError) as e:
                last = str(e)  # that server is down (or died mid-request): try the other
        return None, last


LINES = [
    {"description": "Webサイト保守（月額）", "quantity": "1", "unit": "式", "unit_price": 12345, "tax_rate": "10"},
    {"description": "デザイン修正", "quantity": "3", "unit": "時間", "unit_price": 2263, "tax_rate": "10"},
    {"description": "菓子詰め合わせ", "quantity": "1", "unit": "箱", "unit_price": 4321, "tax_rate": "8"},
]


class Ledger:
    """Every write a server acknowledged, with what it answered."""

    def __init__(self):
        self.lock = threading.Lock()
        self.customers, self.invoices, self.payments, self.sends = {}, {}, {}, 0
        self.unknown = 0  # writes whose answer never came (not checked)
        self.server_errors = []

    def unanswered(self, status, body):
        with self.lock:
            if status is None:
                self.unknown += 1
            elif status >= 500:
                self.server_errors.append((status, str(body)[:200]))


def client(api, ledger, stop, n):
    i = 0
    while not stop.is_set():
        i += 1
        s, c = api.call("POST", "/customers", {"name": f"株式会社ソーク{n}-{i}", "email": f"soak{n}-{i}@example.jp"})
        if s != 201:
            ledger.unanswered(s, c)
            continue
        with ledger.lock:
            ledger.customers[c["id"]] = c["name"]
        s, d = api.call("POST", "/invoices", {"customer_id": c["id"], "issue_date": "2026-12-01", "lines": LINES})
        if s != 201:
            ledger.unanswered(s, d)
            continue
        s, inv = api.call("POST", f"/invoices/{d['id']}/issue", {})
        if s != 200:
            ledger.unanswered(s, inv)
            continue
        with ledger.lock:
            ledger.invoices[inv["id"]] = inv["number"]
        if random.random() < 0.5:
            body = {"customer_id": c["id"], "amount": inv["amount_due"], "received_on": "2026-12-03",
                    "method": "bank_transfer", "allocations": [{"invoice_id": inv["id"], "amount": inv["amount_due"]}]}
            s, p = api.call("POST", "/payments", body)
            if s == 201:
                with ledger.lock:
                    ledger.payments[p["id"]] = p["amount"]
            else:
                ledger.unanswered(s, p)
        if random.random() < 0.3:
            s, r = api.call("POST", f"/invoices/{inv['id']}/send", {})
            if s == 202:
                with ledger.lock:
                    ledger.sends += 1
            else:
                ledger.unanswered(s, r)


def check(fleet, failures, when):
    # `check` exits 1 on a violation: read its report either way.
    r = subprocess.run([fleet.binary, "check", "--json"], env=fleet.env, cwd=fleet.workdir, capture_output=True,
                       text=True, timeout=300)
    if not r.stdout.strip():
        failures.append(f"check after {when} printed nothing: {r.stderr.strip()[-300:]}")
        return
    report = json.loads(r.stdout.strip().splitlines()[-1])
    if report["violations"]:
        failures.append(f"check after {when}: {report['violations'][:3]}")
    log(f"check after {when}: {report['invoices']} invoices, {len(report['violations'])} violations")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["postgres", "mysql"], default="postgres")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "invoicepilot"))
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--kills", type=int, default=2)
    ap.add_argument("--interval", type=float, default=15.0)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--pg-restart", action="store_true")
    args = ap.parse_args()
    if args.pg_restart and args.backend != "postgres":
        ap.error("--pg-restart needs --backend postgres")

    workdir = tempfile.mkdtemp(prefix="invoicepilot-soak-")
    smtp_port = free_port()
    # Debian's python3-aiosmtpd belongs to the system interpreter, which may not be the one running this.
    smtp_python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    sink = subprocess.Popen([smtp_python, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{smtp_port}",
                             "-c", "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env = dict(os.environ, DATABASE_URL=fresh_database(args.backend), STORAGE_PATH=os.path.join(workdir, "storage"),
               MAIL_HOST="127.0.0.1", MAIL_PORT=str(smtp_port), MAIL_ENCRYPTION="none",
               MAIL_FROM="billing@example.jp", MAIL_RETRY_BASE_SECS="1", API_RATE_LIMIT="0", RUST_LOG="warn")
    fleet = Fleet(os.path.abspath(args.bin), env, workdir)
    failures = []
    try:
        fleet.cli("migrate")
        company = fleet.cli("company", "create", "--name", "ソーク株式会社").strip().splitlines()[-1]
        fleet.cli("user", "create", "--email", "soak@example.jp", "--company", company, "--role", "admin",
                  stdin="a long enough password\n")
        token = fleet.cli("token", "create", "--email", "soak@example.jp").strip().splitlines()[-1]
        ports = [free_port(), free_port()]
        for p in ports:
            fleet.start_server(p)
        for i in range(2):
            fleet.start_worker(i)
        api = Api(ports, token)
        ledger, stop = Ledger(), threading.Event()
        threads = [threading.Thread(target=client, args=(api, ledger, stop, n), daemon=True)
                   for n in range(args.clients)]
        for t in threads:
            t.start()
        log(f"{len(ports)} servers, 2 workers, {args.clients} clients on {args.backend}")
        started = time.time()
        kills, pg_restarted = 0, False
        while time.time() - started < args.seconds:
            time.sleep(min(args.interval, max(0.0, args.seconds - (time.time() - started))))
            if kills < args.kills and time.time() - started < args.seconds:
                port = ports[kills % len(ports)]
                fleet.kill_server(port)
                log(f"SIGKILL server {port}")
                fleet.start_server(port)
                kills += 1
                check(fleet, failures, f"kill {kills}")
            if args.pg_restart and not pg_restarted and time.time() - started > args.seconds / 2:
                version = sorted(os.listdir("/etc/postgresql"))[0]
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "-m", "immediate", version, "main",
                                "restart"], check=True)
                pg_restarted = True
                log("PostgreSQL restarted with -m immediate")
                time.sleep(2)
                check(fleet, failures, "the PostgreSQL restart")
        stop.set()
        for t in threads:
            t.join(timeout=60)
        # Let the workers drain what was queued, then look for jobs stuck in `running`.
        deadline = time.time() + 120
        status = {}
        while time.time() < deadline:
            status = json.loads(fleet.cli("queue", "status", "--json").strip().splitlines()[-1])
            if status.get("pending", 0) == 0 and status.get("running", 0) == 0:
                break
            time.sleep(2)
        if status.get("running", 0):
            failures.append(f"{status['running']} jobs still running after the workers drained: {status}")
        check(fleet, failures, "the run")
        missing = []
        for iid, number in ledger.invoices.items():
            s, inv = api.call("GET", f"/invoices/{iid}")
            if s != 200 or inv["number"] != number:
                missing.append(("invoice", iid, number, s))
        for cid in ledger.customers:
            s, _ = api.call("GET", f"/customers/{cid}")
            if s != 200:
                missing.append(("customer", cid, s))
        for pid, amount in ledger.payments.items():
            s, p = api.call("GET", f"/payments/{pid}")
            if s != 200 or p["amount"] != amount:
                missing.append(("payment", pid, s))
        if missing:
            failures.append(f"{len(missing)} acknowledged writes missing or changed: {missing[:5]}")
        if ledger.server_errors:
            # Failover answers 503 or a connection error, never a 500 that leaks a half-done write.
            five_hundreds = [e for e in ledger.server_errors if e[0] == 500]
            if five_hundreds:
                failures.append(f"{len(five_hundreds)} answers of 500: {five_hundreds[:3]}")
        if len(ledger.invoices) < 10:
            failures.append(f"only {len(ledger.invoices)} invoices were issued: the load did not run")
        summary = {"backend": args.backend, "seconds": args.seconds, "kills": kills, "pg_restarted": pg_restarted,
                   "customers": len(ledger.customers), "invoices": len(ledger.invoices),
                   "payments": len(ledger.payments), "sends": ledger.sends, "unanswered": ledger.unknown,
                   "server_errors": len(ledger.server_errors), "failures": failures}
    finally:
        fleet.stop()
        sink.terminate()
    if failures:
        for f in failures:
            log("FAIL:", f)
        log(f"logs kept in {workdir}; database {env['DATABASE_URL']} kept")
    else:
        drop_database(args.backend, env["DATABASE_URL"])
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(summary, ensure_ascii=False))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
