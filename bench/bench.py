#!/usr/bin/env python3
"""authctl benchmarks, each figure beside its comparator, measured in one run with the runs interleaved.

    python3 bench/bench.py --authctl BIN --hello BIN --spawn BIN [--quick] [--only GROUP]

bench/run builds the binaries and calls this. Every command is started by bench/spawn.c, which reports
its wall time from fork to reaping and its own peak RSS (ru_maxrss from wait4). The commands of a group
run in rounds (A B C A B C ...) after three rounds of warm-up; the table shows medians and the largest
peak RSS. With --quick (CI) the rounds are few and a missed target is reported, not fatal: the exit
status is 1 only when something is broken (a wrong answer, a failing command, a second refresh).
"""
import argparse, base64, json, os, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_SERVER = os.path.join(HERE, "..", "Tests", "Servers", "fake_providers.py")
SIZES = (1, 100, 1000, 10000)
MIB = 1024 * 1024
SPAWN = None  # bench/spawn.c, built: set by main()


class Broken(Exception):
    """Something is wrong with the product or the set-up, not with its speed."""


# ----------------------------------------------------------------------------- running commands
def run_once(argv, env):
    """(seconds, peak RSS in bytes) of one run, measured by bench/spawn.c; raises on failure."""
    report = subprocess.run([SPAWN] + argv, env=env, capture_output=True, text=True, check=True).stdout.split()
    nanoseconds, kib, code = map(int, report)
    if code != 0:
        output_of(argv, env)  # raises with the command's message
        raise Broken("%s exited %d" % (" ".join(argv), code))
    return nanoseconds / 1e9, kib * 1024


def output_of(argv, env):
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise Broken("%s exited %d: %s" % (" ".join(argv), done.returncode, done.stderr.strip()))
    return done.stdout


class Sample:
    def __init__(self, label):
        self.label, self.times, self.rss = label, [], []

    @property
    def median(self):
        return statistics.median(self.times)

    @property
    def peak(self):
        return max(self.rss)


def interleaved(commands, env, rounds, warmup=3):
    """Runs every command once per round, in turn; returns {label: Sample}."""
    samples = {label: Sample(label) for label in commands}
    for index in range(warmup + rounds):
        for label, argv in commands.items():
            elapsed, rss = run_once(argv, env)
            if index >= warmup:
                samples[label].times.append(elapsed)
                samples[label].rss.append(rss)
    return samples


# ----------------------------------------------------------------------------- the fake provider
class FakeServer:
    """Tests/Servers/fake_providers.py --provider knowledge-stack, with its control API."""

    def __init__(self):
        self.process = subprocess.Popen(
            [sys.executable, FAKE_SERVER, "--provider", "knowledge-stack", "--lifetime", "3600"],
            stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "PORT":
            raise Broken("the fake server did not start")
        self.base = "http://127.0.0.1:%s" % line[1]

    def call(self, method, path, body=None, token=None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"null")

    def sign_in(self, iat_offset=0):
        """A fresh UAT (lifetime 3600 s) whose iat lies iat_offset seconds from now."""
        self.call("POST", "/__control/token-lifetime", {"seconds": 3600, "iat_offset": iat_offset})
        token = self.call("POST", "/v1/auth/pw/signin", {"email": EMAIL, "password": PASSWORD})["access_token"]
        self.call("POST", "/__control/token-lifetime", {"seconds": 3600, "iat_offset": 0})
        return token

    def renewals(self):
        return sum(1 for r in self.call("GET", "/__control/requests") if r["path"] == "/v1/auth/uat")

    def stop(self):
        self.process.terminate()
        self.process.wait()


EMAIL, PASSWORD = "bench@example.com", "bench-password"
GH_TOKEN = "gho_benchDummyToken0000000000000000000000"


# ----------------------------------------------------------------------------- keystores
def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def profile(base_url, token):
    times = claims(token)
    return {"base_url": base_url, "flow": "password", "login": EMAIL, "provider": "knowledge-stack",
            "credentials": {"access_token": token, "expires_at": times["exp"], "issued_at": times["iat"]}}


def filler(index, base_url, template):
    """Another profile of the same shape and size, with a token of its own."""
    record = profile(base_url, template)
    record["login"] = "user%05d@example.com" % index
    head, body, _ = template.split(".")
    record["credentials"]["access_token"] = "%s.%s.%043d" % (head, body, index)
    return record


def write_keystore(path, count, base_url, token):
    """`count` profiles; the selected one, `work`, sits in the middle of the document."""
    profiles = {"work": profile(base_url, token)}
    for index in range(count - 1):
        profiles[("a-%05d" if index % 2 else "x-%05d") % index] = filler(index, base_url, token)
    document = {"default_profile": "work", "profiles": profiles, "version": 1}
    # The layout authctl writes: sorted keys, two spaces, " : ", a final newline.
    text = json.dumps(document, indent=2, sort_keys=True, separators=(",", " : ")) + "\n"
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    temporary = path + ".new"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as stream:
        stream.write(text)
    os.replace(temporary, path)
    return len(text)


# ----------------------------------------------------------------------------- gh, offline
def gh_setup(root):
    """A GH_CONFIG_DIR with a dummy github.com token; gh then answers `auth token` from disk."""
    config = os.path.join(root, "gh")
    os.makedirs(config, mode=0o700)
    with open(os.path.join(config, "hosts.yml"), "w") as stream:
        stream.write("github.com:\n    oauth_token: %s\n    user: bench\n    git_protocol: https\n" % GH_TOKEN)
    with open(os.path.join(config, "config.yml"), "w") as stream:
        stream.write("version: \"1\"\n")
    return config


def check_gh_offline(argv, env):
    """Fails unless gh prints the dummy token, or when it tries to reach the network (seen with strace)."""
    if output_of(argv, env).strip() != GH_TOKEN:
        raise Broken("gh auth token did not print the dummy token from GH_CONFIG_DIR")
    if shutil.which("strace") is None:
        return "not checked (no strace)"
    done = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect"] + argv, env=env,
                          capture_output=True, text=True)
    if "AF_INET" in done.stderr:
        raise Broken("gh auth token tried to connect:\n" + done.stderr)
    return "no connect() (strace)"


# ----------------------------------------------------------------------------- the table
class Table:
    def __init__(self, strict):
        self.rows, self.notes, self.problems, self.failed, self.strict = [], [], [], 0, strict

    def add(self, what, sample, comparator=None, ratio=None, target="", passed=None, rss=True):
        comparing = comparator.label if comparator else ""
        result = "" if passed is None else ("PASS" if passed else "FAIL")
        self.failed += passed is False
        self.rows.append((what, ms(sample.median) if sample else "", mib(sample.peak) if sample and rss else "",
                          comparing, ms(comparator.median) if comparator else "",
                          mib(comparator.peak) if comparator and rss else "",
                          "" if ratio is None else "%.2f×" % ratio, target, result))

    def print(self):
        header = ("measurement", "median", "peak RSS", "comparator", "median", "peak RSS", "ratio", "target",
                  "result")
        widths = [max(len(row[i]) for row in self.rows + [header]) for i in range(len(header))]
        for row in [header, tuple("-" * w for w in widths)] + self.rows:
            print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " |")
        for note in self.notes:
            print("- " + note)


def ms(seconds):
    return "%.2f ms" % (seconds * 1000) if seconds < 1 else "%.3f s" % seconds


def mib(size):
    return "%.1f MiB" % (size / MIB)


def machine():
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 "unknown CPU")
    return "%s, %d CPUs (nproc), %s, load average %.1f" % (
        time.strftime("%Y-%m-%d %H:%M %Z"), os.cpu_count(), model, os.getloadavg()[0])


# ----------------------------------------------------------------------------- the measurements
def start_up(table, authctl, hello, gh, keystore, env, rounds):
    token = ["--keystore", keystore, "-p", "work"]
    commands = {
        "Swift hello (floor)": [hello], "authctl token": [authctl, "token"] + token,
        "authctl header": [authctl, "header"] + token,
        "authctl check --offline": [authctl, "check", "--offline"] + token,
    }
    if gh:
        commands["gh auth token"] = [gh, "auth", "token"]
    s = interleaved(commands, env, rounds)
    floor, ours = s["Swift hello (floor)"], s["authctl token"]
    if gh:
        speedup = s["gh auth token"].median / ours.median
        table.add("token -p work (valid token)", ours, s["gh auth token"], speedup, "≥ 8× faster than gh",
                  speedup >= 8)
    else:
        table.notes.append("gh is not installed: token was not compared with gh auth token")
    table.add("token -p work (valid token)", ours, floor, ours.median / floor.median, "≤ 2× the floor",
              ours.median <= 2 * floor.median)
    table.add("token -p work: peak RSS", ours, None, None, "≤ 15 MiB", ours.peak <= 15 * MIB)
    for label in ("authctl header", "authctl check --offline"):
        table.add(label[len("authctl "):] + " -p work", s[label], floor, s[label].median / floor.median)


def keystore_sizes(table, authctl, root, server, token, env, rounds):
    commands, sizes = {}, {}
    for count in SIZES:
        path = os.path.join(root, "sizes-%d" % count, "keystore.json")
        sizes[count] = write_keystore(path, count, server.base, token)
        commands[count] = [authctl, "token", "--keystore", path, "-p", "work"]
    s = interleaved(commands, env, rounds)
    one = s[1]
    one.label = "token, 1 profile"
    for count in SIZES[1:]:
        ratio = s[count].median / one.median
        what = "token, {:,} profiles ({:.1f} MB)".format(count, sizes[count] / 1e6)
        if count == 1000:
            table.add(what, s[count], one, ratio, "≤ 2× 1 profile", ratio <= 2)
        else:
            table.add(what, s[count], one, ratio, "reported")
    per_mb = (s[SIZES[-1]].median - one.median) / (sizes[SIZES[-1]] / 1e6)
    table.notes.append("10,000 profiles: %.2f ms per MB of keystore beyond the 1-profile run" % (per_mb * 1000))


def refresh(table, authctl, curl, root, server, env, rounds):
    """`refresh` beside curl's POST; and, to show the disk's share, with a keystore in memory (tmpfs), where
    the two flushes SPEC §4 requires (the new file, then its directory) cost nothing."""
    keystores = {"authctl refresh": os.path.join(root, "refresh", "keystore.json")}
    if os.path.isdir("/dev/shm"):
        memory = tempfile.mkdtemp(prefix="authctl-bench-", dir="/dev/shm")
        keystores["authctl refresh, keystore on tmpfs"] = os.path.join(memory, "authctl", "keystore.json")
    commands = {}
    for label, path in keystores.items():
        write_keystore(path, 1, server.base, server.sign_in())
        commands[label] = [authctl, "refresh", "--keystore", path, "-p", "work"]
    commands["curl POST /v1/auth/uat"] = [curl, "-sSf", "-o", os.devnull, "-X", "POST", "-H",
                                          "Authorization: Bearer " + server.sign_in(), server.base + "/v1/auth/uat"]
    try:
        s = interleaved(commands, env, rounds)
    finally:
        if len(keystores) > 1:
            shutil.rmtree(memory, ignore_errors=True)
    theirs = s["curl POST /v1/auth/uat"]
    ratio = s["authctl refresh"].median / theirs.median
    table.add("refresh -p work (POST /v1/auth/uat, keystore written)", s["authctl refresh"], theirs, ratio,
              "≤ 1.5× curl", ratio <= 1.5)
    if len(keystores) > 1:
        in_memory = s["authctl refresh, keystore on tmpfs"]
        table.add("refresh, keystore on tmpfs (diagnostic: without the disk)", in_memory, theirs,
                  in_memory.median / theirs.median, "not a target")


def fan_out(table, authctl, root, server, env, runs):
    """50 concurrent `token` on a profile past 75 % of its lifetime: one of them renews, all print that token."""
    path = os.path.join(root, "fan-out", "keystore.json")
    walls, renewals = [], []
    for _ in range(runs):
        due = server.sign_in(iat_offset=-3000)  # issued 3000 s ago, lifetime 3600 s: 83 % spent
        write_keystore(path, 1, server.base, due)
        server.call("POST", "/__control/reset-requests")
        start = time.perf_counter()
        children = [subprocess.Popen([authctl, "token", "--keystore", path, "-p", "work"], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                    for _ in range(50)]
        answers = [child.communicate() + (child.returncode,) for child in children]
        walls.append(time.perf_counter() - start)
        renewals.append(server.renewals())
        tokens = {out.strip() for out, _, code in answers if code == 0}
        failures = [err.strip() for _, err, code in answers if code != 0]
        if failures or len(tokens) != 1 or due in tokens:
            table.problems.append("fan-out: %d failures %s, %d distinct tokens" % (
                len(failures), failures[:1], len(tokens)))
    wall = Sample("")
    wall.times = walls
    once = all(count == 1 for count in renewals)
    if not once:
        table.problems.append("fan-out: refresh requests per run %s, expected 1" % renewals)
    table.add("50 × token, concurrent, token due (%d runs; refreshes: %s)" % (runs, ", ".join(map(str, renewals))),
              wall, None, None, "≤ 1 s, exactly 1 refresh", wall.median <= 1 and once, rss=False)


def main():
    parser = argparse.ArgumentParser(description="authctl benchmarks")
    parser.add_argument("--authctl", required=True)
    parser.add_argument("--hello", required=True)
    parser.add_argument("--spawn", required=True, help="bench/spawn.c, built")
    parser.add_argument("--quick", action="store_true", help="few runs; timings never fail (for CI)")
    parser.add_argument("--only", choices=("start-up", "sizes", "refresh", "fan-out"), help="one group")
    args = parser.parse_args()
    rounds = (10, 3, 3, 1) if args.quick else (200, 40, 60, 5)
    global SPAWN
    authctl, hello, SPAWN = (os.path.abspath(path) for path in (args.authctl, args.hello, args.spawn))
    gh, curl = shutil.which("gh"), shutil.which("curl")
    if not curl or not (gh or args.quick):
        raise Broken("gh and curl are needed (bench/run installs them)")
    root = tempfile.mkdtemp(prefix="authctl-bench-")
    os.chmod(root, 0o700)
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": root, "LANG": "C.UTF-8", "NO_COLOR": "1",
           "GH_CONFIG_DIR": gh_setup(root), "GH_NO_UPDATE_NOTIFIER": "1", "GH_PROMPT_DISABLED": "1"}
    server = FakeServer()
    table = Table(strict=not args.quick)
    try:
        server.call("POST", "/__control/users", {"email": EMAIL, "password": PASSWORD})
        token = server.sign_in()
        one = os.path.join(root, "sizes-1", "keystore.json")
        write_keystore(one, 1, server.base, token)
        if output_of([authctl, "token", "--keystore", one, "-p", "work"], env).strip() != token:
            raise Broken("authctl token did not print the stored token")
        gh_network = check_gh_offline([gh, "auth", "token"], env) if gh else "not installed"
        groups = {
            "start-up": lambda: start_up(table, authctl, hello, gh, one, env, rounds[0]),
            "sizes": lambda: keystore_sizes(table, authctl, root, server, token, env, rounds[1]),
            "refresh": lambda: refresh(table, authctl, curl, root, server, env, rounds[2]),
            "fan-out": lambda: fan_out(table, authctl, root, server, env, rounds[3]),
        }
        for name, group in groups.items():
            if args.only in (None, name):
                group()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    table.notes.append("rounds: %d start-up, %d keystore sizes, %d refresh, %d fan-out; gh offline: %s" % (
        rounds + (gh_network,)))
    print(machine())
    print()
    table.print()
    for problem in table.problems:
        print("BROKEN: " + problem, file=sys.stderr)
    if table.problems:
        return 1
    if table.failed:
        print("%d target(s) missed%s" % (table.failed, " (not fatal with --quick)" if args.quick else ""),
              file=sys.stderr)
        return 1 if table.strict else 0
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Broken as error:
        print("BROKEN: %s" % error, file=sys.stderr)
        sys.exit(1)
