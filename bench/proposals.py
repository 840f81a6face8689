"""Per-frame costs at 10^6 events, current code against suggested replacements.

    python -m bench.proposals [--data bench/out/data-1e6]

Nothing here is used by the app: each line times what a rerun of the map page does now and a
candidate for kzunrest/ (same result, asserted), so the lead can judge the suggestions with
numbers. Reading the dataset takes about a minute at 10^6 events.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from kzunrest import select

FIRST_DAY = dt.date(2022, 1, 1)  # day 0 of the benchmark datasets (bench/datasets.py)

# The columns the map page's "events on this day" table sends.
TABLE_COLUMNS = ["event_date", "event_time", "location", "admin1", "event_type",
                 "sub_event_type", "fatalities", "notes", "source", "source_url"]


def timed(label: str, func, repeat: int = 3):
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    print(f"  {label:66s} {best * 1000:9.1f} ms")
    return result


def actors_now(ev: pd.DataFrame) -> list[str]:
    """kzunrest/ui/controls.py sidebar_filters, on every full rerun."""
    return sorted((set(ev["actor1"]) | set(ev["actor2"])) - {""})


def actors_fast(ev: pd.DataFrame) -> list[str]:
    return sorted(set(pd.unique(pd.concat([ev["actor1"], ev["actor2"]]))) - {""})


def day_index(events: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
    """Once per dataset and filter set: events per day number, first day per region."""
    day = select.day_number(events["event_date"], FIRST_DAY).to_numpy()
    per_day = np.bincount(day, minlength=32)
    onset = pd.Series(day, index=events.index).groupby(events["admin1"]).min()
    return per_day, onset


def timeline_fast(per_day: np.ndarray, onset: pd.Series, day: dt.date) -> dict[str, int]:
    n = select.day_number(day, FIRST_DAY)
    return {"today": int(per_day[n]), "so_far": int(per_day[: n + 1].sum()),
            "regions": int((onset <= n).sum())}


def arrow_bytes(frame: pd.DataFrame) -> int:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="bench/out/data-1e6")
    ap.add_argument("--day", default="2022-01-10")
    args = ap.parse_args(argv)

    from kzunrest.dataset import read_dataset

    t0 = time.perf_counter()
    ds = read_dataset(Path(args.data))
    ev, day = ds.events, dt.date.fromisoformat(args.day)
    print(f"{args.data}: {len(ev):,} events read in {time.perf_counter() - t0:.0f} s; "
          f"best of 3 per line")
    now = timed("sidebar actors: sorted(set(actor1) | set(actor2))  [now]",
                lambda: actors_now(ev), 1)
    fast = timed("sidebar actors: pd.unique over both columns", lambda: actors_fast(ev))
    assert now == fast

    counts = timed("events_timeline(events, day)  [now, on each new day]",
                   lambda: select.events_timeline(ev, day))
    per_day, onset = timed("day_index(events): once per dataset and filters",
                           lambda: day_index(ev))
    fast = timed("timeline from the day index", lambda: timeline_fast(per_day, onset, day))
    assert all(counts[k] == fast[k] for k in fast)

    todays = timed("today's events: events[event_date == day]  [now, every step]",
                   lambda: ev[ev["event_date"] == pd.Timestamp(day)])
    full, head = arrow_bytes(todays[TABLE_COLUMNS]), arrow_bytes(todays[TABLE_COLUMNS].head(500))
    print(f"  today's table: {len(todays):,} rows = {full / 1e6:.1f} MB of Arrow per step; "
          f"the first 500 rows = {head / 1e3:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
