"""Synthetic dataset folders for the benchmarks: a copy of data/ with a larger events.csv.

Events are drawn with a fixed-seed numpy RNG: each one sits at a bundled event's place with a
small jitter (about 500 m, well inside the loader's 5 km border tolerance), keeps that event's
region, place, actors and source, takes a day uniformly in 2..20 January, a type pair from
data/event_types.csv, and a bundled note (so notes have their real length). disputes.csv is
left out: it names bundled events by id, which the synthetic events do not have. Each folder is
written once under bench/out/ and reused while its recipe and the bundled data are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
OUT = ROOT / "bench" / "out"
SEED = 20220105
JITTER_DEG = 0.005
SIZES = {"1e4": 10_000, "1e5": 100_000, "1e6": 1_000_000}
RECIPE_VERSION = 2


def _stamp(n: int) -> str:
    """What the folder was built from: recipe, size, and every bundled file's content."""
    h = hashlib.sha256(f"{RECIPE_VERSION}:{SEED}:{JITTER_DEG}:{n}".encode())
    for path in sorted(DATA.iterdir()):
        if path.is_file():
            h.update(path.name.encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:16]


def synthetic_events(n: int, seed: int = SEED) -> pd.DataFrame:
    """``n`` events in the bundled schema, reproducible for a given seed."""
    rng = np.random.default_rng(seed)
    base = pd.read_csv(DATA / "events.csv", dtype=str, keep_default_na=False)
    types = pd.read_csv(DATA / "event_types.csv", dtype=str, keep_default_na=False)
    types = types[types["event_type"] != "Unclassified"].reset_index(drop=True)

    pick = rng.integers(0, len(base), n)
    src = base.iloc[pick].reset_index(drop=True)
    lat = src["latitude"].astype(float).to_numpy() + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    lon = src["longitude"].astype(float).to_numpy() + rng.uniform(-JITTER_DEG, JITTER_DEG, n)
    day = rng.integers(2, 21, n)  # 2..20 January inclusive
    pair = types.iloc[rng.integers(0, len(types), n)].reset_index(drop=True)
    notes = base["notes"].to_numpy()[rng.integers(0, len(base), n)]
    has_time = rng.random(n) < 0.2
    hours, minutes = rng.integers(0, 24, n), rng.integers(0, 60, n)
    times = np.where(has_time, [f"{h:02d}:{m:02d}" for h, m in zip(hours, minutes,
                                                                   strict=True)], "")
    # Most tolls unknown (blank), some zero, a few small numbers: as in the bundled file.
    fat_kind = rng.random(n)
    fat = np.where(fat_kind < 0.9, "", np.where(fat_kind < 0.95, "0",
                                                rng.integers(1, 12, n).astype(str)))
    return pd.DataFrame({
        "event_id_cnty": [f"SYN{i:07d}" for i in range(1, n + 1)],
        "event_date": [f"2022-01-{d:02d}" for d in day],
        "event_time": times,
        "time_precision": np.where(has_time, "1", rng.choice(["1", "2"], n)),
        "event_type": pair["event_type"],
        "sub_event_type": pair["sub_event_type"],
        "actor1": src["actor1"], "actor2": src["actor2"], "admin1": src["admin1"],
        "location": src["location"],
        "latitude": np.round(lat, 5), "longitude": np.round(lon, 5),
        "geo_precision": src["geo_precision"], "fatalities": fat, "notes": notes,
        "source": src["source"], "source_url": src["source_url"],
    })


def dataset_folder(name: str, log=print) -> Path:
    """The folder for ``name`` ("bundled", "1e4", "1e5", "1e6"), built if missing or stale."""
    if name == "bundled":
        return DATA
    n = SIZES[name]
    folder = OUT / f"data-{name}"
    stamp_file = folder / ".bench-stamp"
    stamp = _stamp(n)
    if stamp_file.exists() and json.loads(stamp_file.read_text()).get("stamp") == stamp:
        return folder
    log(f"  writing synthetic dataset {name} ({n:,} events) to {folder} ...")
    tmp = OUT / f".tmp-data-{name}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(DATA, tmp)
    synthetic_events(n).to_csv(tmp / "events.csv", index=False)
    (tmp / "disputes.csv").unlink(missing_ok=True)
    (tmp / ".bench-stamp").write_text(json.dumps({"stamp": stamp, "events": n}))
    shutil.rmtree(folder, ignore_errors=True)
    tmp.rename(folder)
    return folder


def events_file_bytes(folder: Path) -> int:
    return (folder / "events.csv").stat().st_size
