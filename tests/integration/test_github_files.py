"""Check the project's GitHub files: the workflows, the composite action and the
pre-commit hook definition.

They must pass GitHub's JSON Schemas, pin every action to a commit, grant the
least permissions, keep expressions out of shell scripts, and call only `relreg`
commands and options that exist in the click command tree.
"""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted([*WORKFLOW_DIR.glob("*.yml"), *WORKFLOW_DIR.glob("*.yaml")])
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
GITHUB_FILES = [*WORKFLOWS, ACTION]

# The only write permissions any job may hold: deploying the site to Pages.
ALLOWED_WRITES = {("publish.yml", "deploy"): {"pages", "id-token"}}

PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"^v\d+(\.\d+)*$")
SHELL_KEYWORDS = {"if", "then", "else", "elif", "do", "while", "until", "!", "time", "exec"}
OPERATOR = re.compile(r"^[;&|()<>]+$")
ARRAY_ASSIGNMENT = re.compile(r"(\w+)\+?=\(([^)]*)\)")
ARRAY_EXPANSION = re.compile(r"^\$\{(\w+)\[[@*]\]\}$")


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _load(path: Path) -> dict[str, Any]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(doc, dict), f"{_name(path)} is not a YAML mapping"
    return doc


def _steps(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (where, step) for every step of a workflow or composite action."""
    for job_id, job in (doc.get("jobs") or {}).items():
        for index, step in enumerate(job.get("steps") or []):
            yield f"jobs.{job_id}.steps[{index}]", step
    for index, step in enumerate((doc.get("runs") or {}).get("steps") or []):
        yield f"runs.steps[{index}]", step


def _uses(doc: dict[str, Any]) -> list[str]:
    """Return every action or reusable workflow referenced by `uses:`."""
    refs = [step["uses"] for _, step in _steps(doc) if "uses" in step]
    refs += [job["uses"] for job in (doc.get("jobs") or {}).values() if "uses" in job]
    return refs


def _check_jsonschema_command() -> list[str]:
    if importlib.util.find_spec("check_jsonschema") is not None:
        return [sys.executable, "-m", "check_jsonschema"]
    executable = shutil.which("check-jsonschema")
    if executable is None:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    return [executable]


# --- finding `relreg` command lines in shell scripts --------------------------


def _bash_arrays(script: str) -> dict[str, list[str]]:
    """Collect the words put into bash arrays (`args=(…)`, `args+=(…)`)."""
    arrays: dict[str, list[str]] = {}
    for name, words in ARRAY_ASSIGNMENT.findall(script):
        arrays.setdefault(name, []).extend(shlex.split(words))
    return arrays


def relreg_commands(script: str) -> list[list[str]]:
    """Return the words after `relreg` of every relreg command in a bash script.

    Line continuations are joined and `"${args[@]}"` is replaced by the words
    the script puts into that array; other variables stay as they are (`$X`).
    """
    arrays = _bash_arrays(script)
    commands = []
    for line in script.replace("\\\n", " ").splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        command: list[str] = []
        for token in [*lexer, ";"]:
            if not OPERATOR.match(token):
                command.append(token)
                continue
            while command and (command[0] in SHELL_KEYWORDS or re.match(r"^\w+=", command[0])):
                command.pop(0)
            if command[:1] == ["relreg"]:
                words = []
                for word in command[1:]:
                    expansion = ARRAY_EXPANSION.match(word)
                    words += arrays.get(expansion[1], []) if expansion else [word]
                commands.append(words)
            command = []
    return commands


def _invocations(path: Path) -> list[list[str]]:
    """Return the relreg command lines in a GitHub file or the hook definitions."""
    if path == HOOKS:
        hooks = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = []
        for hook in hooks:
            words = [*shlex.split(hook["entry"]), *hook.get("args", [])]
            if words[:1] == ["relreg"]:
                found.append(words[1:])
        return found
    return [
        words
        for _, step in _steps(_load(path))
        if "run" in step
        for words in relreg_commands(step["run"])
    ]


def _is_literal(word: str) -> bool:
    return "$" not in word and "`" not in word


def _find_option(command: click.Command, ctx: click.Context, name: str) -> click.Option | None:
    for param in command.get_params(ctx):
        if isinstance(param, click.Option) and name in (*param.opts, *param.secondary_opts):
            return param
    return None


def check_invocation(main: click.Group, words: list[str]) -> list[str]:
    """Return what is wrong with `relreg WORDS`: unknown commands or options.

    Options are checked where click reads them: before a subcommand they
    belong to the group (so global options come before the command name).
    Variables are values that cannot be known here and are skipped.
    """
    problems = []
    command: click.Command = main
    ctx = click.Context(main, info_name="relreg")
    path = "relreg"
    index = 0
    only_arguments = False
    while index < len(words):
        word = words[index]
        index += 1
        if not _is_literal(word):
            continue
        if word == "--":
            only_arguments = True
        elif word.startswith("-") and word != "-" and not only_arguments:
            name, has_value, _ = word.partition("=")
            option = _find_option(command, ctx, name)
            if option is None:
                problems.append(f"`{path}` has no option {name}")
            elif not (option.is_flag or option.count or has_value):
                index += 1  # the option's value
        elif isinstance(command, click.Group):
            subcommand = command.get_command(ctx, word)
            if subcommand is None:
                return [*problems, f"`{path}` has no command {word!r}"]
            command, path = subcommand, f"{path} {word}"
            ctx = click.Context(subcommand, info_name=word, parent=ctx)
    if isinstance(command, click.Group) and not command.invoke_without_command:
        problems.append(f"`{path}` needs a subcommand")
    return problems


# --- the tests ------------------------------------------------------------------


def test_the_expected_files_exist() -> None:
    names = {path.name for path in WORKFLOWS}
    assert {"validate.yml", "publish.yml", "ci.yml"} <= names
    assert ACTION.is_file()
    assert HOOKS.is_file()


@pytest.mark.parametrize("path", GITHUB_FILES, ids=_name)
def test_matches_the_github_schema(path: Path) -> None:
    schema = "vendor.github-actions" if path == ACTION else "vendor.github-workflows"
    result = subprocess.run(
        [*_check_jsonschema_command(), "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", GITHUB_FILES, ids=_name)
def test_actions_are_pinned_to_a_commit(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for ref in _uses(_load(path)):
        if ref.startswith("./"):
            continue  # an action of this repository
        assert PINNED.match(ref), f"{ref} is not pinned to a full 40-hex commit SHA"
        line = re.search(rf"uses:\s*{re.escape(ref)}[ \t]+#[ \t]*(\S+)", text)
        assert line, f"{ref} has no `# vX` comment naming its version"
        assert VERSION_COMMENT.match(line[1]), f"{ref}: {line[1]!r} is not a version"


def test_each_action_is_pinned_to_one_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in GITHUB_FILES:
        for ref in _uses(_load(path)):
            action, _, sha = ref.partition("@")
            pins.setdefault(action, set()).add(sha)
    assert {action: shas for action, shas in pins.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOWS, ids=_name)
def test_permissions_are_least_privilege(path: Path) -> None:
    doc = _load(path)
    assert doc.get("permissions") == {}, "the workflow must start with `permissions: {}`"
    for job_id, job in doc["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict), f"job {job_id} must list its permissions"
        writes = {scope for scope, level in permissions.items() if level == "write"}
        allowed = ALLOWED_WRITES.get((path.name, job_id), set())
        assert writes <= allowed, f"job {job_id} may not write {sorted(writes - allowed)}"


@pytest.mark.parametrize("path", GITHUB_FILES, ids=_name)
def test_run_scripts_take_expressions_only_through_env(path: Path) -> None:
    for where, step in _steps(_load(path)):
        assert "${{" not in step.get("run", ""), f"{where}: pass `${{{{ }}}}` values via env"


@pytest.mark.parametrize("path", [*GITHUB_FILES, HOOKS], ids=_name)
def test_relreg_commands_exist(path: Path) -> None:
    from registry_lib.cli import main

    invocations = _invocations(path)
    assert invocations, f"no relreg command found in {_name(path)}"
    problems = [
        f"relreg {shlex.join(words)}: {problem}"
        for words in invocations
        for problem in check_invocation(main, words)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ('relreg validate --base "$BASE" --strict', [["validate", "--base", "$BASE", "--strict"]]),
        ("pip install .\nrelreg \\\n  build --out site", [["build", "--out", "site"]]),
        ("if relreg latest --json; then echo ok; fi", [["latest", "--json"]]),
        ("X=1 relreg release list && relreg-other x", [["release", "list"]]),
        (
            'args=(--format "$F")\nif [ -n "$B" ]; then args+=(--base "$B"); fi\n'
            'relreg --registry "$R" validate "${args[@]}"',
            [["--registry", "$R", "validate", "--format", "$F", "--base", "$B"]],
        ),
        ("# relreg in a comment\necho relreg", []),
    ],
)
def test_relreg_commands_are_found_in_scripts(script: str, expected: list[list[str]]) -> None:
    assert relreg_commands(script) == expected


def test_check_invocation_follows_click() -> None:
    @click.group()
    @click.option("--registry")
    def main(registry: str | None) -> None:
        """A stand-in for relreg."""

    @main.group()
    def release() -> None:
        """Releases."""

    @release.command()
    @click.argument("tag")
    @click.option("--meta", multiple=True)
    @click.option("--git-push", is_flag=True)
    def create(tag: str, meta: tuple[str, ...], git_push: bool) -> None:
        """Create."""

    ok = ["--registry", "d", "release", "create", "1.0", "--meta=a=b", "--git-push", "--help"]
    assert check_invocation(main, ok) == []
    assert check_invocation(main, ["release", "create", "1.0", "--registry", "d"]) == [
        "`relreg release create` has no option --registry"
    ]
    assert check_invocation(main, ["release", "make"]) == ["`relreg release` has no command 'make'"]
    assert check_invocation(main, ["release"]) == ["`relreg release` needs a subcommand"]
