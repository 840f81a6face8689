"""Read a CSV or Parquet file into a frame of strings indexed by each row's physical line.

The fast path parses with pyarrow; a quote-aware scan of the raw bytes in numpy gives each
record's first physical line, so messages name the line a person sees in an editor even when
a quoted field spans several lines. When the scan and pyarrow disagree (a stray quote inside
an unquoted field, a field longer than a block, a row with the wrong number of fields), the
file is read again with Python's csv module, which is slow but exact about every line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from kzunrest.errors import DataError, Problem

MAX_FIELD_CHARS = 100_000
DELIMITERS = [",", ";", "\t", "|"]
_BLOCK_BYTES = 4 << 20  # a record longer than a block is refused by pyarrow: then the slow path
_QUOTE, _NL, _CR = ord('"'), ord("\n"), ord("\r")


def read_table_bytes(data: bytes, name: str, allow_empty: bool = False) -> pd.DataFrame:
    """CSV (``,``, ``;``, tab or ``|``) or Parquet bytes as a frame of stripped-or-not strings.

    The index, named ``line``, holds each row's 1-based physical line (the header is line 1
    when it is the first line). Blank rows are skipped. Raises :class:`DataError` with every
    problem of the file's shape (empty, binary, not UTF-8, ragged rows, duplicate columns).

    >>> read_table_bytes(b'a,b\\n1,"x\\ny"\\n2,z\\n', "f.csv").index.tolist()
    [2, 4]
    """
    if not data or data.isspace():  # isspace stops at the first other byte: no copy
        raise DataError([Problem(None, None, None, "the file is empty")], name)
    if data[:4] == b"PAR1":
        return _read_parquet(data, name)
    data = _as_utf8(data, name)
    if not data or data.isspace():
        raise DataError([Problem(None, None, None, "the file is empty")], name)
    try:
        frame = _read_csv_fast(data)
    except _SlowPath:
        frame = None
    if frame is None:
        frame = _read_csv_exact(_decode(data, name), name)
    _check_header(list(frame.columns), frame.attrs.get("header_line", 1), name)
    if frame.empty and not allow_empty:
        raise DataError([Problem(None, None, None, "the file has a header but no rows")], name)
    return frame


def read_table_file(path: Path, allow_empty: bool = True) -> pd.DataFrame:
    """:func:`read_table_bytes` on a file; a missing or unreadable file is a DataError."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError([Problem(None, None, None, "the file is missing")], path.name) from None
    except OSError as err:
        raise DataError([Problem(None, None, None, f"cannot read the file: {err.strerror}")],
                        path.name) from None
    return read_table_bytes(data, path.name, allow_empty=allow_empty)


class _SlowPath(Exception):
    """The fast reader cannot vouch for its line numbers: read again with the csv module."""


def _as_utf8(data: bytes, name: str) -> bytes:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:4096]:
        raise DataError([Problem(None, None, None,
                                 "this is a binary file, not CSV text or Parquet")], name)
    return data[3:] if data[:3] == b"\xef\xbb\xbf" else data


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        bad = data[err.start: err.start + 4]
        raise DataError([Problem(line, None, repr(bad)[2:-1],
                                 "not UTF-8 text; save the file as UTF-8 "
                                 "(ACLED exports already are)")], name) from None


def _delimiter(first_line: bytes) -> str:
    text = first_line.decode("utf-8", errors="replace")
    return max(DELIMITERS, key=text.count)


def _record_starts(buf: np.ndarray, delim: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Start and end offsets of every record, every newline's offset, and whether any record
    spans lines.

    A quote opens or closes a field only next to a delimiter or a line end (as pyarrow and
    the csv module read it); quotes inside a field (``5"6``, ``=F("x")``, doubled ``""``)
    are ignored. A newline after an odd number of such quotes lies inside a quoted field.
    """
    newlines = np.flatnonzero(buf == _NL)
    quotes = np.flatnonzero(buf == _QUOTE)
    if len(quotes):
        before = np.where(quotes > 0, buf[np.maximum(quotes - 1, 0)], _NL)
        after = np.where(quotes + 1 < len(buf), buf[np.minimum(quotes + 1, len(buf) - 1)], _NL)
        edge = ((before == delim) | (before == _NL) | (quotes == 0) | (after == delim)
                | (after == _NL) | (after == _CR) | (quotes + 1 == len(buf)))
        quotes = quotes[edge]
    inside = np.searchsorted(quotes, newlines) % 2 == 1
    ends = newlines[~inside]
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [len(buf)]))
    return starts, stops, newlines, bool(inside.any())


def _valid_utf8(data: bytes) -> bool:
    """Arrow's UTF-8 check over the whole buffer (zero-copy, about 1 GB/s)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64).tobytes())
    blob = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        blob.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _read_csv_fast(data: bytes) -> pd.DataFrame:
    if not _valid_utf8(data):
        raise _SlowPath  # the exact reader names the line of the first bad byte
    buf = np.frombuffer(data, dtype=np.uint8)
    first_nl = data.find(b"\n")
    delim = _delimiter(data[: first_nl if first_nl >= 0 else len(data)])
    starts, stops, newlines, multiline = _record_starts(buf, ord(delim))
    lengths = stops - starts
    # A record of only "\r" or nothing is a blank line, which pyarrow skips too.
    cr_only = (lengths == 1) & (buf[np.minimum(starts, len(buf) - 1)] == _CR)
    keep = (lengths > 0) & ~cr_only
    starts, stops = starts[keep], stops[keep]
    if len(starts) == 0:
        raise _SlowPath
    returns = np.flatnonzero(buf == _CR)
    if len(returns) and (returns[-1] + 1 >= len(buf) or (buf[returns + 1] != _NL).any()):
        raise _SlowPath  # a lone CR ends a line for pyarrow but not for this scan
    header_end = int(stops[0])
    try:
        header = next(csv.reader([data[starts[0]:header_end].decode("utf-8", errors="replace")],
                                 delimiter=delim))
    except csv.Error:
        raise _SlowPath from None
    header = [h.strip() for h in header]
    if not all(header) or len(set(header)) != len(header):
        raise _SlowPath  # the exact reader reports the header's problems
    line_of_byte = np.searchsorted(newlines, starts[1:]) + 1
    body = pa.py_buffer(data)[min(header_end + 1, len(data)):]
    invalid: list[str] = []

    def on_invalid(row) -> str:
        invalid.append(row.text)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, block_size=_BLOCK_BYTES),
            parse_options=pacsv.ParseOptions(delimiter=delim, newlines_in_values=multiline,
                                              invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise _SlowPath from None  # not UTF-8, a huge field, broken quoting: be exact
    # Whitespace-only lines come back as ragged rows; anything else ragged needs exact lines.
    blank_ragged = sum(1 for t in invalid if not t.strip())
    if blank_ragged != len(invalid):
        raise _SlowPath
    if blank_ragged:
        body_starts = starts[1:]
        spans = [data[s:e] for s, e in zip(body_starts, stops[1:], strict=True)]
        ws = np.array([not s.strip() for s in spans], dtype=bool)
        line_of_byte = line_of_byte[~ws]
    if table.num_rows != len(line_of_byte):
        raise _SlowPath
    for column in table.columns:
        if len(column) and pa.compute.max(pa.compute.binary_length(column)).as_py() \
                > MAX_FIELD_CHARS:
            raise _SlowPath
    frame = table.to_pandas()
    frame.columns = header
    frame.index = pd.Index(line_of_byte, name="line")
    frame = _drop_blank_rows(frame)
    frame.attrs["header_line"] = 1 + int(np.searchsorted(newlines, starts[0]))
    return frame


def _drop_blank_rows(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame
    blank = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        blank &= (frame[column].str.strip() == "").to_numpy()
        if not blank.any():
            return frame
    return frame[~blank]


def _read_csv_exact(text: str, name: str) -> pd.DataFrame:
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[Problem] = []
    header: list[str] | None = None
    header_line = 1
    rows, lines = [], []
    start = 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                if header is None:
                    header = [c.strip() for c in record]
                    header_line = start
                elif len(record) != len(header):
                    problems.append(Problem(start, None, f"{len(record)} fields",
                                            f"expected {len(header)} fields as in the header"))
                else:
                    rows.append(record)
                    lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        msg = str(err)
        if "field larger" in msg:
            msg = f"a field is longer than {MAX_FIELD_CHARS:,} characters"
        problems.append(Problem(reader.line_num, None, None, f"unreadable CSV: {msg}"))
    if header is None:
        raise DataError(problems or [Problem(None, None, None, "the file has no header row")],
                        name)
    problems += _header_problems(header, header_line)
    if problems:
        raise DataError(problems, name)
    frame = pd.DataFrame(rows, columns=header, index=pd.Index(lines, name="line"), dtype=str)
    frame.attrs["header_line"] = header_line
    return frame


def _header_problems(header: list[str], line: int) -> list[Problem]:
    blank = [i + 1 for i, h in enumerate(header) if not h]
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    return ([Problem(line, f"#{i}", "", "a column has no name") for i in blank]
            + [Problem(line, h, h, "the column name appears twice") for h in dupes])


def _check_header(header: list[str], line: int, name: str) -> None:
    problems = _header_problems(header, line)
    if problems:
        raise DataError(problems, name)


def _read_parquet(data: bytes, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(io.BytesIO(data))
    except Exception as err:  # pyarrow raises many types for a corrupt file
        raise DataError([Problem(None, None, None, f"not a readable Parquet file ({err})")],
                        name) from None
    out = pd.DataFrame(index=pd.RangeIndex(2, len(frame) + 2, name="line"))
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%d %H:%M:%S").str.removesuffix(" 00:00:00")
        out[str(col)] = s.astype("str").fillna("").to_numpy()
    return out


def read_header(data: bytes) -> list[str]:
    """The column names of a CSV or Parquet file, read cheaply (for pickers); [] if none."""
    try:
        if data[:4] == b"PAR1":
            import pyarrow.parquet as pq

            return list(pq.read_schema(io.BytesIO(data)).names)
        head = _as_utf8(data[:65536], "").decode("utf-8", errors="replace")
        delimiter = max(DELIMITERS, key=head.split("\n", 1)[0].count)
        for record in csv.reader(io.StringIO(head, newline=""), delimiter=delimiter):
            if any(cell.strip() for cell in record):
                return [c.strip() for c in record if c.strip()]
    except Exception:  # a header we cannot read: the full validation will say why
        return []
    return []


def one_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each Arrow-backed column in one contiguous chunk (same values, same
    dtypes). A CSV read in 4 MB blocks gives a million rows in over a hundred chunks, and
    taking a few rows from a chunked column copies the whole column first: 500 rows of the
    notes cost 50 ms instead of half a millisecond."""
    out = {}
    for name in frame.columns:
        array = frame[name].array
        chunked = getattr(array, "_pa_array", None)
        if chunked is not None and chunked.num_chunks > 1:
            out[name] = pd.Series(pd.array(chunked.combine_chunks(), dtype=array.dtype),
                                  index=frame.index, name=name)
    return frame.assign(**out) if out else frame
