"""Git, through the git binary: every call checks its return code and raises GitError.

The binary is used rather than GitPython's index API because committing one file through
the binary is about 20x faster on a large repository (workflow.md measurements).
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from .errors import GitError

NO_GIT = "git is not installed or not on PATH; install Git"
# Seconds to wait for a Git command that reads the work tree (git status takes ~3 s at
# 100,000 releases): one that meets a named pipe where it reads a file (.gitignore)
# blocks for good.
GIT_TIMEOUT = 60.0


def wait(proc: subprocess.Popen[bytes], command: str) -> tuple[bytes, bytes]:
    """``proc.communicate()`` within ``GIT_TIMEOUT``; GitError (and the process killed)
    when Git gives no answer in time."""
    try:
        out, err = proc.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise GitError(
            f"git {command} gave no answer within {GIT_TIMEOUT:.0f} s; a named pipe where "
            "Git reads a file (a .gitignore, say) blocks it: remove it"
        ) from None
    return out or b"", err or b""


def git(
    cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> str:
    """Run ``git args`` in ``cwd`` and return its standard output as text."""
    return git_bytes(cwd, *args, input=input, env=env).decode("utf-8", "replace")


def git_bytes(
    cwd: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None
) -> bytes:
    """Run ``git args`` in ``cwd`` and return its standard output as bytes."""
    import os

    full_env = None
    if env:
        full_env = {**os.environ, **env}
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=full_env,
            check=False,
        )
    except FileNotFoundError as exc:
        raise GitError(NO_GIT) from exc
    except NotADirectoryError as exc:
        raise GitError(f"{cwd} is not a directory") from exc
    if proc.returncode != 0:
        raise _failure(args[0], proc.returncode, proc.stderr)
    return proc.stdout


def _failure(command: str, code: int, stderr: bytes) -> GitError:
    """The error for a failed git command: its last line of stderr, else its exit code."""
    detail = stderr.decode("utf-8", "replace").strip().splitlines()
    return GitError(f"git {command} failed: {detail[-1] if detail else f'exit code {code}'}")


def repo_root(path: Path) -> Path | None:
    """The top of the Git work tree holding ``path``, or None outside any repository."""
    try:
        return Path(git(path, "rev-parse", "--show-toplevel").strip())
    except GitError:
        return None


def user_email(path: Path) -> str | None:
    """Git's ``user.email`` as seen from ``path``, or None when unset."""
    try:
        value = git(path, "config", "user.email").strip()
    except GitError:
        return None
    return value or None


def git_many(cwd: Path, *commands: list[str]) -> list[str]:
    """Run several read-only git commands at once and return their outputs in order.

    Commands that each scan the work tree (``diff``, ``ls-files --others``) overlap well,
    so running them side by side saves most of the shorter one's time.
    """
    try:
        procs = [
            subprocess.Popen(
                ["git", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for args in commands
        ]
    except FileNotFoundError as exc:
        raise GitError(NO_GIT) from exc
    outputs = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = wait(proc, args[0])
        if proc.returncode != 0:
            raise _failure(args[0], proc.returncode, err)
        outputs.append(out.decode("utf-8", "replace"))
    return outputs


class PendingGit:
    """Read-only git commands running in the background; ``result`` waits for them.

    Their output goes to temporary files, not pipes, so a long log never stalls waiting
    for a reader while the caller does other work (no threads: the loader may fork).
    """

    def __init__(self, cwd: Path, commands: list[list[str]]) -> None:
        import tempfile

        self.commands = commands
        self.files: list[tuple[Any, Any]] = []
        self.procs: list[subprocess.Popen[bytes]] = []
        try:
            for args in commands:
                # closed in cancel(): they outlive this constructor
                out = tempfile.TemporaryFile()  # noqa: SIM115
                err = tempfile.TemporaryFile()  # noqa: SIM115
                self.files.append((out, err))
                self.procs.append(subprocess.Popen(["git", *args], cwd=cwd, stdout=out, stderr=err))
        except FileNotFoundError as exc:
            self.cancel()
            raise GitError(NO_GIT) from exc
        except BaseException:
            self.cancel()
            raise

    def result(self) -> list[str]:
        """Each command's standard output, in order; GitError when one failed."""
        try:
            outputs = []
            for args, proc, (out, err) in zip(self.commands, self.procs, self.files, strict=True):
                proc.wait()
                out.seek(0)
                err.seek(0)
                if proc.returncode != 0:
                    raise _failure(args[0], proc.returncode, err.read())
                outputs.append(out.read().decode("utf-8", "replace"))
            return outputs
        finally:
            self.cancel()

    def cancel(self) -> None:
        """Stop what still runs and drop the output files."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
        for out, err in self.files:
            out.close()
            err.close()
        self.procs, self.files = [], []
