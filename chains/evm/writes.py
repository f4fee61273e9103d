"""A node's writes in the order the lab made them, on one worker thread, and reads that wait for them.

Sending and mining over JSON-RPC cost a round trip each; on their own thread the node works while
the lab signs what comes next. A read through web3 first waits for every write made before it
(:class:`ReadBarrier`), so it always sees them. A write that fails stops all after it: they would
build on a chain that is not there.
"""
from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from web3.middleware import Web3Middleware


class OrderedWrites:
    """Runs callables one after another on a worker thread started on first use."""

    def __init__(self, thread_name: str = "tracelab-evm"):
        self._thread_name = thread_name
        self._worker: ThreadPoolExecutor | None = None
        self._inflight: list[Future] = []
        self._failed: BaseException | None = None

    def submit(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` after every write submitted before it."""
        if self._worker is None:
            self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._thread_name)
        self._inflight.append(self._worker.submit(self._guarded, fn, *args))

    def _guarded(self, fn: Callable, *args) -> None:
        if self._failed is not None:
            raise RuntimeError(f"not done: an earlier write to the node failed ({self._failed})")
        try:
            fn(*args)
        except BaseException as exc:
            self._failed = exc
            raise

    @property
    def pending(self) -> bool:
        """Writes were submitted since the last :meth:`wait`."""
        return bool(self._inflight)

    def wait(self) -> None:
        """Wait until every write submitted so far is done; the first that failed raises here."""
        inflight, self._inflight = self._inflight, []
        for future in inflight:  # in order: the first to raise is the write that failed
            future.result()

    def close(self) -> None:
        """Stop the worker: a write not started yet is dropped."""
        if self._worker is not None:
            self._worker.shutdown(wait=True, cancel_futures=True)
            self._worker = None


class ReadBarrier(Web3Middleware):
    """web3 middleware that calls ``before_read()`` ahead of every request (e.g. a chain's ``sync``)."""

    def __init__(self, w3, before_read: Callable[[], None]):
        super().__init__(w3)
        self.before_read = before_read

    def request_processor(self, method, params):
        self.before_read()
        return method, params
