"""Finding the photos (and clips) of a batch: files by content, local or fsspec URLs."""

from __future__ import annotations

from dataclasses import dataclass

from eraser.errors import EraserError

# The first bytes of the formats eraser reads (a file is a photo by content,
# whatever its name says).
_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*")


def is_image_header(head: bytes) -> bool:
    if head.startswith(_MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    return head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"heim", b"heis")


# ISO base media brands that are still images, not clips (HEIF/AVIF)
_IMAGE_BRANDS = (b"heic", b"heix", b"mif1", b"msf1", b"avif", b"heim", b"heis")


def is_video_header(head: bytes) -> bool:
    """MP4/MOV/M4V/3GP (an ISO ``ftyp`` box that is not HEIF/AVIF, or a
    QuickTime ``moov``/``mdat``/``wide`` atom), Matroska/WebM, AVI."""
    if head[4:8] == b"ftyp":
        return head[8:12] not in _IMAGE_BRANDS
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return True
    return head.startswith(b"\x1a\x45\xdf\xa3") or (head[:4] == b"RIFF" and head[8:12] == b"AVI ")


@dataclass(frozen=True)
class Photo:
    source: str   # a local path or an fsspec URL
    relative: str  # its path below the input folder (posix), kept in the output
    video: bool = False  # a clip, erased as ``eraser video`` erases it


def filesystem(url: str):
    """(fsspec filesystem, path) for a local path or a URL."""
    import fsspec

    try:
        fs, path = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise EraserError(f"cannot open {url}: {exc}") from None
    return fs, path


def join(base: str, relative: str) -> str:
    return base.rstrip("/") + "/" + relative if base else relative


def find_photos(folder: str, recursive: bool, clips: bool = False) -> list[Photo]:
    """The photos in ``folder`` (recursively with ``recursive``), sorted; with
    ``clips``, the video clips too."""
    fs, root = filesystem(folder)
    if not fs.isdir(root):
        raise EraserError(f"{folder}: not a folder")
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    local = protocol in ("file", "local")
    found = []
    entries = fs.find(root) if recursive else [e for e in fs.ls(root, detail=False)]
    for path in sorted(entries):
        if not fs.isfile(path):
            continue
        relative = path[len(root):].lstrip("/") if path.startswith(root) else path.rsplit("/", 1)[-1]
        if any(part.startswith(".") for part in relative.split("/")):
            continue  # hidden files, and our own temporary files
        try:
            with fs.open(path, "rb") as f:
                head = f.read(16)
        except OSError:
            continue
        video = clips and is_video_header(head)
        if video or is_image_header(head):
            found.append(Photo(path if local else fs.unstrip_protocol(path), relative, video))
    return found
