"""kzunrest.charts on tiny frames: what each chart adds up, its order, its day rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kzunrest import charts

T = pd.Timestamp


def events_frame() -> pd.DataFrame:
    """Four events: the first in Aktau (the origin), then Zhanaozen, Almaty and Atyrau."""
    rows = [
        ("E1", "2022-01-02", "10:00", "West", "Aktau", 43.65, 51.17, "Protests", 0),
        ("E2", "2022-01-02", "09:00", "West", "Zhanaozen", 43.34, 52.86, "Protests", None),
        ("E3", "2022-01-04", "", "South", "Almaty", 43.25, 76.91, "Riots", 5),
        ("E4", "2022-01-05", "", "South", "Almaty", 43.25, 76.91, "Riots", 2),
        ("E5", "2022-01-06", "", "North", "Atyrau", 47.11, 51.92, "Protests", 1),
    ]
    frame = pd.DataFrame(rows, columns=["event_id_cnty", "event_date", "event_time", "admin1",
                                        "location", "latitude", "longitude", "event_type",
                                        "fatalities"])
    frame["event_date"] = pd.to_datetime(frame["event_date"])
    frame["fatalities"] = frame["fatalities"].astype("Int64")
    frame["time_precision"] = 1  # the day of each is known (3 would be a regional total)
    return frame


def layers_of(chart) -> list[tuple[dict, pd.DataFrame]]:
    """Each layer's spec and data rows, as sent to the browser (``chart.to_dict()``)."""
    spec = chart.to_dict()
    out = []
    for lyr in spec.get("layer", [spec]):
        name = (lyr.get("data") or spec.get("data") or {}).get("name")
        out.append((lyr, pd.DataFrame(spec["datasets"][name]) if name else pd.DataFrame()))
    return out


def base_data(chart) -> pd.DataFrame:
    return layers_of(chart)[0][1]


def base_encoding(chart) -> dict:
    return layers_of(chart)[0][0]["encoding"]


def rules(chart) -> list[pd.DataFrame]:
    """The data of the chart's selected-day rules (the map's red; other rules are marks)."""
    return [rows for lyr, rows in layers_of(chart)
            if lyr["mark"]["type"] == "rule" and lyr["mark"].get("color") == "#b2182b"]


def contingents_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "country": ["Russia", "Belarus"],
        "left_home_date": [T("2022-01-06"), T("2022-01-07")],
        "arrival_date": [T("2022-01-06"), pd.NaT],
        "departure_date": [T("2022-01-13"), T("2022-01-14")],
        "personnel": pd.array([3000, None], dtype="Int64"),
        "personnel_note": ["", ""],
    })


def _channel(enc: dict) -> dict:
    axis = enc.get("axis") or {}
    out = {k: enc[k] for k in ("field", "type", "title", "format", "sort", "bandPosition")
           if k in enc}
    if "scale" in enc and "scheme" in enc["scale"]:
        out["scale.scheme"] = enc["scale"]["scheme"]
    out.update({f"axis.{k}": axis[k] for k in ("format", "labelOverlap", "tickCount")
                if k in axis})
    if enc.get("axis", "") is None:
        out["axis"] = None
    return out


def reader_view(chart) -> list[dict]:
    """What a reader sees of each layer: mark and colour, title, each channel's field, type,
    title and format, the tooltip's lines."""
    spec = chart.to_dict()
    view = []
    for lyr, _rows in layers_of(chart):
        mark = lyr["mark"]
        enc = lyr["encoding"]
        title = lyr.get("title", spec.get("title"))
        view.append({
            "mark": mark["type"], "color": mark.get("color"),
            "title": title.get("text") if isinstance(title, dict) else title,
            "channels": {ch: _channel(e) for ch, e in sorted(enc.items()) if ch != "tooltip"},
            "tooltip": [_channel(t) for t in enc.get("tooltip", [])],
        })
    return view


CHART_DAY = dt.date(2022, 1, 5)
COLORS = {"Protests": "#0072B2", "Riots": "#E69F00"}
ALL_CHARTS = {
    "heatmap": lambda: charts.region_day_heatmap(events_frame(), CHART_DAY),
    "types": lambda: charts.types_over_time(events_frame(), COLORS, CHART_DAY),
    "spread": lambda: charts.spread_curve(events_frame(), CHART_DAY),
    "fatalities": lambda: charts.fatalities_by_region(events_frame()),
    "gantt": lambda: charts.contingents_gantt(contingents_frame(), CHART_DAY),
}


@pytest.mark.parametrize("name", ALL_CHARTS)
def test_every_field_a_chart_draws_or_shows_is_in_its_data(name):
    for lyr, rows in layers_of(ALL_CHARTS[name]()):
        channels = dict(lyr["encoding"])
        fields = [t["field"] for t in channels.pop("tooltip", [])]
        fields += [e["field"] for e in channels.values() if "field" in e]
        assert fields and set(fields) <= set(rows.columns), (fields, list(rows.columns))


@pytest.mark.parametrize("name", ALL_CHARTS)
def test_every_tooltip_line_has_a_human_title(name):
    for lyr, _rows in layers_of(ALL_CHARTS[name]()):
        for line in lyr["encoding"].get("tooltip", []):
            if line["field"] != "deaths" and line["field"] != "country":
                assert line.get("title"), line


@pytest.mark.parametrize(("a", "b", "km"), [
    ((0, 0), (0, 1), 111.1949),  # a degree on a sphere of radius 6371 km
    ((0, 0), (1, 0), 111.1949),
    ((43.25, 76.91), (43.25, 76.91), 0.0),
    ((43.65, 51.17), (43.25, 76.91), 2070.0),  # Aktau to Almaty
    ((60, 0), (60, 1), 55.6),  # a degree of longitude shrinks with latitude
])
def test_haversine_km(a, b, km):
    assert charts.haversine_km(*a, *b) == pytest.approx(km, abs=0.01 if km < 200 else 2)


def test_spread_table_measures_each_region_from_the_earliest_event():
    table = charts.spread_table(events_frame())
    # Zhanaozen's event (09:00) came before Aktau's (10:00) on the same day: it is the origin.
    assert table["admin1"].tolist() == ["West", "South", "North"]
    assert table["location"].tolist() == ["Zhanaozen", "Almaty", "Atyrau"]
    assert table["first_day"].tolist() == [T("2022-01-02"), T("2022-01-04"), T("2022-01-06")]
    assert table["distance_km"].tolist()[0] == 0
    assert table["distance_km"].tolist()[1] == pytest.approx(1950, abs=15)
    assert table["distance_km"].tolist()[2] == pytest.approx(422, abs=5)
    assert all(float(km).is_integer() for km in table["distance_km"])  # whole km


def test_spread_table_of_no_events_is_empty_with_its_columns():
    table = charts.spread_table(events_frame().iloc[0:0])
    assert table.empty and list(table.columns) == ["admin1", "first_day", "location",
                                                   "distance_km"]


def test_spread_curve_is_titled_with_the_origin_and_labels_the_regions():
    chart = charts.spread_curve(events_frame())
    spec = chart.to_dict()
    assert "Aktau" in str(spec) or "Zhanaozen" in str(spec)
    assert len(layers_of(chart)) == 2 and not rules(chart)  # stems and points, no day rule
    (rule,) = rules(charts.spread_curve(events_frame(), dt.date(2022, 1, 4)))
    assert rule["first_day"].tolist() == ["2022-01-04T00:00:00"]


@pytest.mark.parametrize(("day", "labels"), [
    (None, ["02 Jan", "03 Jan", "04 Jan", "05 Jan", "06 Jan"]),
    # A selected day outside the events widens the axis to include it.
    (dt.date(2022, 1, 8), ["02 Jan", "03 Jan", "04 Jan", "05 Jan", "06 Jan", "07 Jan",
                           "08 Jan"]),
    (dt.date(2022, 1, 1), ["01 Jan", "02 Jan", "03 Jan", "04 Jan", "05 Jan", "06 Jan"]),
    (dt.date(2022, 1, 4), ["02 Jan", "03 Jan", "04 Jan", "05 Jan", "06 Jan"]),
])
@pytest.mark.parametrize("name", ["heatmap", "types"])
def test_day_axis_has_every_calendar_day(day, labels, name):
    chart = (charts.region_day_heatmap(events_frame(), day) if name == "heatmap"
             else charts.types_over_time(events_frame(), COLORS, day))
    assert base_encoding(chart)["x"]["scale"]["domain"] == labels
    assert len(rules(chart)) == (day is not None)


def test_heatmap_counts_events_per_region_and_day_regions_by_onset():
    chart = charts.region_day_heatmap(events_frame())
    data = base_data(chart)
    cells = {(r.admin1, r.day): r.events for r in data.itertuples()}
    assert cells == {("West", "02 Jan"): 2, ("South", "04 Jan"): 1, ("South", "05 Jan"): 1,
                     ("North", "06 Jan"): 1}
    assert base_encoding(chart)["y"]["sort"] == ["West", "South", "North"]


def test_types_over_time_counts_and_uses_the_maps_colours():
    colors = {"Battles": "#111111", "Protests": "#0072B2", "Riots": "#E69F00"}
    chart = charts.types_over_time(events_frame(), colors, dt.date(2022, 1, 5))
    data = base_data(chart)
    counts = {(r.day, r.event_type): r.events for r in data.itertuples()}
    assert counts == {("02 Jan", "Protests"): 2, ("04 Jan", "Riots"): 1,
                      ("05 Jan", "Riots"): 1, ("06 Jan", "Protests"): 1}
    scale = base_encoding(chart)["color"]["scale"]
    # Only the types present, in the vocabulary's order, each in its own colour.
    assert scale == {"domain": ["Protests", "Riots"], "range": ["#0072B2", "#E69F00"]}
    (rule,) = rules(chart)
    assert rule["day"].tolist() == ["05 Jan"]


def test_fatalities_by_region_sums_known_tolls_only():
    data = base_data(charts.fatalities_by_region(events_frame()))
    assert dict(zip(data["admin1"], data["deaths"], strict=True)) == {
        "North": 1, "South": 7, "West": 0}


def test_fatalities_by_region_counts_an_event_without_coordinates():
    frame = events_frame()
    frame.loc[frame["event_id_cnty"] == "E3", ["latitude", "longitude"]] = float("nan")
    data = base_data(charts.fatalities_by_region(frame))
    assert dict(zip(data["admin1"], data["deaths"], strict=True))["South"] == 7


def test_fatalities_by_region_leaves_out_a_region_whose_tolls_are_all_unknown():
    frame = events_frame()
    frame.loc[frame["admin1"] == "North", "fatalities"] = pd.NA
    data = base_data(charts.fatalities_by_region(frame))
    assert "North" not in set(data["admin1"])


def test_contingents_gantt_bars_run_to_the_end_of_the_departure_day():
    contingents = contingents_frame()
    chart = charts.contingents_gantt(contingents, dt.date(2022, 1, 8))
    data = base_data(chart)
    assert data["shown_from"].tolist() == ["2022-01-06T00:00:00", "2022-01-07T00:00:00"]
    assert data["until"].tolist() == ["2022-01-14T00:00:00", "2022-01-15T00:00:00"]
    assert data["people"].tolist() == ["3,000", "not published"]
    (rule,) = rules(chart)
    assert rule["shown_from"].tolist() == ["2022-01-08T00:00:00"]
    assert not rules(charts.contingents_gantt(contingents))


# What a reader sees of each chart, reviewed by hand: the words (titles, axis titles, tooltip
# lines), the date formats, the colours (the selected day's rule is the map's red), the order.
READER_VIEWS = {'heatmap': [{'mark': 'rect',
              'color': None,
              'title': 'Events per day by region',
              'channels': {'color': {'field': 'events',
                                     'type': 'quantitative',
                                     'title': 'Events',
                                     'scale.scheme': 'orangered'},
                           'x': {'field': 'day',
                                 'type': 'ordinal',
                                 'title': None,
                                 'axis.labelOverlap': True},
                           'y': {'field': 'admin1',
                                 'type': 'nominal',
                                 'title': None,
                                 'sort': ['West', 'South', 'North']}},
              'tooltip': [{'field': 'admin1', 'type': 'nominal', 'title': 'Region'},
                          {'field': 'event_date',
                           'type': 'temporal',
                           'title': 'Day',
                           'format': '%a %d %b'},
                          {'field': 'events', 'type': 'quantitative', 'title': 'Events'}]},
             {'mark': 'rule',
              'color': '#b2182b',
              'title': None,
              'channels': {'x': {'field': 'day', 'type': 'ordinal', 'bandPosition': 0.5}},
              'tooltip': []}],
 'types': [{'mark': 'bar',
            'color': None,
            'title': 'Events by type over time',
            'channels': {'color': {'field': 'event_type', 'type': 'nominal', 'title': 'Type'},
                         'x': {'field': 'day',
                               'type': 'ordinal',
                               'title': None,
                               'axis.labelOverlap': True},
                         'y': {'field': 'events', 'type': 'quantitative', 'title': 'Events'}},
            'tooltip': [{'field': 'event_date',
                         'type': 'temporal',
                         'title': 'Day',
                         'format': '%a %d %b'},
                        {'field': 'event_type', 'type': 'nominal', 'title': 'Type'},
                        {'field': 'events', 'type': 'quantitative', 'title': 'Events'}]},
           {'mark': 'rule',
            'color': '#b2182b',
            'title': None,
            'channels': {'x': {'field': 'day', 'type': 'ordinal', 'bandPosition': 0.5}},
            'tooltip': []}],
 'spread': [{'mark': 'rule',
             'color': '#e0a0a0',
             'title': 'Spread: the first event in each region',
             'channels': {'x': {'field': 'start', 'type': 'temporal'},
                          'x2': {'field': 'first_day'},
                          'y': {'field': 'label',
                                'type': 'nominal',
                                'sort': {'field': 'first_day', 'order': 'ascending'}}},
             'tooltip': []},
            {'mark': 'circle',
             'color': '#b2182b',
             'title': 'Spread: the first event in each region',
             'channels': {'x': {'field': 'first_day',
                                'type': 'temporal',
                                'title': 'First event',
                                'axis.format': '%d %b',
                                'axis.labelOverlap': True,
                                'axis.tickCount': {'interval': 'day', 'step': 1}},
                          'y': {'field': 'label',
                                'type': 'nominal',
                                'title': None,
                                'sort': {'field': 'first_day', 'order': 'ascending'}}},
             'tooltip': [{'field': 'admin1', 'type': 'nominal', 'title': 'Region'},
                         {'field': 'first_day',
                          'type': 'temporal',
                          'title': 'First event',
                          'format': '%a %d %b'},
                         {'field': 'location', 'type': 'nominal', 'title': 'Where'},
                         {'field': 'distance_km',
                          'type': 'quantitative',
                          'title': 'km from Zhanaozen',
                          'format': ',.0f'}]},
            {'mark': 'rule',
             'color': '#b2182b',
             'title': None,
             'channels': {'x': {'field': 'first_day', 'type': 'temporal'}},
             'tooltip': []}],
 'fatalities': [{'mark': 'bar',
                 'color': '#b2182b',
                 'title': 'Deaths in events with a published toll, by region',
                 'channels': {'x': {'field': 'deaths',
                                    'type': 'quantitative',
                                    'title': "Deaths (sum of the events' published tolls)"},
                              'y': {'field': 'admin1',
                                    'type': 'nominal',
                                    'title': None,
                                    'sort': '-x'}},
                 'tooltip': [{'field': 'admin1', 'type': 'nominal', 'title': 'Region'},
                             {'field': 'deaths', 'type': 'quantitative', 'title': 'Deaths'}]}],
 'gantt': [{'mark': 'bar',
            'color': '#D55E00',
            'title': 'CSTO contingents in Kazakhstan',
            'channels': {'x': {'field': 'shown_from',
                               'type': 'temporal',
                               'title': None,
                               'axis.format': '%d %b'},
                         'x2': {'field': 'until'},
                         'y': {'field': 'country',
                               'type': 'nominal',
                               'title': None,
                               'sort': {'field': 'shown_from'}}},
            'tooltip': [{'field': 'country', 'type': 'nominal'},
                        {'field': 'shown_from',
                         'type': 'temporal',
                         'title': 'From',
                         'format': '%d %b'},
                        {'field': 'until',
                         'type': 'temporal',
                         'title': 'Until (exclusive)',
                         'format': '%d %b'},
                        {'field': 'people',
                         'type': 'nominal',
                         'title': 'Personnel (lowest published)'}]},
           {'mark': 'rule',
            'color': '#b2182b',
            'title': None,
            'channels': {'x': {'field': 'shown_from', 'type': 'temporal'}},
            'tooltip': []}]}


@pytest.mark.parametrize("name", ALL_CHARTS)
def test_what_a_reader_sees_of_each_chart(name):
    assert reader_view(ALL_CHARTS[name]()) == READER_VIEWS[name]



def test_the_spread_chart_names_the_origin_its_distances_are_measured_from():
    # Zhanaozen's event (09:00) came before Aktau's (10:00) on the same day.
    spec = charts.spread_curve(events_frame()).to_dict()
    assert "how far that first event was from Zhanaozen," in str(spec)
    labels = base_data(charts.spread_curve(events_frame()))["label"].tolist()
    assert labels[0] == "West (0 km)"  # the origin's region, 0 km from itself
    charts.spread_curve(events_frame().iloc[0:0]).to_dict()  # no events: still a chart
