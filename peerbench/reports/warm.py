"""Start the chart renderer while a report's figures are still being computed.

vl-convert's first render boots its JavaScript engine: about half a second of a cold
report's wall time, spent in native code that does not hold the GIL. A report that is
built (not read back from the result cache) calls :func:`start_renderer` first, so the
boot overlaps the benchmark instead of delaying the first chart. The rendered charts
are the same either way: only the engine is started early.
"""

from __future__ import annotations

import threading

_SPEC = {"data": {"values": [{"x": 0}]}, "mark": "point", "encoding": {"x": {"field": "x"}}}
_lock = threading.Lock()
_thread: threading.Thread | None = None


def _boot() -> None:
    import vl_convert

    try:
        vl_convert.vegalite_to_svg(_SPEC, allowed_base_urls=[])
    except Exception:  # only a head start: the real render reports any error
        return


def start_renderer() -> threading.Thread:
    """Boot the renderer in a background thread (once per process); return the thread."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_boot, name="peerbench-renderer-boot")
            _thread.start()
        return _thread
