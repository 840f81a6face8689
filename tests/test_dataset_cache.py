"""The checked-dataset cache: a restart reads what was checked, never stale or damaged data."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
import pytest

from kzunrest import dataset_cache
from kzunrest.dataset import read_dataset
from kzunrest.errors import DataError
from kzunrest.loader import read_events


def _entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if p.is_dir()) if cache.exists() else []


def _same(a, b) -> None:
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    for name in dataset_cache._FRAMES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)
    assert a.regions.geom_equals(b.regions.geometry).all()
    assert a.regions.drop(columns="geometry").equals(b.regions.drop(columns="geometry"))
    assert a.regions.crs == b.regions.crs
    assert (a.calendar, a.country, a.crs, a.settings) == (b.calendar, b.country, b.crs,
                                                          b.settings)
    assert (a.load.source_format, a.load.column_map, a.load.notices, a.load.left_out) == (
        b.load.source_format, b.load.column_map, b.load.notices, b.load.left_out)


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def test_a_restart_reads_the_checked_dataset_from_the_cache(data_copy, cache, monkeypatch):
    first = dataset_cache.load_dataset(data_copy, cache)
    assert len(_entries(cache)) == 1
    _same(first, read_dataset(data_copy))

    def no_full_read(folder):
        raise AssertionError("the folder was read and checked again")

    monkeypatch.setattr(dataset_cache, "read_dataset", no_full_read)
    again = dataset_cache.load_dataset(data_copy, cache)
    _same(first, again)
    assert again.folder == data_copy


def test_a_changed_file_is_read_again_never_the_old_entry(data_copy, cache):
    dataset_cache.load_dataset(data_copy, cache)
    events = data_copy / "events.csv"
    text = events.read_text(encoding="utf-8")
    first_note = read_dataset(data_copy).events["notes"].iloc[0]
    events.write_text(text.replace(first_note, "A note changed after the first start", 1),
                      encoding="utf-8")
    ds = dataset_cache.load_dataset(data_copy, cache)
    assert ds.events["notes"].iloc[0] == "A note changed after the first start"
    assert len(_entries(cache)) == 2  # a new key; the old entry is kept (a rollback is cheap)


def test_a_changed_context_file_or_code_gives_another_key(data_copy, monkeypatch):
    key = dataset_cache.dataset_key(data_copy)
    (data_copy / "milestones.csv").write_text(
        (data_copy / "milestones.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert dataset_cache.dataset_key(data_copy) != key
    key = dataset_cache.dataset_key(data_copy)
    monkeypatch.setattr(dataset_cache, "FORMAT", dataset_cache.FORMAT + 1)
    assert dataset_cache.dataset_key(data_copy) != key


@pytest.mark.parametrize("damage", ["truncated", "garbage", "manifest"])
def test_a_damaged_entry_falls_back_to_a_full_read(data_copy, cache, damage, caplog):
    good = dataset_cache.load_dataset(data_copy, cache)
    (entry,) = _entries(cache)
    target = entry / ("manifest.json" if damage == "manifest" else dataset_cache.EVENTS_FILE)
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2] if damage == "truncated"
                       else b"not a parquet file" if damage == "garbage" else b"{")
    with caplog.at_level(logging.WARNING, logger="kzunrest.dataset_cache"):
        ds = dataset_cache.load_dataset(data_copy, cache)
    _same(good, ds)
    assert "unusable" in caplog.text
    (rewritten,) = _entries(cache)
    ds, key = dataset_cache._read_entry(rewritten, data_copy, dataset_cache._Digests(cache))
    assert key == dataset_cache.dataset_key(data_copy)
    _same(good, ds)


def test_a_folder_with_problems_writes_nothing(data_copy, cache):
    events = data_copy / "events.csv"
    lines = events.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("2022-01-", "2022-13-", 1)
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError):
        dataset_cache.load_dataset(data_copy, cache)
    assert _entries(cache) == []


def test_an_upload_writes_neither_the_cache_nor_the_data_folder(data_copy, cache, monkeypatch):
    monkeypatch.setenv("KZUNREST_CACHE", str(cache))
    ds = dataset_cache.load_dataset(data_copy, None)
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size)
              for p in [*data_copy.rglob("*"), *cache.rglob("*")]}
    upload = b"date,lat,lon,notes\n2022-01-05,43.25,76.91,uploaded\n"
    ds.with_events(read_events(upload, folder=data_copy, name="upload.csv"))
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size)
             for p in [*data_copy.rglob("*"), *cache.rglob("*")]}
    assert after == before


def test_the_cache_can_be_switched_off(data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("KZUNREST_CACHE", "off")
    assert dataset_cache.cache_dir() is None
    dataset_cache.load_dataset(data_copy)
    assert not any(p.name.endswith((".parquet", ".arrow")) for p in tmp_path.rglob("*"))


def test_old_entries_are_dropped_beyond_the_limit(data_copy, cache, monkeypatch):
    monkeypatch.setattr(dataset_cache, "MAX_ENTRIES", 2)
    for i in range(3):
        (data_copy / "extra.txt").write_text(f"version {i}")
        dataset_cache.load_dataset(data_copy, cache)
    assert len(_entries(cache)) == 2


@pytest.fixture
def settled(monkeypatch):
    """Every file counts as changed long ago, so each digest is remembered by its stat (the
    test's files are seconds old, which the cache would otherwise hash again each time)."""
    monkeypatch.setattr(dataset_cache, "RACY_NS", -(1 << 62))


def _digests(cache: Path) -> dict:
    return json.loads((cache / dataset_cache.DIGESTS_FILE).read_text())


def test_a_restart_hashes_no_file_whose_stat_is_unchanged(data_copy, cache, settled,
                                                          monkeypatch):
    first = dataset_cache.load_dataset(data_copy, cache)
    remembered = _digests(cache)
    (entry,) = _entries(cache)
    assert str((data_copy / "events.csv").resolve()) in remembered
    assert str((entry / dataset_cache.EVENTS_FILE).resolve()) in remembered  # moved from tmp

    def no_hash(path):
        raise AssertionError(f"{path} was hashed again")

    monkeypatch.setattr(dataset_cache, "_file_sha256", no_hash)
    _same(first, dataset_cache.load_dataset(data_copy, cache))


def test_a_file_changed_moments_before_it_was_hashed_is_not_remembered(data_copy, cache):
    """A second change within the file system's clock tick could keep the same stat."""
    dataset_cache.load_dataset(data_copy, cache)
    remembered = _digests(cache)
    assert str((data_copy / "events.csv").resolve()) not in remembered  # copied just now
    (entry,) = _entries(cache)
    assert str((entry / dataset_cache.EVENTS_FILE).resolve()) in remembered  # written by us


def test_a_damaged_digests_file_only_means_hashing_again(data_copy, cache, settled):
    first = dataset_cache.load_dataset(data_copy, cache)
    (cache / dataset_cache.DIGESTS_FILE).write_text("[not, json")
    _same(first, dataset_cache.load_dataset(data_copy, cache))
    assert str((data_copy / "events.csv").resolve()) in _digests(cache)


def test_a_wrong_remembered_digest_never_serves_a_stale_entry(data_copy, cache, settled):
    first = dataset_cache.load_dataset(data_copy, cache)
    (entry,) = _entries(cache)
    remembered = _digests(cache)
    arrow = str((entry / dataset_cache.EVENTS_FILE).resolve())
    remembered[arrow][1] = "0" * 64
    (cache / dataset_cache.DIGESTS_FILE).write_text(json.dumps(remembered))
    _same(first, dataset_cache.load_dataset(data_copy, cache))  # the entry refused, read again


@pytest.mark.parametrize("remember", [False, True], ids=["hashed", "remembered"])
def test_a_change_that_keeps_size_and_time_is_still_read_again(data_copy, cache, remember,
                                                               monkeypatch):
    """The entry found by the files' sizes and times is only a guess: the content decides;
    and a digest remembered by stat is not fooled either (the change time moves on)."""
    if remember:
        monkeypatch.setattr(dataset_cache, "RACY_NS", -(1 << 62))
    dataset_cache.load_dataset(data_copy, cache)
    events = data_copy / "events.csv"
    stat = events.stat()
    text = events.read_text(encoding="utf-8")
    first_note = read_dataset(data_copy).events["notes"].iloc[0]
    swapped = first_note[::-1]  # same length, so the same size
    events.write_text(text.replace(first_note, swapped, 1), encoding="utf-8")
    import os

    os.utime(events, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert events.stat().st_size == stat.st_size
    assert dataset_cache.load_dataset(data_copy, cache).events["notes"].iloc[0] == swapped


def test_values_kept_in_the_entry_survive_a_restart_and_can_be_refused(data_copy, cache):
    ds = dataset_cache.load_dataset(data_copy, cache)
    calls = []

    def build():
        calls.append(1)
        return {"urls": ["a", "b"], "n": len(calls)}

    assert dataset_cache.disk_memo(ds, "thing", build) == {"urls": ["a", "b"], "n": 1}
    again = dataset_cache.load_dataset(data_copy, cache)  # a restart: another object
    assert dataset_cache.disk_memo(again, "thing", build) == {"urls": ["a", "b"], "n": 1}
    assert dataset_cache.disk_memo(again, "thing", build, valid=lambda v: False)["n"] == 2
    (memo,) = (dataset_cache.entry_of(again) / "memo").glob("*.json")
    memo.write_text(memo.read_text().replace('"n": 2', '"n": 7'))  # edited by hand: refused
    assert dataset_cache.disk_memo(again, "thing", build)["n"] == 3


def test_an_upload_keeps_nothing_in_the_entry(data_copy, cache):
    ds = dataset_cache.load_dataset(data_copy, cache)
    upload = ds.with_events(read_events(b"date,lat,lon\n2022-01-05,43.25,76.91\n",
                                        folder=data_copy, name="upload.csv"))
    assert dataset_cache.entry_of(upload) is None
    assert dataset_cache.disk_memo(upload, "thing", lambda: 1) == 1
    assert not (dataset_cache.entry_of(ds) / "memo").exists()
