"""Registry files are read in chunks, up to one byte past the size limit."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from registry_lib.sources import CHUNK, DirectorySource, read_limited
from registry_lib.yamlio import MAX_BYTES


@pytest.mark.parametrize(
    "size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7, MAX_BYTES, MAX_BYTES + 5]
)
def test_reads_whole_files_and_stops_past_the_limit(tmp_path: Path, size: int) -> None:
    data = bytes(i % 251 for i in range(size))
    (tmp_path / "f.yaml").write_bytes(data)
    got = DirectorySource(tmp_path).read("f.yaml")
    assert got == data[: MAX_BYTES + 1]
    fd = os.open(tmp_path / "f.yaml", os.O_RDONLY)
    try:
        assert read_limited(fd, 10) == data[:10]
    finally:
        os.close(fd)


def test_a_pipe_written_twice_is_read_to_its_end() -> None:
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"a: 1\n")
    os.write(write_fd, b"b: 2\n")
    os.close(write_fd)
    try:
        assert read_limited(read_fd, 100) == b"a: 1\nb: 2\n"
    finally:
        os.close(read_fd)
