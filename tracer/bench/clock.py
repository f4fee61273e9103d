"""What a measurement of ``tracelab bench tracer`` reads off: wall and CPU time, peak memory."""
import resource
import time


def peak_mb():
    """The peak resident memory of this process so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # Linux: kilobytes


def timed(f, *args, **kwargs):
    """(result, wall seconds, CPU seconds of every thread of the process)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = f(*args, **kwargs)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def in_turn(repeats, *fs):
    """Run each of ``fs`` (no arguments) ``repeats`` times, in turn, so that a busy machine weighs on
    all of them alike; one list per function of its runs' (wall, CPU) seconds.

    Examples
    --------
    >>> a, b = in_turn(2, lambda: None, lambda: None)
    >>> len(a), len(b), all(w >= 0 and c >= 0 for w, c in a + b)
    (2, 2, True)
    """
    seconds = [[] for _ in fs]
    for _ in range(repeats):
        for f, s in zip(fs, seconds, strict=True):
            s.append(timed(f)[1:])
    return seconds
