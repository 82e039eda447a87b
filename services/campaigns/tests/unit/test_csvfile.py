"""Reading campaign files: layouts, headers, line numbers, chunk boundaries, bad bytes."""

import pytest

from cpaas.campaigns.domain.csvfile import FileReader, Layout, NotACsvFile


def entries(data: bytes, variables: int = 0, chunk: int = 7) -> tuple[list, FileReader]:
    reader = FileReader(variables)
    out = []
    for i in range(0, len(data), chunk):
        out += list(reader.feed(data[i : i + chunk]))
    out += list(reader.finish())
    return out, reader


def test_the_guides_space_separated_list_is_one_entry_per_number() -> None:
    got, reader = entries(b"+919876543210 +919123456789 +919000012345\n")
    assert reader.layout is Layout.LIST
    assert [(e.seq, e.line, e.number) for e in got] == [
        (1, 1, "+919876543210"),
        (2, 1, "+919123456789"),
        (3, 1, "+919000012345"),
    ]


def test_commas_and_newlines_separate_a_list_and_a_header_is_skipped() -> None:
    got, reader = entries(b"phone\r\n+919876543210,+919123456789\r\n\r\n+919000012345")
    assert reader.header_skipped
    assert [(e.line, e.number) for e in got] == [(2, "+919876543210"), (2, "+919123456789"), (4, "+919000012345")]


def test_a_csv_gives_the_variables_in_order_with_physical_line_numbers() -> None:
    data = 'mobile,name,code\n+919876543210,Asha,A-1\n\n+919123456789,"Ravi, Jr",B-2\n+919000012345,"two\nlines",C\n+919111111111,X,Y\n'
    got, reader = entries(data.encode(), variables=2, chunk=5)
    assert reader.layout is Layout.CSV
    assert [(e.line, e.number, e.variables) for e in got] == [
        (2, "+919876543210", ["Asha", "A-1"]),
        (4, "+919123456789", ["Ravi, Jr", "B-2"]),
        (5, "+919000012345", ["two\nlines", "C"]),
        (7, "+919111111111", ["X", "Y"]),
    ]


def test_a_no_variable_file_with_text_columns_is_read_as_a_csv() -> None:
    got, reader = entries(b"+919876543210,Asha\n")
    assert reader.layout is Layout.CSV
    assert got[0].variables == ["Asha"]


def test_semicolons_delimit_when_the_first_line_has_no_comma() -> None:
    got, _ = entries(b"+919876543210;Asha\n", variables=1)
    assert got[0].variables == ["Asha"]


def test_a_line_of_invalid_utf8_is_one_bad_entry_and_the_rest_is_read() -> None:
    got, _ = entries(b"+919876543210,A\n+919123456789,\xff\xfe\n+919000012345,C\n", variables=1)
    assert [(e.line, e.bad_utf8) for e in got] == [(1, False), (2, True), (3, False)]
    assert "\\xff" in got[1].shown


def test_a_multibyte_character_split_across_chunks_is_read_whole() -> None:
    data = "+919876543210,नमस्ते\n".encode()
    got, _ = entries(data, variables=1, chunk=16)
    assert got[0].variables == ["नमस्ते"] and not got[0].bad_utf8


@pytest.mark.parametrize("start", [b"PK\x03\x04rest", b"%PDF-1.7", b"\x89PNG\r\n", b"abc\x00def"])
def test_binary_files_are_not_csv(start: bytes) -> None:
    with pytest.raises(NotACsvFile):
        entries(start)


def test_an_empty_file_has_no_entries() -> None:
    assert entries(b"")[0] == []
    assert entries(b"phone\n\n")[0] == []
