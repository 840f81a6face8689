"""Property tests: whatever bytes or CSV text the loader is fed, it returns a frame or raises
the project's own error with a message, never anything else."""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kzunrest.errors import DataError
from kzunrest.loader import read_events
from tests.conftest import DATA

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

HEADERS = st.lists(st.sampled_from(["date", "event_date", "lat", "latitude", "lon", "lng",
                                    "longitude", "type", "place", "notes", "fatalities",
                                    "admin1", "source_url", "x", "y", "id", "weird"]),
                   min_size=1, max_size=7, unique=True)
CELLS = st.one_of(st.text(max_size=12), st.sampled_from(
    ["2022-01-05", "05 January 2022", "43.25", "76.91", "-1", "1e400", "nan", "Almaty",
     "Aksu", "Жанаозен", "=HYPERLINK(\"x\")", "", "95", "Protests", '"quoted, comma"']))


def outcome(data: bytes) -> None:
    try:
        result = read_events(data, folder=DATA, name="fuzz")
    except DataError as err:
        assert err.problems and all(str(p) for p in err.problems)
        assert all(p.line is None or p.line >= 1 for p in err.problems)
        return
    assert isinstance(result.events, pd.DataFrame)
    assert result.events["latitude"].between(-90, 90).all()
    assert result.events["admin1"].ne("").all()


@SETTINGS
@given(st.binary(max_size=2000))
def test_arbitrary_bytes(data):
    outcome(data)


@SETTINGS
@given(HEADERS, st.lists(st.lists(CELLS, min_size=1, max_size=7), max_size=8))
def test_arbitrary_csv_text(header, rows):
    def line(cells):
        return ",".join(c.replace("\n", " ") for c in cells)

    text = "\n".join([",".join(header)] + [line(r) for r in rows])
    outcome(text.encode("utf-8"))
