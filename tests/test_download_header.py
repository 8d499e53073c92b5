"""The Content-Disposition of the page's downloads (eraser.serve.photo_routes.attachment),
for names a served folder can hold: plain ASCII, quotes and backslashes, Unicode, and
bytes that are not UTF-8 (Python gives those as surrogates)."""

from urllib.parse import quote

from eraser.serve.photo_routes import attachment


def test_plain_ascii_is_one_quoted_filename():
    assert attachment("spoon.erased.jpg") == 'attachment; filename="spoon.erased.jpg"'


def test_quotes_and_backslashes_cannot_end_the_quoted_name():
    header = attachment('a"b\\c.jpg')
    assert header.startswith('attachment; filename="a_b_c.jpg"; filename*=UTF-8\'\'')
    assert quote('a"b\\c.jpg', safe="") in header


def test_unicode_goes_in_filename_star_as_utf8():
    header = attachment("Größe_写真.jpg")
    assert header.isascii() and "filename*=UTF-8''Gr%C3%B6%C3%9Fe_%E5%86%99%E7%9C%9F.jpg" in header


def test_a_name_in_bytes_that_are_not_utf8_is_sent_as_those_bytes():
    name = b"caf\xe9.jpg".decode("utf-8", "surrogateescape")  # a Latin-1 file name, as os.listdir gives it
    header = attachment(name)
    assert header.isascii() and header.endswith("filename*=UTF-8''caf%E9.jpg")
    header.encode("latin-1")  # a header value Starlette can send


def test_a_line_break_in_a_name_cannot_start_a_new_header():
    header = attachment("a\r\nSet-Cookie: x.jpg")
    assert "\r" not in header and "\n" not in header
