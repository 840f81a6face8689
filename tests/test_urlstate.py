"""Link parameters: bad values are named in a notice, good ones pass silently."""

from __future__ import annotations

import datetime as dt

import pytest

from kzunrest.urlstate import check_params, view_params

SPEC = view_params(first=dt.date(2022, 1, 1), last=dt.date(2022, 1, 25),
                   regions=["Almaty", "Mangystau Region"], types=["Protests", "Riots"],
                   subtypes=["Peaceful protest"], actors=["Protesters (Kazakhstan)"],
                   layers=["events", "spread"], speeds=["slow", "normal", "fast"],
                   modes=["cumulative", "day"], basemaps=["carto-light", "offline"], steps=15)


def test_a_valid_link_has_no_notice():
    params = {"date": ["2022-01-05"], "regions": ["Almaty", "Mangystau Region"],
              "layers": ["events"], "mode": ["day"], "play": ["true"], "present": ["1"],
              "dates": ["2022-01-03", "2022-01-09"], "lon": ["76.9"], "zoom": ["7"],
              "step": ["3"], "embed": ["true"]}
    assert check_params(params, SPEC) == []


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"date": ["not-a-date"]}, "date=not-a-date ignored: not a date"),
        ({"date": ["2021-12-31"]}, "date=2021-12-31 ignored: outside"),
        ({"regions": ["Almaty", "Atlantis"]}, "regions=Atlantis ignored: not one of"),
        ({"layers": ["heatmap"]}, "layers=heatmap ignored"),
        ({"speed": ["warp"]}, "speed=warp ignored"),
        ({"zoom": ["99"]}, "zoom=99 ignored: outside 0 to 20"),
        ({"lat": ["nan"]}, "lat=nan ignored"),
        ({"dates": ["2022-01-03"]}, "dates ignored: needs 2 values"),
        ({"date": ["2022-01-03", "2022-01-04"]}, "date ignored: given 2 times"),
        ({"step": ["99"]}, "step=99 ignored"),
        ({"colour": ["red"]}, "colour ignored: not a parameter of this app"),
    ],
)
def test_each_bad_parameter_is_named(params, notice):
    notices = check_params(params, SPEC)
    assert len(notices) == 1 and notices[0].startswith(notice), notices


def test_a_date_streamlit_wrote_as_microseconds_is_accepted():
    assert check_params({"date": ["1641168000000000"]}, SPEC) == []  # 3 January 2022
    assert check_params({"date": ["99999999999999999999999"]}, SPEC)
