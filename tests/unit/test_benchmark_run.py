"""A smoke run of the benchmark harness at a small N: every command it times really runs.

The timings themselves are not checked (benchmarks are not tests); what is checked is
that each timed command succeeded against a real registry and Git repository, and that
the report has a row per measurement and the goal ratios. check-jsonschema is the one
from this environment (a test dependency); Hugo is timed when installed.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.run import Bench, hugo_binary, report

TIMED = [
    "parse floor (libyaml)",
    "validate, cold",
    "check-jsonschema (default)",
    "validate, warm",
    "check-jsonschema (C parser)",
    "validate --base, one new file, first run",
    "validate --base, one new file, later runs",
    "validate --base --committed, one committed file",
    "latest --milestone",
    "release show",
    "build, full",
    "build again, nothing changed",
    "build after one approval",
]


def test_a_small_run_times_every_command_and_reports_them(tmp_path: Path) -> None:
    here = Path(sys.executable).parent.parent  # this environment holds check-jsonschema
    bench = Bench(40, 1, tmp_path)
    bench.setup()
    hugo = hugo_binary()
    bench.run(here, here, build=True, hugo=hugo)

    expected = TIMED + (["hugo, same pages", "hugo, bare pages"] if hugo else [])
    assert sorted(bench.times) == sorted(expected)
    assert all(len(runs) == 1 and runs[0] > 0 for runs in bench.times.values())
    assert bench.memory["validate"] > 10 and bench.memory["build"] > 10  # MB: a real process
    if hugo:
        assert bench.memory["hugo"] > 10
        # the Hugo peer built the pages relreg builds: a page and a JSON file per release
        site = bench.work / "mem-hugo"
        tags = [p.name for p in (bench.data / "releases").glob("*/*")]
        assert tags and all((site / "releases" / t / "index.html").is_file() for t in tags)
        assert all((site / "releases" / t / "index.json").is_file() for t in tags)
        assert (site / "milestones" / "nightly-passed" / "index.html").is_file()
    # the approvals added for the timed runs were taken back: the repository is as made
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=bench.repo, capture_output=True, check=True
    )
    assert status.stdout == b""
    table = report([bench])
    for name in expected:
        assert f"| {name} | " in table
    assert "| validate cold / parse floor (goal ≤ 1.2) | " in table
    assert ("| build / hugo (goal < 1) | " in table) == bool(hugo)
