"""Keep one flower-supernode running against the aggregator the DNS name currently points at.

Stdlib-only and self-contained: the stacks embed this file's text verbatim as the entry of the
``supernode`` container of every GKE site (Kubernetes Deployment) and every AWS member site (ECS
task), ``python -c <this file> [--resolve-every N] -- flower-supernode <args>``.

Why: Flower 1.25's SuperNode retries only UNAVAILABLE. When the aggregator behind its address
changes (Route 53 failover or failback), its next call names a node ID the other SuperLink never
issued ("Node ID ... not found", UNKNOWN) and the process exits; and a SuperNode that is still
connected never looks at DNS again, so after failback the nodes that did not restart stay on the
secondary. The supervisor therefore

- restarts the child promptly whenever it exits (backoff 1, 2, 4, 8, 10 s; back to 1 s after a
  minute of uptime), so no CrashLoopBackOff or ECS task replacement is involved;
- when ``--superlink`` names a host rather than an IP, resolves it every ``--resolve-every``
  seconds (default 10) and starts the child with ``--superlink <ip>:<port>``; when the answer
  changes it stops the child (SIGTERM, SIGKILL after 10 s) and starts it against the new
  address at once. An IP address is dialled as given (only restart-on-exit applies). A failed
  lookup keeps the current address (before any answer the child dials the name itself);
- runs a Python child (its ``#!`` line names Python, as ``flower-supernode``'s does) through a
  tiny runner that ends the process when its main thread ends: Flower 1.25's SuperNode can die in
  its main thread (e.g. "Heartbeat sender is not running" while cleaning up after "Node ID ...
  not found") and still hang on its gRPC server threads, health server included, forever;
- forwards SIGTERM/SIGINT to the child and exits with it when asked to stop.

Every line it writes starts with ``supervisor:``; the child's output is left untouched.

Test hook: with ``FLWR_SUPERVISOR_ADDRESS_FILE`` set, the name "resolves" to the ``host:port``
written in that file instead of DNS (the real-Flower failover test plays Route 53 with it; an
operator could also pin a node by hand). The stacks never set it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time

BACKOFF = (1, 2, 4, 8, 10)
STABLE_SECONDS = 60
STOP_GRACE = 10


RUNNER = """
import os, runpy, sys, traceback
sys.argv = sys.argv[1:]
code = 0
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as stop:
    code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
except BaseException:
    traceback.print_exc()
    code = 1
sys.stdout.flush()
sys.stderr.flush()
os._exit(code)
"""
"""Run a Python script as ``__main__`` and end the process with it, whatever threads remain."""


def say(message):
    print("supervisor: " + message, file=sys.stderr, flush=True)


def split_address(address):
    """``host:port`` or ``[v6]:port`` -> (host, port)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]"), port


def child_command(argv):
    """``argv`` through ``RUNNER`` with the interpreter of its ``#!`` line when the executable is
    a Python script, else ``argv`` unchanged."""
    path = shutil.which(argv[0])
    try:
        with open(path, "rb") as handle:
            first = handle.readline(256).decode("utf-8", "replace")
    except (OSError, TypeError):
        return argv
    if not first.startswith("#!") or "python" not in first:
        return argv
    return [*first[2:].split(), "-c", RUNNER, path, *argv[1:]]


def is_ip(host):
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
            return True
        except OSError:
            pass
    return False


def join_address(host, port):
    return "[" + host + "]:" + port if ":" in host else host + ":" + port


def resolve(host, port, current):
    """The address to dial now: ``current`` if the name still answers with it, else the first of
    the sorted answers; ``current`` when the lookup fails."""
    override = os.environ.get("FLWR_SUPERVISOR_ADDRESS_FILE")
    try:
        if override:
            with open(override) as handle:
                answers = [handle.read().strip()]
        else:
            infos = socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
            answers = sorted({join_address(info[4][0], port) for info in infos})
    except (OSError, ValueError) as error:
        say("cannot resolve " + host + ": " + str(error) + "; keeping " + current)
        return current
    answers = [a for a in answers if a]
    if not answers or current in answers:
        return current
    return answers[0]


class Supervisor:
    def __init__(self, argv, resolve_every):
        # The last --superlink wins (extra arguments are appended).
        self.argv = list(argv)
        self.resolve_every = resolve_every
        self.index = len(self.argv) - 1 - self.argv[::-1].index("--superlink") + 1
        self.host, self.port = split_address(self.argv[self.index])
        self.follow = not is_ip(self.host)
        self.address = join_address(self.host, self.port)
        self.child = None
        self.stopping = False

    def on_signal(self, signum, _frame):
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)

    def start(self):
        argv = list(self.argv)
        argv[self.index] = self.address
        say("starting " + argv[0] + " --superlink " + self.address)
        self.child = subprocess.Popen(child_command(argv))
        return time.monotonic()

    def stop_child(self):
        self.child.terminate()
        try:
            self.child.wait(STOP_GRACE)
        except subprocess.TimeoutExpired:
            self.child.kill()
            self.child.wait()

    def run(self):
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        if self.follow:
            self.address = resolve(self.host, self.port, self.address)
            say("following " + self.host + " every " + str(self.resolve_every) + " s")
        failures = 0
        started = self.start()
        next_lookup = time.monotonic() + self.resolve_every
        while True:
            time.sleep(0.5)
            code = self.child.poll()
            if self.stopping:
                code = self.child.wait()
                say("stopped; " + self.argv[0] + " exited with " + str(code))
                return code
            if code is not None:
                if time.monotonic() - started >= STABLE_SECONDS:
                    failures = 0
                delay = BACKOFF[min(failures, len(BACKOFF) - 1)]
                failures += 1
                say(self.argv[0] + " exited with " + str(code) + "; restarting in " + str(delay) + " s")
                deadline = time.monotonic() + delay
                while time.monotonic() < deadline and not self.stopping:
                    time.sleep(0.2)
                if self.stopping:
                    return code
                if self.follow:
                    self.address = resolve(self.host, self.port, self.address)
                    next_lookup = time.monotonic() + self.resolve_every
                started = self.start()
                continue
            if self.follow and time.monotonic() >= next_lookup:
                next_lookup = time.monotonic() + self.resolve_every
                answer = resolve(self.host, self.port, self.address)
                if answer != self.address:
                    say(self.host + " now answers " + answer + " (was " + self.address + "); reconnecting")
                    self.address = answer
                    self.stop_child()
                    if self.stopping:
                        return 0
                    failures = 0
                    started = self.start()


def main(args):
    resolve_every = 10
    if args and args[0] == "--resolve-every":
        resolve_every = float(args[1])
        args = args[2:]
    if args and args[0] == "--":
        args = args[1:]
    split = []
    for arg in args:
        split += arg.split("=", 1) if arg.startswith("--superlink=") else [arg]
    args = split
    if "--superlink" not in args[:-1]:
        say("usage: [--resolve-every SECONDS] -- flower-supernode --superlink HOST:PORT ...")
        return 2
    return Supervisor(args, resolve_every).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
