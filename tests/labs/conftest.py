"""Catalog cases made once per test process and shared by every test that reads them."""
from __future__ import annotations

import functools

import pytest

from labs.spec import catalog
from labs.bundle import write_bundle
from labs.scenario import run_case
from labs.spec import load_spec

#: every catalog case is checked at its own seed and at these (several seeds, as the issue asks)
EXTRA_SEEDS = (101,)


@pytest.fixture(scope="session")
def catalog_bundle(tmp_path_factory):
    """``catalog_bundle(name, seed=None)`` -> (bundle, key) folders of a catalog case, made once."""
    root = tmp_path_factory.mktemp("catalog")

    @functools.cache
    def make(name: str, seed: int):
        spec = load_spec(catalog.path(name)).with_seed(seed)
        with run_case(spec) as case:
            return write_bundle(case, root / f"{name}-{spec.seed}")

    return lambda name, seed=None: make(name, load_spec(catalog.path(name)).seed if seed is None else seed)


def catalog_seeds(name: str) -> list[int]:
    return [load_spec(catalog.path(name)).seed, *EXTRA_SEEDS]


#: the catalog's names as test parameters: every test of one case runs in one worker (``make test``
#: distributes by group), so its bundles are made once
CATALOG = [pytest.param(name, marks=pytest.mark.xdist_group(f"catalog-{name}")) for name in catalog.names()]
