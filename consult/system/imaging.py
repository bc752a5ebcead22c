"""A photo taken in: read, turned upright, stripped of every metadata block, kept as JPEG.

``prepare(data)`` reads a JPEG, PNG, TIFF, WebP or HEIC file (Pillow; pillow-heif for HEIC),
applies its EXIF orientation, converts its colours to sRGB when it carries another colour
profile, and writes a new JPEG of its pixels alone: no EXIF (so no GPS position, camera
serial number or time), no XMP, no IPTC, no maker notes, no face regions, no embedded
thumbnail, no colour profile, no comment. Only the day it was taken is read from the EXIF
before it goes, to offer as the photo's date. A thumbnail is made at the same time.

What is refused, with one plain sentence each (``ImageRefused.message``): a file that is not
an image of those kinds (a text file named .jpg), one cut short, a tiny one, and one of more
pixels than Pillow's decompression-bomb limit (``MAX_PIXELS``), which is refused from its
header before any pixel is decoded.

Pillow and pillow-heif are imported on the first photo, never when the app starts.
"""

from __future__ import annotations

import hashlib
import io
import threading
import warnings
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL.Image import Image

#: Pillow's own decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``): about 89 million
#: pixels, a 12,000 × 7,500 image. Phones take 12 to 50 million.
MAX_PIXELS = 89_478_485
MAX_BYTES = 200 * 1024**2  # no photo file is larger
MIN_SIDE = 64  # pixels: anything smaller shows nothing of the skin
QUALITY = 92  # the JPEG kept: visually lossless at full size
THUMBNAIL_SIDE = 320  # the longest side of a thumbnail, in pixels
THUMBNAIL_QUALITY = 85
#: The formats taken in, as Pillow names them, and as the person at the desk does.
FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "TIFF": "TIFF", "WEBP": "WebP", "HEIF": "HEIC"}
KINDS = "JPEG, PNG, TIFF, WebP or HEIC"

_ready = threading.Lock()
_registered = False


class ImageRefused(Exception):
    """A file that cannot be taken in as a photo; ``message`` says why in one sentence."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Prepared:
    """A photo as it is kept: the stripped JPEG, its SHA-256, size and thumbnail."""

    jpeg: bytes
    sha256: str
    width: int
    height: int
    thumbnail: bytes
    source_format: str  # JPEG, PNG, TIFF, WebP, HEIC (or "camera")
    taken_on: date | None  # the day the EXIF said it was taken, if it said


def _pillow() -> Any:
    """Pillow, with HEIC registered (once, on the first photo)."""
    global _registered
    from PIL import Image

    with _ready:
        if not _registered:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _registered = True
    return Image


def prepare(data: bytes, what: str = "The file", *, source_format: str | None = None) -> Prepared:
    """The photo in ``data`` as the records keep it; ImageRefused (in plain words, starting
    with ``what``) when it cannot be one. ``source_format``: what to record as its origin
    (a camera frame says "camera")."""
    Image = _pillow()
    if len(data) > MAX_BYTES:
        raise ImageRefused(
            f"{what} is {len(data) // 1024**2} MB, larger than any photo ({MAX_BYTES // 1024**2} "
            "MB at most): it is not a photo the app can take in."
        )
    image = _open(Image, data, what)
    try:
        kind = FORMATS[image.format]
        taken_on = _exif_day(image)
        _decode(image, what)
        upright = _upright(image)
        pixels = _as_srgb(upright)
        jpeg = _jpeg(pixels, QUALITY, subsampling=0)
        thumbnail = _thumbnail(Image, pixels)
        width, height = pixels.size
    finally:
        image.close()
    return Prepared(
        jpeg,
        hashlib.sha256(jpeg).hexdigest(),
        width,
        height,
        thumbnail,
        source_format or kind,
        taken_on,
    )


def _open(Image: Any, data: bytes, what: str) -> Image:
    with warnings.catch_warnings():
        # Above the limit Pillow only warns (it refuses at twice the limit): the size is
        # checked below, from the header, before any pixel is decoded.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
        except Image.DecompressionBombError:
            raise _too_many_pixels(what, None) from None
        except Exception:
            # UnidentifiedImageError, and whatever a damaged header makes a plugin raise.
            raise ImageRefused(
                f"{what} is not a photo the app can read: it is not a {KINDS} image, or it "
                "is damaged."
            ) from None
    width, height = image.size
    if width * height > MAX_PIXELS:
        image.close()
        raise _too_many_pixels(what, (width, height))
    if min(width, height) < MIN_SIDE:
        image.close()
        raise ImageRefused(
            f"{what} is only {width} × {height} pixels: too small to show the skin (a photo "
            f"needs at least {MIN_SIDE} pixels on each side)."
        )
    return image


def _too_many_pixels(what: str, size: tuple[int, int] | None) -> ImageRefused:
    said = f" ({size[0]:,} × {size[1]:,} pixels)" if size else ""
    return ImageRefused(
        f"{what} has far more pixels than a photo{said}: more than {MAX_PIXELS / 1e6:.0f} "
        "million, the most the app decodes. It was not opened. Export it smaller from the "
        "camera or phone."
    )


def _decode(image: Image, what: str) -> None:
    """Every pixel, or ImageRefused: a file cut short is not half a photo."""
    try:
        image.load()
    except Exception:
        raise ImageRefused(
            f"{what} is damaged or cut short (it may not have finished copying): its picture "
            "cannot be read whole. Copy it again from the camera or phone."
        ) from None


def _exif_day(image: Image) -> date | None:
    """The day the EXIF says the photo was taken (DateTimeOriginal, else DateTime)."""
    try:
        exif = image.getexif()
        text = exif.get_ifd(0x8769).get(36867) or exif.get(306)
        if not isinstance(text, str):
            return None
        return datetime.strptime(text.strip()[:10], "%Y:%m:%d").date()
    except Exception:  # a damaged or odd EXIF block only means no date is offered
        return None


def _upright(image: Image) -> Image:
    """The pixels turned as the EXIF orientation says (the orientation is then dropped)."""
    from PIL import ImageOps

    turned = ImageOps.exif_transpose(image)
    return turned if turned is not None else image


def _as_srgb(image: Image) -> Image:
    """An RGB image in sRGB, with no ``info`` (so nothing from the file can be written out)."""
    from PIL import Image as PILImage

    profile = image.info.get("icc_profile")
    mode = image.mode
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = PILImage.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        image = flat
    elif mode.startswith("I;16") or mode in ("I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L").convert("RGB")
    elif mode != "RGB":
        image = image.convert("RGB")
    if profile:
        image = _to_srgb(image, profile)
    if image.info:
        image = image.copy()
        image.info = {}
    return image


def _to_srgb(image: Image, profile: bytes) -> Image:
    """Colours from the photo's own profile (a phone's Display P3) to sRGB; unchanged when
    the profile cannot be read."""
    try:
        from PIL import ImageCms

        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        if "srgb" in (ImageCms.getProfileDescription(source) or "").replace(" ", "").lower():
            return image
        converted = ImageCms.profileToProfile(
            image, source, ImageCms.createProfile("sRGB"), outputMode="RGB"
        )
        return converted if converted is not None else image
    except Exception:
        return image


def _jpeg(image: Image, quality: int, subsampling: int = 2) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, subsampling=subsampling)
    return out.getvalue()


def _thumbnail(Image: Any, image: Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return _jpeg(small, THUMBNAIL_QUALITY)


def downscaled(jpeg: bytes, longest_side: int, quality: int = 88) -> bytes:
    """A smaller JPEG of a kept photo (for a printed page), its longest side at most
    ``longest_side`` pixels; the photo itself when it is no larger."""
    Image = _pillow()
    with Image.open(io.BytesIO(jpeg), formats=["JPEG"]) as image:
        if max(image.size) <= longest_side:
            return jpeg
        image.draft("RGB", (longest_side, longest_side))
        small = image.convert("RGB")
        small.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
        small.info = {}
        return _jpeg(small, quality)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
