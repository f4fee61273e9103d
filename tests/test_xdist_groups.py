"""The suite's expensive shared cases rely on ``--dist loadgroup`` keeping an ``xdist_group`` on one
worker; a pytest / pytest-xdist pair that drops the marks (pytest-xdist#1386) would only show as a
slower CI, so it fails here instead."""
import pytest


@pytest.mark.xdist_group("the-group-mark-holds")
def test_loadgroup_keeps_the_group_mark(request):
    if not request.config.getvalue("loadgroup"):
        pytest.skip("not run with --dist loadgroup")
    assert request.node.nodeid.endswith("@the-group-mark-holds"), request.node.nodeid
