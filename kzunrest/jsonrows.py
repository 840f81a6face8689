"""JSON rows written column by column (pyarrow string kernels), not row by row.

The map's event file has one object per event; building 50,000 Python dicts and
``json.dumps`` of them cost seconds per filter change. Here each field is turned into JSON
text once per column (text escaped as ``json.dumps`` does, numbers as Python writes them, a
value computed once per distinct value where it is costly) and the fields are joined per row
by one kernel call. The result parses to exactly the dicts the row-by-row code gave.

>>> rows = row_objects([("a", json_strings(pd.Series(['x"y', "z"]))),
...                     ("n", json_ints(np.array([1, 2])))])
>>> json.loads(json_list(rows))
[{'a': 'x"y', 'n': 1}, {'a': 'z', 'n': 2}]
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TEXT = pa.large_string()
_CONTROL = r"[\x00-\x1f]"  # escaped by json.dumps: \n, \r and \t here, the rest rarely
_SIMPLE = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))


def lit(text: str) -> pa.Scalar:
    return pa.scalar(text, TEXT)


def arrow_text(values) -> pa.Array:
    """Text values (a Series, array or list; missing as "") as one Arrow array."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        arr = values.cast(TEXT).fill_null("")
        return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values,
                                                                               dtype=object))
    arr = pa.array(series.astype("str").fillna(""), type=TEXT, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def escaped(values) -> pa.Array:
    """Each text escaped for the inside of a JSON string (no quotes), as json.dumps(...,
    ensure_ascii=False) escapes it."""
    raw = arrow_text(values)
    mask = needs_escape(raw)
    if not mask.any():
        return raw
    special = pa.array(mask)
    out = raw.filter(special)  # only the texts that need it go through the replacements
    for char, esc in _SIMPLE:
        out = pc.replace_substring(out, char, esc)
    odd = pc.match_substring_regex(out, _CONTROL).to_numpy(zero_copy_only=False)
    if odd.any():  # other control characters (rare): escaped by json itself
        texts, originals = out.to_pylist(), raw.filter(special).to_pylist()
        for i in np.flatnonzero(odd):
            texts[i] = json.dumps(originals[i], ensure_ascii=False)[1:-1]
        out = pa.array(texts, type=TEXT)
    return pc.replace_with_mask(raw, special, out)


def needs_escape(texts: pa.Array) -> np.ndarray:
    """Whether each text holds a character JSON escapes (``\\``, ``"``, U+0000 to U+001F),
    read from the UTF-8 bytes at once (the bytes of a multi-byte character are all >= 0x80, so
    they never match): the regex kernel cost a tenth of a second per 10 MB of notes.

    >>> needs_escape(arrow_text(["plain", 'a "quote"', "tab\\t", "", "ünï"])).tolist()
    [False, True, True, False, False]
    """
    n = len(texts)
    offsets = np.frombuffer(texts.buffers()[1], dtype=np.int64)[texts.offset:texts.offset + n + 1]
    data = texts.buffers()[2]
    if n == 0 or data is None or offsets[-1] == offsets[0]:
        return np.zeros(n, dtype=bool)
    window = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]
    at = np.flatnonzero((window < 0x20) | (window == 0x22) | (window == 0x5C))
    mask = np.zeros(n, dtype=bool)
    # The text holding each such byte: the first one ending after it.
    mask[np.searchsorted(offsets[1:] - offsets[0], at, side="right")] = True
    return mask


def quoted(escaped_text: pa.Array) -> pa.Array:
    return join('"', escaped_text, '"')


def json_strings(values) -> pa.Array:
    """Each text as a JSON string literal."""
    return quoted(escaped(values))


def json_ints(values) -> pa.Array:
    return pc.cast(pa.array(np.asarray(values, dtype="int64")), TEXT)


def json_floats(values) -> pa.Array:
    """Floats as JSON numbers that read back as the same floats (as json.dumps writes
    them): Arrow writes the shortest such text, as Python's repr does; a whole number gets
    ".0" as in Python. Checked by reading the texts back; json.dumps per distinct value
    otherwise (and for NaN or infinity, which JSON has no numbers for)."""
    floats = np.asarray(values, dtype=float)
    def slow():
        return per_value(floats, lambda v: json.dumps(float(v)))

    if not np.isfinite(floats).all():
        return slow()
    text = pc.cast(pa.array(floats), TEXT)
    text = pc.if_else(pc.match_substring_regex(text, r"^-?\d+$"), join(text, ".0"), text)
    if not np.array_equal(pc.cast(text, pa.float64()).to_numpy(), floats):
        return slow()
    return text


def per_value(values, text: Callable[[object], str]) -> pa.Array:
    """``text(value)`` computed once per distinct value (factorized), taken for each row."""
    if isinstance(values, tuple):  # several columns: one tuple of their values per row
        # Each column factorized alone, then the combinations of codes: factorizing tuples
        # cost a Python tuple per row.
        levels = [pd.factorize(pd.Series(column), use_na_sentinel=False) for column in values]
        combined = np.zeros(len(levels[0][0]), dtype=np.int64)
        for codes, uniques in levels:
            combined = combined * len(uniques) + codes
        _, firsts, codes = np.unique(combined, return_index=True, return_inverse=True)
        table = np.array([text(tuple(u[c[i]] for c, u in levels)) for i in firsts],
                         dtype=object)
        return pa.array(table[codes] if len(table) else np.array([], dtype=object), type=TEXT)
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=False)
    table = np.array([text(v) for v in uniques], dtype=object)
    return pa.array(table[codes] if len(table) else np.array([], dtype=object), type=TEXT)


def join(*pieces) -> pa.Array:
    """Element-wise concatenation of arrays and literal texts."""
    parts = [lit(p) if isinstance(p, str) else p for p in pieces]
    return pc.binary_join_element_wise(*parts, lit(""))


def when(mask, then, otherwise="") -> pa.Array:
    """``then`` where ``mask``, else ``otherwise`` (arrays or literal texts)."""
    then = lit(then) if isinstance(then, str) else then
    otherwise = lit(otherwise) if isinstance(otherwise, str) else otherwise
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), then, otherwise)


def row_objects(fields: list[tuple[str, pa.Array | str]]) -> pa.Array:
    """One JSON object per row from ``(key, JSON value per row)`` pairs, in key order."""
    pieces: list = []
    for i, (key, value) in enumerate(fields):
        pieces += [("{" if i == 0 else ",") + json.dumps(key) + ":", value]
    pieces.append("}")
    return join(*pieces)


def json_list(rows: pa.Array, keep=None) -> bytes:
    """The rows (those where ``keep``) as one compact JSON array."""
    return b"".join(json_chunks(rows, keep))


def json_chunks(rows: pa.Array, keep=None) -> list:
    """:func:`json_list` as pieces to write one after the other: the rows are joined by
    Arrow into one buffer, handed on without a copy (each copy of tens of MB cost tens of
    milliseconds)."""
    if keep is not None:
        rows = rows.filter(pa.array(np.asarray(keep, dtype=bool)))
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(rows)], pa.int64()), rows)
    joined = pc.binary_join(whole, lit(","))
    offsets = np.frombuffer(joined.buffers()[1], dtype=np.int64)[joined.offset:]
    data = joined.buffers()[2]
    body = memoryview(data)[offsets[0]:offsets[1]] if data is not None else b""
    return [b"[", body, b"]"]


def nonblank(values) -> np.ndarray:
    """Whether each text is not empty, as a numpy bool array."""
    return pc.not_equal(arrow_text(values), lit("")).to_numpy(zero_copy_only=False)
