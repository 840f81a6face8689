"""The GIF of the spread and the standalone HTML snapshot (kzunrest.animation), and the
``export-gif`` command. Frames are rendered small (300x200) to keep the suite fast."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydeck as pdk
import pytest
from PIL import Image, ImageSequence

from kzunrest import animation, layers
from kzunrest.__main__ import main
from kzunrest.animation import day_title, render_gif, snapshot_html
from kzunrest.dataset import read_dataset
from tests.conftest import DATA, ROOT

SMALL = (300, 200)
JAN = [dt.date(2022, 1, d) for d in range(2, 7)]  # 2 to 6 January: five frames


@pytest.fixture(scope="module")
def ds():
    return read_dataset(DATA)


@pytest.fixture(scope="module")
def rendered(ds, tmp_path_factory):
    """One small GIF of 2-6 January, and every progress call made while drawing it."""
    calls = []
    out = render_gif(ds, tmp_path_factory.mktemp("gif") / "spread.gif", JAN[0], JAN[-1],
                     size=SMALL, seconds_per_frame=0.5,
                     progress=lambda i, n: calls.append((i, n)))
    return out, calls


def frames_of(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        return [np.asarray(f.convert("RGB"), dtype=np.int16) for f in ImageSequence.Iterator(im)]


def test_one_frame_per_day_of_the_given_size(rendered):
    out, _ = rendered
    frames = frames_of(out)
    assert len(frames) == len(JAN)
    assert {f.shape for f in frames} == {(SMALL[1], SMALL[0], 3)}


def test_gif_is_animated_loops_forever_and_keeps_the_pace(rendered):
    out, _ = rendered
    with Image.open(out) as im:
        assert im.format == "GIF"
        assert im.is_animated
        assert im.info["loop"] == 0  # 0: for ever
        assert im.info["duration"] == 500


def test_the_spread_changes_the_picture(rendered):
    first, *_, last = frames_of(rendered[0])  # 2 and 6 January
    changed = np.abs(first - last).sum(axis=2) > 30
    assert changed.mean() > 0.02, "6 January looks like 2 January"


def test_progress_is_called_after_each_frame(rendered):
    _, calls = rendered
    assert calls == [(i, len(JAN)) for i in range(1, len(JAN) + 1)]


def test_filtered_and_empty_event_sets_still_render(ds, tmp_path):
    none = ds.events.iloc[0:0]
    out = render_gif(ds, tmp_path / "empty.gif", JAN[0], JAN[1], events=none, size=SMALL)
    assert len(frames_of(out)) == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"start": dt.date(2022, 1, 9), "end": dt.date(2022, 1, 3)}, "is after end"),
    ({"size": (20, 10)}, "too small"),
    ({"seconds_per_frame": 0}, "must be positive"),
])
def test_bad_arguments_are_refused_before_drawing(ds, tmp_path, kwargs, message):
    args = {"start": JAN[0], "end": JAN[1], **kwargs}
    with pytest.raises(ValueError, match=message):
        render_gif(ds, tmp_path / "x.gif", args.pop("start"), args.pop("end"), **args)
    assert not (tmp_path / "x.gif").exists()


@pytest.mark.parametrize(("day", "title"), [
    (dt.date(2022, 1, 5), "Wed 5 January 2022"),
    (dt.date(2022, 1, 19), "Wed 19 January 2022"),
])
def test_day_title(day, title):
    assert day_title(day) == title


# -- command line -------------------------------------------------------------------------

def test_cli_writes_a_gif(tmp_path, capsys):
    out = tmp_path / "cli.gif"
    code = main(["export-gif", str(out), "--start", "2022-01-04", "--end", "2022-01-05",
                 "--size", "300x200"])
    assert code == 0
    assert len(frames_of(out)) == 2
    printed = capsys.readouterr().out
    assert str(out) in printed and "2 frames" in printed and "KB" in printed


def test_cli_defaults_to_the_datasets_default_day_to_its_last_day(tmp_path, monkeypatch, capsys):
    seen = {}

    def fake_render(ds, out, start, end, **kwargs):
        seen.update(start=start, end=end, size=kwargs["size"])
        out.write_bytes(b"GIF89a")
        return out

    monkeypatch.setattr(animation, "render_gif", fake_render)
    assert main(["export-gif", str(tmp_path / "d.gif")]) == 0
    # The bundled data opens on 2 January (data/settings.csv) and ends on 25 January.
    assert seen == {"start": dt.date(2022, 1, 2), "end": dt.date(2022, 1, 25),
                    "size": (1200, 800)}
    assert "24 frames" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--start", "not-a-date"], "not a date (expected YYYY-MM-DD): 'not-a-date'"),
    (["--end", "2022-02-30"], "not a date"),
    (["--start", "2022-01-09", "--end", "2022-01-03"], "is after --end"),
    (["--size", "big"], "not a size"),
])
def test_cli_rejects_bad_arguments_with_a_usage_error(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_:
        main(["export-gif", str(tmp_path / "x.gif"), *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.gif").exists()


def test_cli_bad_date_prints_no_traceback(tmp_path):
    run = subprocess.run([sys.executable, "-m", "kzunrest", "export-gif",
                          str(tmp_path / "x.gif"), "--start", "not-a-date"],
                         cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 2
    assert "not a date" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


# -- standalone HTML ----------------------------------------------------------------------

def deck_json(html: str) -> dict:
    return json.loads(re.search(r"const jsonInput = (.*);\n", html).group(1))


def test_snapshot_inlines_the_map_data(ds, tmp_path):
    with open(DATA / "events.csv", encoding="utf-8") as f:
        first = next(csv.DictReader(f))
    day = dt.date.fromisoformat(first["event_date"])
    static = tmp_path / "static"
    files = layers.build_map_files(ds, ds.events, static_dir=static)
    deck = layers.build_deck(ds, files, day, layers=layers.TOGGLEABLE)
    before = deck.to_json()

    html = snapshot_html(deck, tmp_path / "map.html", static_dir=static)

    assert first["event_id_cnty"] in html
    assert "/app/static/" not in html
    assert (tmp_path / "map.html").read_text(encoding="utf-8") == html
    assert deck.to_json() == before, "the passed deck was changed"
    doc = deck_json(html)
    by_id = {layer["id"]: layer for layer in doc["layers"]}
    assert by_id["regions"]["data"]["type"] == "FeatureCollection"
    assert len(by_id["regions"]["data"]["features"]) == len(ds.regions)
    assert first["event_id_cnty"] in {row["event_id_cnty"] for row in by_id["events"]["data"]}
    assert "const tooltip = {'html'" in html  # the map's tooltip, kept


def test_snapshot_applies_the_day_filter_it_cannot_ship(tmp_path):
    # pydeck's page bundle has no DataFilterExtension: the rows of other days must go.
    rows = [{"day": d, "position": [70.0 + d, 45.0]} for d in (1, 2, 3)]
    url = layers.publish(json.dumps(rows).encode(), "json", tmp_path)
    layer = pdk.Layer("ScatterplotLayer", id="events", data=url, get_position="position",
                      get_filter_value="day", filter_range=[1.5, 2.5],
                      extensions=[{"@@type": "DataFilterExtension", "filterSize": 1}])
    html = snapshot_html(pdk.Deck(layers=[layer], map_provider=None), static_dir=tmp_path)
    (only,) = deck_json(html)["layers"]
    assert only["data"] == [rows[1]]
    assert "DataFilterExtension" not in html and "filterRange" not in only


PAYLOAD = "</script><img src=x onerror=alert(1)>"


def test_snapshot_data_cannot_close_the_script(tmp_path):
    layer = pdk.Layer("ScatterplotLayer", id="events", data=[{"notes": PAYLOAD}],
                      get_position=[70, 45])
    deck = pdk.Deck(layers=[layer], map_provider=None, tooltip=False)
    html = snapshot_html(deck, static_dir=tmp_path)
    assert PAYLOAD not in html
    assert deck_json(html)["layers"][0]["data"][0]["notes"] == PAYLOAD


def test_snapshot_escapes_what_the_tooltip_shows(tmp_path):
    # The app's deck component escapes tooltip values; pydeck's page does not, so we do.
    row = {"title": PAYLOAD, "body": "a & b", "foot": "", "notes": PAYLOAD}
    layer = pdk.Layer("ScatterplotLayer", id="events", data=[row], get_position=[70, 45])
    deck = pdk.Deck(layers=[layer], map_provider=None, tooltip=layers.TOOLTIP)
    (shown,) = deck_json(snapshot_html(deck, static_dir=tmp_path))["layers"][0]["data"]
    assert shown["title"] == "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
    assert shown["body"] == "a &amp; b"
    assert shown["notes"] == PAYLOAD  # not in the tooltip: left as it is
    assert layer.data == [row]


def test_snapshot_refuses_a_url_outside_the_static_folder(tmp_path):
    layer = pdk.Layer("GeoJsonLayer", id="regions", data=f"{layers.STATIC_URL}/../secret.json")
    with pytest.raises(ValueError, match="outside"):
        snapshot_html(pdk.Deck(layers=[layer], map_provider=None), static_dir=tmp_path)
