"""Reading a campaign file as it streams in: bytes in, entries (one per recipient) out,
each with its line number. No I/O: the caller feeds chunks in file order.

The file's layout is decided on its first non-empty line:
- A header is a first line whose first cell has fewer than 7 digits ("phone,name"):
  it is skipped and not counted.
- When the templates need no variable and every token of the first data line looks
  like a number, the file is a LIST: each line holds numbers separated by spaces, commas
  or semicolons (the guide's "+919876543210 +919123456789"), one entry per number.
- Otherwise it is a CSV (comma; semicolon or tab when the first line has one and no
  comma): one entry per record, the number in the first column and the template
  variables in the next, in order. Quoted fields may span lines.

Lines are decoded one by one, so a line that is not valid UTF-8 is one bad entry, not a
failed file. A file that starts like a binary document (XLSX, XLS, PDF, an image, or any
NUL byte) is not a CSV at all: `NotACsvFile`.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

MAX_CARRY_BYTES = 4 * 1024 * 1024  # a record (quoted newlines) longer than this is cut at a newline
MAX_SHOWN_CHARS = 300  # of a row, kept for rejected.csv
MIN_NUMBER_DIGITS = 7
_TOKEN_SEPARATORS = re.compile(r"[\s,;]+")
_NUMBER_LIKE = re.compile(r"[+0-9().\-]*")
_SURROGATE = re.compile("[\udc80-\udcff]")
_BOM = "\ufeff"
_SIGNATURES = (
    (b"PK\x03\x04", "an XLSX or ZIP file"),
    (b"\xd0\xcf\x11\xe0", "an XLS (Excel 97-2003) file"),
    (b"%PDF", "a PDF file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
)


class NotACsvFile(ValueError):
    """The file is not text at all; the campaign fails with this reason."""


class Layout(StrEnum):
    LIST = "LIST"
    CSV = "CSV"


@dataclass(slots=True)
class Entry:
    """One recipient of the file: its number and variables as written, or why its line
    could not be read (`bad_utf8`)."""

    seq: int  # 1-based position among the file's entries: the row's identity
    line: int  # physical line of the file (1-based) where the entry starts
    number: str
    variables: list[str]
    shown: str  # the row as written, for the rejected rows
    bad_utf8: bool = False


def digit_count(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def is_header(first_cell: str) -> bool:
    return digit_count(first_cell) < MIN_NUMBER_DIGITS


def looks_like_number(token: str) -> bool:
    return _NUMBER_LIKE.fullmatch(token) is not None and digit_count(token) >= MIN_NUMBER_DIGITS


def sniff_delimiter(line: str) -> str:
    if "," in line:
        return ","
    if ";" in line:
        return ";"
    return "\t" if "\t" in line else ","


def check_not_binary(start: bytes) -> None:
    for signature, what in _SIGNATURES:
        if start.startswith(signature):
            raise NotACsvFile(f"the file is {what}, not a CSV; save it as CSV (comma-separated values) and upload that")
    if b"\x00" in start:
        raise NotACsvFile("the file is binary (it contains NUL bytes), not a CSV text file")


class FileReader:
    """Feed chunks with `feed`, then call `finish`; each yields the entries completed."""

    def __init__(self, variables: int) -> None:
        self.variables = variables  # variable columns every row must have
        self.layout: Layout | None = None
        self.delimiter = ","
        self.header_skipped = False
        self._carry = b""
        self._line = 0  # physical lines consumed so far
        self._seq = 0
        self._started = False

    def feed(self, chunk: bytes) -> Iterator[Entry]:
        data = self._carry + chunk
        if not self._started:
            check_not_binary(data[:4096])
            self._started = True
        cut = self._cut(data)
        self._carry = data[cut:]
        if cut:
            yield from self._piece(data[:cut])

    def finish(self) -> Iterator[Entry]:
        data, self._carry = self._carry, b""
        if data:
            if not self._started:
                check_not_binary(data[:4096])
                self._started = True
            yield from self._piece(data if data.endswith(b"\n") else data + b"\n")

    def _cut(self, data: bytes) -> int:
        """End of the last whole record in `data` (after a newline outside quotes); 0: none yet."""
        cut = data.rfind(b"\n") + 1
        while cut and data.count(b'"', 0, cut) % 2:  # inside a quoted field: back to an earlier newline
            cut = data.rfind(b"\n", 0, cut - 1) + 1
        if not cut and len(data) > MAX_CARRY_BYTES:
            cut = data.rfind(b"\n") + 1
        return cut

    def _piece(self, data: bytes) -> Iterator[Entry]:
        text = data.decode("utf-8", errors="surrogateescape")
        if self._line == 0 and text.startswith(_BOM):
            text = text[1:]
        has_bad = _SURROGATE.search(text) is not None
        if self.layout is None:
            text = self._decide_layout(text)
            if self.layout is None:
                return
        if self.layout is Layout.LIST:
            yield from self._list_entries(text, has_bad)
        else:
            yield from self._csv_entries(text, has_bad)

    def _decide_layout(self, text: str) -> str:
        """Settle header and layout from the first non-empty line; returns the text left."""
        lines = io.StringIO(text, newline="")
        rest_start = 0
        for line in lines:
            self._line += 1
            rest_start += len(line)
            stripped = line.strip()
            if not stripped:
                continue
            self.delimiter = sniff_delimiter(stripped)
            first = next(csv.reader([stripped], delimiter=self.delimiter), [""])[0]
            if not self.header_skipped and is_header(first):
                self.header_skipped = True
                continue
            tokens = [t for t in _TOKEN_SEPARATORS.split(stripped) if t]
            numbers_only = all(looks_like_number(t) for t in tokens)
            self.layout = Layout.LIST if self.variables == 0 and numbers_only else Layout.CSV
            self._line -= 1
            return line + text[rest_start:]
        return ""

    def _list_entries(self, text: str, has_bad: bool) -> Iterator[Entry]:
        for line in io.StringIO(text, newline=""):
            self._line += 1
            stripped = line.strip()
            if not stripped:
                continue
            if has_bad and _SURROGATE.search(stripped):
                yield self._bad(stripped)
                continue
            for token in _TOKEN_SEPARATORS.split(stripped):
                if token:
                    self._seq += 1
                    yield Entry(self._seq, self._line, token, [], token[:MAX_SHOWN_CHARS])

    def _csv_entries(self, text: str, has_bad: bool) -> Iterator[Entry]:
        base = self._line
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, skipinitialspace=True)
        previous_end = 0
        for row in reader:
            start, previous_end = base + previous_end + 1, reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            joined = self.delimiter.join(row)
            self._seq += 1
            if has_bad and _SURROGATE.search(joined):
                yield Entry(self._seq, start, "", [], _readable(joined[:MAX_SHOWN_CHARS]), bad_utf8=True)
                continue
            yield Entry(self._seq, start, row[0].strip(), [v.strip() for v in row[1:]], joined[:MAX_SHOWN_CHARS])
        self._line = base + reader.line_num

    def _bad(self, text: str) -> Entry:
        self._seq += 1
        return Entry(self._seq, self._line, "", [], _readable(text[:MAX_SHOWN_CHARS]), bad_utf8=True)


def _readable(text: str) -> str:
    """The text with each undecodable byte shown as \\xNN."""
    return _SURROGATE.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
