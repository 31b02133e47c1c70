"""The manifest file is the indented JSON of its fields, exactly as json.dumps writes it,
however it is cut into the pieces it is written in."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry_lib.site import manifest as manifest_module
from registry_lib.site.index import dumps_indented
from registry_lib.site.manifest import MANIFEST_VERSION, Manifest

paths = st.text(min_size=1, max_size=30)


@given(
    mtime=st.one_of(st.none(), st.integers(min_value=0, max_value=2**40)),
    sha256=st.dictionaries(paths, st.text(max_size=64), max_size=8),
    sizes=st.dictionaries(paths, st.integers(min_value=0, max_value=2**40), max_size=8),
    inputs=st.dictionaries(paths, st.text(max_size=80), max_size=8),
    chunk=st.integers(min_value=1, max_value=5),
)
def test_manifest_text_is_the_indented_json_of_its_fields(
    mtime: int | None,
    sha256: dict[str, str],
    sizes: dict[str, int],
    inputs: dict[str, str],
    chunk: int,
) -> None:
    manifest = Manifest(mtime, sha256, sizes, inputs)
    doc = {
        "version": MANIFEST_VERSION,
        "files": dict(sorted(sha256.items())),
        "sizes": dict(sorted(sizes.items())),
        "inputs": dict(sorted(inputs.items())),
        "mtime": mtime,
    }
    with pytest.MonkeyPatch.context() as patch:  # pieces of a few entries: every boundary
        patch.setattr(manifest_module, "CHUNK", chunk)
        text = manifest.dump().decode("utf-8")
    assert text == dumps_indented(doc) + "\n"
    assert text == json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
