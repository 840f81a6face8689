"""The GIF of the spread (kzunrest.gif) and the ``export-gif`` command. Frames are rendered
small (300x200) to keep the suite fast."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageSequence

from kzunrest import gif
from kzunrest.__main__ import main
from kzunrest.dataset import read_dataset
from kzunrest.gif import day_title, render_gif
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

    monkeypatch.setattr(gif, "render_gif", fake_render)
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
