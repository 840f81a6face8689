"""JSON rows written column by column parse to exactly the values they were made from."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kzunrest import jsonrows

HOSTILE = ['<img src=x onerror=alert(1)>', 'quote " and back \\ slash', "\x00\x01\x1f\x7f",
           "tab\t cr\r nl\n bell\x07 ff\x0c", "ünïcödé ☃ \u2028\u2029 𝄞", "", " "]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=20))
def test_any_text_parses_back_to_itself(texts):
    rows = jsonrows.row_objects([("t", jsonrows.json_strings(pd.Series(texts, dtype="str")))])
    assert [r["t"] for r in json.loads(jsonrows.json_list(rows))] == texts


def test_hostile_texts_numbers_and_a_filter():
    n = len(HOSTILE)
    rows = jsonrows.row_objects([
        ("text", jsonrows.json_strings(pd.Series(HOSTILE, dtype="str"))),
        ("int", jsonrows.json_ints(np.arange(n))),
        ("float", jsonrows.json_floats(np.linspace(-1.5, 43.123456, n).round(5))),
        ("both", jsonrows.quoted(jsonrows.join(jsonrows.escaped(HOSTILE), " · ",
                                               jsonrows.escaped(HOSTILE[::-1])))),
    ])
    keep = np.arange(n) % 2 == 0
    parsed = json.loads(jsonrows.json_list(rows, keep))
    expected = [{"text": t, "int": i, "float": float(f), "both": f"{t} · {u}"}
                for i, (t, f, u) in enumerate(zip(HOSTILE, np.linspace(-1.5, 43.123456, n)
                                                  .round(5), HOSTILE[::-1], strict=True))
                if keep[i]]
    assert parsed == expected
    assert json.loads(jsonrows.json_list(rows, np.zeros(n, bool))) == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), min_size=1, max_size=20), st.integers(0, 5))
def test_needs_escape_matches_what_json_escapes(texts, skip):
    # A slice too: an Arrow array that starts inside its buffers.
    arr = jsonrows.arrow_text(pd.Series(texts, dtype="str"))[min(skip, len(texts)):]
    expected = [json.dumps(t, ensure_ascii=False)[1:-1] != t for t in arr.to_pylist()]
    assert jsonrows.needs_escape(arr).tolist() == expected
