"""Which text a file's bytes hold: UTF-8, a UTF-16/32 byte order mark, or a detected legacy
encoding (charset-normalizer), with a note saying what was assumed."""

from __future__ import annotations

#: Byte order marks of the UTF-16 and UTF-32 encodings (UTF-32 first: its LE mark starts like UTF-16's).
_BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
         (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


#: Preferred among equally likely single-byte guesses: the most common legacy encoding of Western
#: text, and what browsers assume (charset-normalizer ranks cp1250 first for French "célèbre").
_WESTERN = ("cp1252", "latin_1", "iso8859_15")


def unicode_bom(data: bytes) -> str | None:
    """"utf-16" or "utf-32" when ``data`` starts with that encoding's byte order mark, else None."""
    return next((name for bom, name in _BOMS if data.startswith(bom)), None)


def decode_bytes(data: bytes) -> tuple[str, str | None]:
    """Decode file bytes; returns (text, a note on what was assumed, or None for plain UTF-8).

    UTF-8 first; a UTF-16/32 byte order mark is followed; otherwise the encoding is detected
    (charset-normalizer), preferring Windows-1252 among equally likely single-byte guesses. Bytes
    nothing decodes become U+FFFD, and the note says so.
    """
    bom = unicode_bom(data)
    if bom is not None:
        try:
            return data.decode(bom), f"decoded as {bom.upper()} (byte order mark)"
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))
    if matches:
        least = min(m.chaos for m in matches)
        likely = [m for m in matches if m.chaos <= least + 0.01]
        best = next((m for m in likely if m.encoding in _WESTERN), likely[0])
        text, name = str(best), best.encoding
        try:
            if data.decode("cp1252") == text:
                name = "cp1252"  # the same text under the common Western name, said one way
        except UnicodeDecodeError:
            pass
        return text, f"not UTF-8 (invalid at byte {first_bad}): decoded as {name}"
    return data.decode("utf-8", errors="replace"), f"invalid UTF-8 at byte {first_bad}: replaced"
