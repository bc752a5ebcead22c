"""Photo-like test images, made here (the repository ships no photo of anyone).

``face`` draws a face-like picture: a lit background, a skin-toned oval with shading, eyes
with dark pupils (the points marked to line two photos up), brows, nose and mouth, a fine
noise for skin texture, and small darker marks on the cheeks, like acne scars, fewer at each
later visit. Each visit can be framed differently (nearer, turned, shifted), as real photos
are. The files the import tests need are made from it: every format, a JPEG with GPS tags
and a camera serial, one to be turned by its EXIF orientation, one cut short, a text file
named .jpg, a 1-pixel image, a 100-megapixel "bomb" and a picture with a colour profile.
"""

from __future__ import annotations

import io
import math
import random
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

SKIN = (222, 176, 146)
SERIAL = "CAM-SERIAL-0042417"
OWNER = "Clinic iPhone of Dr Reyes"
GPS = ((51, 0, 0), (30, 12, 0), (0, 7, 0), (22, 46, 0))  # lat 51°30'12", lon 0°7'22"


@dataclass(frozen=True)
class Face:
    image: Image.Image
    pupils: tuple[tuple[float, float], tuple[float, float]]  # left, right, in the picture


def face(
    width: int = 1200,
    height: int = 1500,
    *,
    marks: int = 60,
    seed: int = 1,
    scale: float = 1.0,
    angle: float = 0.0,
    shift: tuple[float, float] = (0.0, 0.0),
    skin: tuple[int, int, int] = SKIN,
    redness: float = 1.0,
) -> Face:
    """A face-like picture of ``width`` × ``height``; ``scale``, ``angle`` (degrees, clockwise
    on screen) and ``shift`` (a share of the size) frame it as another visit might."""
    rng = random.Random(seed)
    w, h = width, height
    unit = min(w, h) / 1000
    background = Image.linear_gradient("L").rotate(90).resize((w, h))
    picture = Image.merge(
        "RGB",
        (
            background.point(lambda v: 150 + v * 0.25),
            background.point(lambda v: 160 + v * 0.22),
            background.point(lambda v: 170 + v * 0.2),
        ),
    )
    draw = ImageDraw.Draw(picture)
    cx, cy = w / 2, h * 0.48
    rx, ry = 330 * unit, 430 * unit
    # Neck and shoulders, then the face with light from the left.
    neck = tuple(int(c * 0.88) for c in skin)
    draw.rectangle((cx - 150 * unit, cy + 300 * unit, cx + 150 * unit, h), fill=neck)
    draw.ellipse((cx - 520 * unit, cy + 520 * unit, cx + 520 * unit, h + 600 * unit), fill=neck)
    for step in range(24):
        k = step / 24
        tone = tuple(int(c * (0.86 + 0.16 * k)) for c in skin)
        dx = -40 * unit * k
        draw.ellipse(
            (
                cx - rx * (1 - k * 0.5) + dx,
                cy - ry * (1 - k * 0.45),
                cx + rx * (1 - k * 0.6) + dx,
                cy + ry * (1 - k * 0.5),
            ),
            fill=tone,
        )
    # Hair.
    draw.chord(
        (cx - rx * 1.05, cy - ry * 1.12, cx + rx * 1.05, cy + ry * 0.2), 180, 360, fill=(62, 44, 34)
    )
    # Marks on the cheeks: the concern being treated, fewer and fainter as the course goes on.
    for _ in range(marks):
        side = rng.choice((-1, 1))
        x = cx + side * rng.uniform(110, 250) * unit
        y = cy + rng.uniform(40, 260) * unit
        r = rng.uniform(4, 11) * unit
        shade = tuple(int(c * rng.uniform(0.7, 0.82)) for c in skin)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    # Redness on the cheeks.
    if redness > 0:
        glow = Image.new("L", (w, h), 0)
        gd = ImageDraw.Draw(glow)
        for side in (-1, 1):
            x = cx + side * 180 * unit
            gd.ellipse(
                (x - 120 * unit, cy + 60 * unit, x + 120 * unit, cy + 240 * unit),
                fill=int(70 * redness),
            )
        glow = glow.filter(ImageFilter.GaussianBlur(40 * unit))
        red = Image.new("RGB", (w, h), (200, 70, 70))
        picture = Image.composite(red, picture, glow)
        draw = ImageDraw.Draw(picture)
    # Eyes, pupils, brows, nose, mouth.
    pupils = []
    for side in (-1, 1):
        ex, ey = cx + side * 120 * unit, cy - 60 * unit
        draw.ellipse(
            (ex - 62 * unit, ey - 28 * unit, ex + 62 * unit, ey + 28 * unit), fill=(245, 245, 240)
        )
        draw.ellipse(
            (ex - 26 * unit, ey - 26 * unit, ex + 26 * unit, ey + 26 * unit), fill=(86, 60, 40)
        )
        draw.ellipse(
            (ex - 11 * unit, ey - 11 * unit, ex + 11 * unit, ey + 11 * unit), fill=(12, 10, 10)
        )
        draw.arc(
            (ex - 80 * unit, ey - 95 * unit, ex + 80 * unit, ey - 5 * unit),
            200,
            340,
            fill=(70, 50, 38),
            width=max(1, int(14 * unit)),
        )
        pupils.append((ex, ey))
    nose = [
        (cx, cy - 20 * unit),
        (cx - 45 * unit, cy + 120 * unit),
        (cx + 30 * unit, cy + 130 * unit),
    ]
    draw.line(nose, fill=tuple(int(c * 0.75) for c in skin), width=max(1, int(6 * unit)))
    draw.arc(
        (cx - 110 * unit, cy + 130 * unit, cx + 110 * unit, cy + 250 * unit),
        20,
        160,
        fill=(150, 70, 70),
        width=max(1, int(12 * unit)),
    )
    # Skin texture: a fine noise, lightly blurred.
    noise = Image.effect_noise((w, h), 18).filter(ImageFilter.GaussianBlur(0.8))
    texture = Image.merge("RGB", (noise, noise, noise))
    picture = ImageChops.add(
        ImageChops.subtract(picture, Image.new("RGB", (w, h), (8, 8, 8))),
        texture.point(lambda v: max(0, v - 120) // 8),
    )
    if scale != 1.0 or angle or shift != (0.0, 0.0):
        picture, pupils = _framed(picture, pupils, scale, angle, shift)
    return Face(picture, (pupils[0], pupils[1]))


def _framed(picture, pupils, scale, angle, shift):
    """The picture as a camera nearer (``scale``), turned (``angle``) and moved would take it;
    where the pupils then are."""
    w, h = picture.size
    cx, cy = w / 2, h / 2
    theta = math.radians(angle)
    z = complex(math.cos(theta), math.sin(theta)) * scale
    move = complex(shift[0] * w, shift[1] * h)

    def forward(p):
        q = (complex(*p) - complex(cx, cy)) * z + complex(cx, cy) + move
        return (q.real, q.imag)

    inverse = 1 / z
    # Pillow's affine maps each output pixel back to the input.
    a, b = inverse.real, -inverse.imag
    d, e = inverse.imag, inverse.real
    off = complex(cx, cy) - (complex(cx, cy) + move) * inverse
    framed = picture.transform(
        (w, h),
        Image.Transform.AFFINE,
        (a, b, off.real, d, e, off.imag),
        resample=Image.Resampling.BICUBIC,
        fillcolor=(160, 168, 176),
    )
    return framed, [forward(p) for p in pupils]


def visits(width: int = 1200, height: int = 1500) -> dict[str, Face]:
    """One patient's course, framed a little differently each time: fewer marks and less
    redness at each later visit."""
    return {
        "baseline": face(width, height, marks=70, seed=3, redness=1.0),
        "session-1": face(
            width, height, marks=55, seed=3, redness=0.8, scale=1.06, angle=-3, shift=(0.02, -0.01)
        ),
        "session-3": face(
            width, height, marks=30, seed=3, redness=0.45, scale=0.95, angle=2, shift=(-0.015, 0.01)
        ),
        "review": face(
            width, height, marks=12, seed=3, redness=0.2, scale=1.1, angle=4, shift=(0.03, 0.02)
        ),
    }


# --------------------------------------------------------------------------- files


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    if fmt == "HEIF":
        from pillow_heif import register_heif_opener

        register_heif_opener()
    image.save(out, fmt, **options)
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def exif_with_secrets(orientation: int = 1) -> Image.Exif:
    """EXIF as a phone writes it: GPS position, the camera's serial and owner, the time."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 15 Pro"  # Model
    exif[0x013B] = OWNER  # Artist
    exif[0x0132] = "2026:03:04 10:11:12"  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2026:03:04 10:11:12"  # DateTimeOriginal
    sub[0xA431] = SERIAL  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = GPS[0]
    gps[3] = "W"
    gps[4] = GPS[1]
    return exif


def gps_jpeg(size=(800, 1000)) -> bytes:
    """A JPEG carrying GPS tags, a serial number, an owner, XMP and a comment."""
    picture = face(*size).image
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        b'22-rdf-syntax-ns#"><rdf:Description xmlns:mwg-rs="http://www.metadataworkinggroup.'
        b'com/schemas/regions/" mwg-rs:Regions="Face of the patient"/></rdf:RDF></x:xmpmeta>'
    )
    return encoded(
        picture,
        "JPEG",
        exif=exif_with_secrets().tobytes(),
        comment=b"Patient 17, left cheek",
        xmp=xmp,
        quality=90,
    )


def sideways_jpeg() -> tuple[bytes, tuple[int, int]]:
    """A JPEG stored turned a quarter (its pixels 200 wide, 400 high) whose EXIF orientation
    (6: turn 90° clockwise) makes it 400 × 200 upright: red on the left, blue on the right.
    Returns the file and the upright size."""
    upright = Image.new("RGB", (400, 200), (220, 20, 20))
    upright.paste((20, 40, 220), (200, 0, 400, 200))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the sensor saw it
    return encoded(stored, "JPEG", exif=exif_with_secrets(orientation=6).tobytes()), (400, 200)


def truncated_jpeg() -> bytes:
    whole = encoded(face(600, 800).image, "JPEG", quality=90)
    return whole[: len(whole) * 2 // 3]


def one_pixel_png() -> bytes:
    return encoded(Image.new("RGB", (1, 1), (200, 150, 120)), "PNG")


def bomb_png(width: int = 10_000, height: int = 10_000) -> bytes:
    """A real PNG of ``width`` × ``height`` (100 million pixels): a few kilobytes on disk,
    300 MB once decoded. Written a row at a time, so making it costs no memory."""
    row = b"\x00" + bytes((width + 7) // 8)  # filter byte, then one bit per pixel
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """The marker segments of a JPEG before its image data: (marker, payload)."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    found, at = [], 2
    while at < len(data):
        assert data[at] == 0xFF
        marker = data[at + 1]
        if marker == 0xDA:  # start of scan: the pixels follow
            break
        length = struct.unpack(">H", data[at + 2 : at + 4])[0]
        found.append((marker, data[at + 4 : at + 2 + length]))
        at += 2 + length
    return found


def every_format(folder: Path, size=(900, 1200)) -> dict[str, Path]:
    """The same picture as JPEG, PNG (with an alpha channel), TIFF (16 bits a channel), WebP
    and HEIC files in ``folder``."""
    picture = face(*size).image
    files = {
        "JPEG": ("face.jpg", encoded(picture, "JPEG", quality=92)),
        "PNG": ("face.png", encoded(picture.convert("RGBA"), "PNG")),
        "TIFF": ("face.tif", encoded(picture, "TIFF", compression="tiff_lzw")),
        "WebP": ("face.webp", encoded(picture, "WEBP", quality=90)),
        "HEIC": ("face.heic", encoded(picture, "HEIF", quality=90)),
    }
    return {kind: write(folder / name, data) for kind, (name, data) in files.items()}
