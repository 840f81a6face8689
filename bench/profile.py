"""Where kzunrest's time goes on a large dataset (pyinstrument; not part of ``make bench``).

    python -m bench.profile --data bench/out/data-1e5 [--skip-cold] [--days 2022-01-05,...]

Writes bench/out/profiles/<dataset>-cold.txt (reading the dataset and building the static
files, the first page load's work) and <dataset>-frame.txt (slider steps under AppTest,
profiled inside Streamlit's script thread), and prints the top of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILES = ROOT / "bench" / "out" / "profiles"


def profile_cold(folder: Path, interval: float) -> str:
    from pyinstrument import Profiler

    from kzunrest import layers, select
    from kzunrest.dataset import read_dataset

    prof = Profiler(interval=interval)
    with tempfile.TemporaryDirectory() as static:  # keep the large files out of static/
        prof.start()
        t0 = time.perf_counter()
        ds = read_dataset(folder)
        t1 = time.perf_counter()
        layers.build_map_files(ds, select.select_events(ds.events, select.Filters()),
                               static_dir=Path(static))
        t2 = time.perf_counter()
        prof.stop()
    head = f"read_dataset {t1 - t0:.1f} s, build_map_files {t2 - t1:.1f} s\n"
    return head + prof.output_text(unicode=False, color=False)


def profile_frames(folder: Path, days: list[str], interval: float) -> str:
    """Profile the script thread of each rerun after the first (the steps only)."""
    from pyinstrument import Profiler
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    os.environ["KZUNREST_DATA"] = str(folder.resolve())
    prof = Profiler(interval=interval)
    armed = {"on": False}
    original = script_runner.ScriptRunner._run_script

    def run_script(self, rerun_data):
        if not armed["on"]:
            return original(self, rerun_data)
        prof.start()
        try:
            return original(self, rerun_data)
        finally:
            prof.stop()

    script_runner.ScriptRunner._run_script = run_script
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
    at.run()
    armed["on"] = True
    times = []
    import dataclasses

    for day in days:
        # The day the map component reports on a pause (see bench/frames.py).
        at.session_state["_view"] = dataclasses.replace(
            at.session_state["_view"], day=dt.date.fromisoformat(day), playing=False)
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    head = "steps: " + ", ".join(f"{d[5:]} {t * 1000:.0f} ms" for d, t in zip(days, times,
                                                                            strict=True))
    return head + "\n" + prof.output_text(unicode=False, color=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--days", default="2022-01-05,2022-01-10,2022-01-15,2022-01-20")
    ap.add_argument("--skip-cold", action="store_true")
    ap.add_argument("--interval", type=float, default=0.005)
    args = ap.parse_args(argv)
    folder = Path(args.data)
    name = folder.name.removeprefix("data-") if folder.name != "data" else "bundled"
    PROFILES.mkdir(parents=True, exist_ok=True)
    if not args.skip_cold:
        text = profile_cold(folder, args.interval)
        (PROFILES / f"{name}-cold.txt").write_text(text)
        print(text[:6000])
    text = profile_frames(folder, args.days.split(","), args.interval)
    (PROFILES / f"{name}-frame.txt").write_text(text)
    print(text[:8000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
