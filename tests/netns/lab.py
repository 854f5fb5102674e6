"""A small network lab for end-to-end tests: two network namespaces joined
by a veth pair, private 10.x addresses only, a spoor daemon attached inside
one of them, and helpers to run real clients and read its alerts.

Everything a lab creates is removed in close(), also when a test fails.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SPOOR = os.environ.get("SPOOR_BINARY", "build/spoor")


def require_root():
    """Exit 77 (skipped) without root; under CI=true a missing root tier is a failure."""
    if os.geteuid() == 0:
        return
    if os.environ.get("CI") == "true":
        print("netns tests need root, and CI must run them: failing", file=sys.stderr)
        sys.exit(1)
    print("netns tests need root: skipped", file=sys.stderr)
    sys.exit(77)


def sh(*args, check=True, timeout=30, **kw):
    return subprocess.run(args, check=check, timeout=timeout, capture_output=True, text=True, **kw)


class Namespace:
    def __init__(self, name):
        self.name = name
        sh("ip", "netns", "add", name)
        self.run("ip", "link", "set", "lo", "up")

    def run(self, *args, check=True, timeout=30):
        return sh("ip", "netns", "exec", self.name, *args, check=check, timeout=timeout)

    def popen(self, *args, **kw):
        return subprocess.Popen(["ip", "netns", "exec", self.name, *args], **kw)

    def delete(self):
        sh("ip", "netns", "del", self.name, check=False)


class Lab:
    """client namespace <-- veth --> server namespace.

    client: 10.200.0.1/24 on `vc`; server: 10.200.0.2 and 10.200.0.3 /24 on `vs`,
    plus 10.201.0.5/24 (a second subnet, reached through a route on the client).
    """

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.tmp = tempfile.mkdtemp(prefix="spoor-netns-")
        self.client = Namespace(f"spoor-c{tag}")
        self.server = Namespace(f"spoor-s{tag}")
        self.processes = []
        sh("ip", "link", "add", "vc", "netns", self.client.name, "type", "veth",
           "peer", "name", "vs", "netns", self.server.name)
        self.client.run("ip", "addr", "add", "10.200.0.1/24", "dev", "vc")
        self.client.run("ip", "link", "set", "vc", "up")
        for addr in ("10.200.0.2/24", "10.200.0.3/24", "10.201.0.5/24"):
            self.server.run("ip", "addr", "add", addr, "dev", "vs")
        self.server.run("ip", "link", "set", "vs", "up")
        self.client.run("ip", "route", "add", "10.201.0.0/24", "via", "10.200.0.2")

    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def serve(self, ns, *args):
        """A server process in `ns`, killed at close()."""
        p = ns.popen(*args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(p)
        return p

    def close(self):
        for p in self.processes:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.client.delete()
        self.server.delete()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Sensor:
    """`spoor run` in a namespace, with its own log dir and control socket."""

    def __init__(self, lab, ns, *args, name="sensor"):
        self.lab = lab
        self.ns = ns
        self.socket = lab.path(f"{name}.sock")
        self.log_dir = lab.path(f"{name}-log")
        self.stdout_path = lab.path(f"{name}.stdout")
        self.stderr_path = lab.path(f"{name}.stderr")
        self.stdout = open(self.stdout_path, "w")
        self.stderr = open(self.stderr_path, "w")
        self.proc = ns.popen(SPOOR, "run", "--log-dir", self.log_dir, "--control-socket",
                             self.socket, "--sensor-name", "lab-sensor", *args,
                             stdout=self.stdout, stderr=self.stderr)
        lab.processes.append(self.proc)
        self.wait_ready()

    def log(self):
        with open(self.stderr_path) as f:
            return f.read()

    def wait_ready(self, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"spoor exited with {self.proc.returncode}:\n{self.log()}")
            if os.path.exists(self.socket):
                try:
                    self.query("status")
                    return
                except Exception:
                    pass
            time.sleep(0.1)
        raise AssertionError(f"spoor not ready after {timeout}s:\n{self.log()}")

    def query(self, command, *args):
        out = self.ns.run(SPOOR, command, *args, "--json", "--control-socket", self.socket,
                          timeout=300)
        return json.loads(out.stdout)

    def program_ids(self):
        """IDs of the BPF programs this daemon loaded, as its status reports them."""
        return set(self.query("status")["program_ids"].values())

    def alerts(self, settle=1.0):
        """Alerts printed so far, after the ring's poll interval has passed."""
        time.sleep(settle)
        self.stdout.flush()
        with open(self.stdout_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def alerts_when(self, ready, timeout=20):
        """The alerts once `ready(alerts)` holds (or at the timeout): records of a burst can
        take a few polls to reach the analysis on a busy machine."""
        deadline = time.time() + timeout
        while True:
            alerts = self.alerts(settle=0.5)
            if ready(alerts) or time.time() > deadline:
                return alerts

    def stop(self, sig=signal.SIGTERM, timeout=20):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=timeout)
        self.stdout.close()
        self.stderr.close()
        return rc


def programs_alive(ids):
    out = sh("bpftool", "-j", "prog", "show").stdout
    return {p["id"] for p in json.loads(out)} & set(ids)


def wait_gone(ids, timeout=5):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if not programs_alive(ids):
            return True
        time.sleep(0.1)
    return False


def xdp_attached(ns, dev):
    """True while any XDP program (native or generic) is attached to `dev`."""
    return "prog/xdp" in ns.run("ip", "-d", "link", "show", "dev", dev).stdout
