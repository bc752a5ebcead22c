"""The signed consent's PDF: the exact words signed, both signatures, the record and the text's
hash in the footer; the clinic's digital seal, and what a changed byte does to it."""

from __future__ import annotations

import io
import stat
from datetime import date, datetime

import pytest
from PIL import Image, ImageDraw
from report_helpers import NAMES, pdf_text, reader

from consult.domain.consent import compose
from consult.domain.model import (
    Answer,
    AreaChoice,
    ClinicSettings,
    ConcernChoice,
    Consultation,
    Patient,
)
from consult.domain.plan import build_plan
from consult.report.consent_pdf import ConsentSheet, render_consent_pdf
from consult.report.seal import (
    CERT_FILE,
    KEY_FILE,
    P12_FILE,
    check_seal,
    clinic_sealer,
    known_certificates,
    seal_pdf,
)

CLINIC = ClinicSettings(
    name="West County Dermatology", address="12 Orchard Road", phone="+1 555 0100"
)
SIGNED_AT = datetime(2026, 11, 26, 10, 45)


def signature_png(seed: int = 7) -> bytes:
    image = Image.new("RGBA", (800, 240), (0, 0, 0, 0))
    points = [(60 + i * 12, 140 + ((i * seed) % 50) - 25) for i in range(55)]
    ImageDraw.Draw(image).line(points, fill=(20, 30, 90, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def consent(catalog, name="Zoë O'Brien-Łukasiewicz", lang="en", document="microneedling"):
    no = {q.id: Answer.NO for q in catalog.questions}
    patient = Patient(name, date(1990, 5, 17), 4, lang)
    item = Consultation(
        patient,
        "Dr Ana Reyes",
        date(2026, 11, 26),
        screening=no | {"keloid": Answer.NOT_SURE},
        areas=(AreaChoice("face", (), (ConcernChoice("acne_scars", "moderate"),)),),
        adjuncts=("peel_mandelic",),
        start_date=date(2026, 12, 1),
    )
    text = compose(catalog, catalog.consent(document), item, build_plan(catalog, item), lang)
    sheet = ConsentSheet(
        12,
        patient,
        "Dr Ana Reyes",
        SIGNED_AT,
        signature_png(7),
        signature_png(13),
        {"record": True, "teaching": False, "marketing": False},
    )
    return text, sheet


def test_the_pdf_holds_the_exact_text_and_who_signed(catalog):
    text, sheet = consent(catalog)
    pdf = render_consent_pdf(text, sheet, CLINIC, invariant=True)
    said = pdf_text(pdf)
    for block in text.blocks:
        assert " ".join(block.text.split()) in said, block
    assert "Zoë O'Brien-Łukasiewicz" in said and "Dr Ana Reyes" in said
    assert "November 26, 2026 at 10:45" in said
    # The record's id and the text's hash are in every page's footer.
    for page in reader(pdf).pages:
        words = " ".join(page.extract_text().split())
        assert "Consent record 12 · microneedling, version 1" in words
        assert text.hash in words.replace(" ", "")
    assert reader(pdf).metadata.title == text.title
    assert pdf.missing_characters == () and pdf.warnings == ()
    # Two images: the patient's signature and the provider's.
    images = [img for page in reader(pdf).pages for img in page.images]
    assert len(images) == 2


def test_the_pdf_is_repeatable(catalog):
    text, sheet = consent(catalog)
    assert render_consent_pdf(text, sheet, CLINIC, invariant=True) == render_consent_pdf(
        text, sheet, CLINIC, invariant=True
    )


@pytest.mark.parametrize("script", ["chinese", "arabic", "hebrew", "korean"])
def test_names_in_any_script(catalog, script):
    text, sheet = consent(catalog, NAMES[script], lang="es")
    pdf = render_consent_pdf(text, sheet, CLINIC, invariant=True)
    assert pdf.missing_characters == ()
    assert "Consentimiento para microneedling" in pdf_text(pdf)


def test_photo_choices_are_printed_with_the_answers(catalog):
    text, sheet = consent(catalog, document="photographs")
    said = pdf_text(render_consent_pdf(text, sheet, CLINIC, invariant=True))
    assert "In my clinical record, to follow my treatment — Yes" in said
    assert "For the clinic's marketing (website, social media, leaflets) — No" in said


def test_typed_text_is_never_markup(catalog):
    text, sheet = consent(catalog, name='<b>Ana</b> &nbsp; <img src="/etc/passwd"/>')
    said = pdf_text(render_consent_pdf(text, sheet, CLINIC, invariant=True))
    assert '<b>Ana</b> &nbsp; <img src="/etc/passwd"/>' in said


# ------------------------------------------------------------------ the clinic's seal


@pytest.fixture
def signing(tmp_path):
    return tmp_path / "signing"


def test_the_certificate_is_made_on_first_use_and_kept_private(signing):
    first = clinic_sealer(signing, "West County Dermatology")
    assert "West County Dermatology (consent seal)" in first.name
    assert stat.S_IMODE(signing.stat().st_mode) == 0o700
    for name in (KEY_FILE, CERT_FILE):
        assert stat.S_IMODE((signing / name).stat().st_mode) == 0o600
    again = clinic_sealer(signing, "Another name")
    assert again.fingerprint == first.fingerprint  # kept, not made again
    assert [c.dump() for c in known_certificates(signing)] == [first.certificate.dump()]


def test_a_sealed_pdf_checks_and_a_changed_byte_is_found(catalog, signing):
    text, sheet = consent(catalog)
    sealer = clinic_sealer(signing, CLINIC.name)
    sealed = seal_pdf(bytes(render_consent_pdf(text, sheet, CLINIC)), sealer, reason="Consent")
    report = check_seal(sealed, known_certificates(signing))
    assert report.ok and report.known, report
    assert "intact" in report.summary()
    # One byte changed inside what the seal covers.
    middle = len(sealed) // 3
    changed = sealed[:middle] + bytes([sealed[middle] ^ 0x01]) + sealed[middle + 1 :]
    broken = check_seal(changed, known_certificates(signing))
    assert not broken.ok
    # Something added after the seal.
    added = check_seal(sealed + b"\n% added later\n", known_certificates(signing))
    assert not added.ok
    # An unsealed PDF has no seal; a seal by a certificate the clinic never had is unknown.
    assert not check_seal(bytes(render_consent_pdf(text, sheet, CLINIC))).sealed
    assert not check_seal(sealed, []).known


def test_a_clinics_own_pkcs12_certificate_is_used(signing, catalog):
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        load_pem_private_key,
        pkcs12,
    )
    from cryptography.x509 import load_pem_x509_certificate

    from consult.report.seal import _new_self_signed

    key_pem, cert_pem = _new_self_signed("Clinic's own CA-issued name")
    key = load_pem_private_key(key_pem, None)
    cert = load_pem_x509_certificate(cert_pem)
    signing.mkdir(mode=0o700)
    (signing / P12_FILE).write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"seal", key, cert, None, BestAvailableEncryption(b"s3cret")
        )
    )
    (signing / "consent-seal.pass").write_text("s3cret\n")
    (signing / "consent-seal.pass").chmod(0o600)
    sealer = clinic_sealer(signing, "ignored")
    assert "Clinic's own CA-issued name" in sealer.name
    assert not (signing / KEY_FILE).exists()  # no self-signed pair was made
    text, sheet = consent(catalog)
    sealed = seal_pdf(bytes(render_consent_pdf(text, sheet, CLINIC)), sealer, reason="Consent")
    assert check_seal(sealed, known_certificates(signing)).known
