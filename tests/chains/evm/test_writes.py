"""Ordered writes on a worker thread: kept in order, and nothing runs after one that failed."""
import threading

import pytest

from chains.evm.writes import OrderedWrites


def test_writes_run_in_order_off_the_calling_thread():
    writes, done, threads = OrderedWrites(), [], set()
    for i in range(50):
        writes.submit(lambda i: (done.append(i), threads.add(threading.current_thread().name)), i)
    writes.wait()
    assert done == list(range(50))
    assert threads and threading.current_thread().name not in threads
    writes.close()


def test_a_failed_write_raises_at_wait_and_stops_the_rest():
    writes, done = OrderedWrites(), []

    def refuse():
        raise ValueError("the node refused it")

    writes.submit(done.append, 1)
    writes.submit(refuse)
    writes.submit(done.append, 2)
    with pytest.raises(ValueError, match="the node refused it"):
        writes.wait()
    assert done == [1]
    writes.submit(done.append, 3)  # what comes later would build on a chain that is not there
    with pytest.raises(RuntimeError, match=r"an earlier write to the node failed \(the node refused it\)"):
        writes.wait()
    assert done == [1]
    writes.close()
