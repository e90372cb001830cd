"""The build key's library versions are read from folder names, without importlib.metadata:
they must be what importlib.metadata says."""

from __future__ import annotations

from importlib import metadata

from cmrsite import cache


def test_versions_from_dist_info_folders_are_importlib_metadata_s() -> None:
    installed = cache.installed_versions()
    for name in cache.LIBRARIES:
        assert installed.get(cache.normalise(name)) == metadata.version(name), name


def test_the_key_names_every_library_with_its_version() -> None:
    versions = dict(part.split("=", 1) for part in cache.library_versions().split(";"))
    for name in cache.LIBRARIES:
        assert versions[name] == metadata.version(name)


def test_names_are_normalised_as_pep_503_says() -> None:
    assert cache.normalise("PyYAML") == cache.normalise("pyyaml") == "pyyaml"
    assert (
        cache.normalise("markdown-it-py") == cache.normalise("markdown_it.py") == "markdown_it_py"
    )
