"""Three languages: catalogues complete and consistent, Babel's dates, region and place names
from their sources, the place search, and no untranslated words on any page (pseudo-language)."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import string
from urllib.parse import urlparse

import pandas as pd
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from kzunrest import gazetteer, i18n, layers, select
from kzunrest.names import KAZAKH_LETTERS, read_names
from kzunrest.ui.map_text import PRECISION_WORDS
from tests.apptest_helpers import ROOT, map_data
from tests.conftest import DATA

PAGES = ["pages/map.py", "pages/story.py", "pages/analysis.py", "pages/csto.py", "pages/data.py"]


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_message_is_translated_with_the_same_placeholders(lang):
    with i18n.po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    fields = string.Formatter()
    for m in catalog:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strs = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(strs) and not m.fuzzy, f"{lang}: untranslated {ids[0]!r}"
        wanted = {f for _, f, _, _ in fields.parse(ids[-1]) if f}
        for s in strs:
            assert {f for _, f, _, _ in fields.parse(s) if f} == wanted, (lang, ids[0], s)


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_every_message_in_the_code_is_in_the_catalogue(lang):
    """A new ``_("...")`` without ``make messages`` would show English to a Kazakh reader."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "n_": (1, 2)}
    in_code = set()
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    for _path, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=keywords):
        in_code.add(message[0] if isinstance(message, tuple) else message)
    with i18n.po_path(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    missing = sorted(m for m in in_code if m and m not in catalog)
    assert not missing, f"run `make messages` and translate: {missing}"


@pytest.mark.parametrize(("tag", "lang"), [("kk-KZ", "kk"), ("ru", "ru"), ("ru-RU", "ru"),
                                           ("en-GB", "en"), ("de", "en"), (None, "en")])
def test_the_browser_locale_picks_kazakh_or_russian(tag, lang):
    assert i18n.from_locale(tag) == lang


def test_dates_and_numbers_by_babel():
    day = dt.date(2022, 1, 5)
    assert i18n.Text("en").date(day, "day") == "Wed 05 Jan 2022"
    assert i18n.Text("ru").date(day, "full").startswith("среда, 5 января 2022")
    assert i18n.Text("kk").date(day, "day_month") == "5 қаңтар"
    assert i18n.Text("ru").number(9900) == "9\xa0900"


def test_one_viewer_language_never_leaks_into_another():
    # Translators are per language and looked up per call: no global state changes.
    assert i18n.Text("ru").gettext("Play") == "Пуск"
    assert i18n.Text("en").gettext("Play") == "Play"
    assert i18n.Text("kk").gettext("Play") == "Ойнату"


def test_precision_words_in_the_catalogue_are_the_layers_own():
    assert set(PRECISION_WORDS) == {*layers.PRECISION_TEXT.values(),
                                    *layers.TIME_PRECISION_TEXT.values()}


def test_region_names_cover_every_region_of_january_2022_with_kazakh_letters():
    names = read_names(DATA)
    regions = json.loads((DATA / "regions_2022.geojson").read_text(encoding="utf-8"))
    admin1 = {f["properties"]["admin1"] for f in regions["features"]}
    assert set(names.regions) == admin1
    assert names.region("Nur-Sultan", "kk") == "Нұр-Сұлтан"  # January 2022: not Astana
    assert names.region("Mangystau Region", "ru") == "Мангистауская область"
    assert any(set(n["kk"]) & KAZAKH_LETTERS for n in names.regions.values())


def test_every_place_name_is_one_of_the_places_own_alternate_names():
    """place_names.csv holds no name from memory: each is a GeoNames alternate name of the
    place it names (or a places.csv alternate name)."""
    names = read_names(DATA)
    frame = pd.read_csv(DATA / "place_names.csv", dtype=str, keep_default_na=False)
    geonames = {f"GeoNames {c['geonameid']}": set(c.get("alternatenames") or [])
                for c in gazetteer._geonames_cities("KZ")}
    events = pd.read_csv(DATA / "events.csv", dtype=str, keep_default_na=False)
    assert set(frame["location"]) <= set(events["location"])
    for row in frame.itertuples():
        allowed = (geonames[row.origin] if row.origin.startswith("GeoNames")
                   else set(names.aliases[row.location]))
        for name in (row.name_kk, row.name_ru):
            assert not name or name in allowed, (row.location, name)


@pytest.mark.parametrize("query", ["Орал", "уральск", "Uralsk", "ural"])
def test_place_search_finds_a_town_in_any_language(query):
    names = read_names(DATA)
    assert "Uralsk" in names.match_places(query, ["Uralsk", "Aktau", "Almaty"])


def test_place_search_filters_the_events():
    names = read_names(DATA)
    events = pd.read_csv(DATA / "events.csv", dtype=str, keep_default_na=False)
    found = names.match_places("Жаңаөзен", events["location"])
    assert found == ("Zhanaozen",)
    kept = select.select_events(events.assign(geo_precision=1),
                                select.Filters(locations=found))
    assert set(kept["location"]) == {"Zhanaozen"} and len(kept) > 0
    assert select.select_events(events, select.Filters(locations=())).empty


def test_the_spread_sentence_speaks_russian():
    events = pd.DataFrame({"event_id_cnty": ["A", "B"], "location": ["Zhanaozen", "Aktobe"],
                           "admin1": ["Mangystau", "Aktobe"],
                           "event_date": pd.to_datetime(["2022-01-02", "2022-01-04"])})
    names = read_names(DATA)
    text = i18n.Text("ru")
    sentence = select.spread_sentence(events, 2, text=text,
                                      place=lambda p: names.place(p, "ru"))
    assert sentence.startswith("Первое зафиксированное событие: 2 января 2022")
    assert "Жанаозен" in sentence and "4 января" in sentence


# -- the pseudo-language: every word of the interface comes from the catalogues ------------

# Proto fields that carry data or machinery, never the interface's words.
SKIPPED_FIELDS = {"data", "json", "id", "options", "default", "value", "format", "icon", "url",
                  "query_param_key", "component_name", "css", "js", "form_id", "type",
                  "arrow_data", "spec", "datasets", "raw_value", "formatted_value",
                  "file_name", "mime", "deploy_params", "theme", "selection_mode",
                  "page_script_hash", "vega_lite_theme", "color", "width_config",
                  "js_content", "css_content", "code_text", "language", "shortcut",
                  "deferred_file_id", "page", "query_string"}  # page links: URL paths
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]{2,}")


def _strings(msg: Message, out: list[str]) -> None:
    for field, value in msg.ListFields():
        if field.name in SKIPPED_FIELDS:
            continue
        values = list(value) if isinstance(value, (list, tuple)) or hasattr(value, "append") \
            else [value]
        for v in values:
            if isinstance(v, Message):
                _strings(v, out)
            elif isinstance(v, str) and field.name == "columns":  # a table's column config
                out += [c.get(k, "") for c in json.loads(v).values() for k in ("label", "help")]
            elif isinstance(v, str) and not v.startswith("<style>"):  # our own CSS
                out.append(v)


def _data_values() -> set[str]:
    """Every text value of the bundled dataset (data stays in its own words)."""
    from kzunrest.dataset import read_dataset

    ds = read_dataset(DATA)
    values: set[str] = set()
    for frame in (ds.events, ds.contingents, ds.sites, ds.emergency, ds.blackout, ds.figures,
                  ds.milestones, ds.story, ds.event_types, ds.regions.drop(columns="geometry")):
        for col in frame.columns:
            if not pd.api.types.is_numeric_dtype(frame[col]):
                values |= {str(v) for v in frame[col].dropna().unique() if str(v)}
    values |= set(ds.settings.values())
    values.add((DATA / "README.md").read_text(encoding="utf-8").strip())  # the dictionary
    # The day's table names each source link by its site.
    values |= {urlparse(u).hostname or "" for u in " ".join(ds.events["source_url"]).split()}
    return values


def _untranslated(texts: list[str], data: set[str]) -> list[str]:
    by_length = sorted((v for v in data if len(v) > 2), key=len, reverse=True)

    def without_data(t: str, longer_than: int = 0) -> str:
        for value in by_length:
            if len(value) <= longer_than:
                break
            if value in t:
                t = t.replace(value, " ")
        return t

    found = []
    for t in texts:
        t = without_data(t, 1000)  # data shown as it is (the data dictionary)
        t = re.sub(r"\\(.)", r"\1", t)  # Markdown escapes (ui/text.md)
        t = html.unescape(re.sub(r"<[^>]+>", " ", t))  # our own markup around data
        t = re.sub(r"https?://[^\s)]+", "", t)
        t = re.sub(r"\[(\[\[[^\[\]]*\]\])\]\(\)", r"\1", t)  # a link's label
        t = without_data(t)
        while re.search(r"\[\[[^\[\]]*\]\]", t):  # our words, wrapped (also nested)
            t = re.sub(r"\[\[[^\[\]]*\]\]", " ", t)
        found += [w for w in WORD.findall(t) if w not in ALLOWED]
    return found


# Not words to translate: the app's name, URL values shown beside their translated labels
# (layers, basemaps), and the language switch's own label, written in all three languages.
ALLOWED = {"kzunrest", "Language", "English", "events", "spread", "emergency", "blackout",
           "csto-arcs", "csto-sites", "carto-light", "offline"}


@pytest.mark.parametrize("page", PAGES)
def test_no_untranslated_text_on_any_page(page, monkeypatch):
    monkeypatch.setenv(i18n.PSEUDO_ENV, "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["lang"] = "xx"
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    texts: list[str] = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            _strings(proto, texts)
    if page in ("pages/map.py", "pages/story.py", "pages/csto.py"):
        words = map_data(at)["text"] if page == "pages/map.py" else None
        if words:
            texts += _flatten({k: v for k, v in words.items()
                               if k not in ("regions", "places", "lang")})
    leftovers = _untranslated(texts, _data_values())
    assert not leftovers, sorted(set(leftovers))
    assert any("[[" in t for t in texts)  # the pseudo-language was in force


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def _flatten(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _flatten(v)]
    if isinstance(value, list):
        return [s for v in value for s in _flatten(v)]
    return [value] if isinstance(value, str) else []
