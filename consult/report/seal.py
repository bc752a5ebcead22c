"""The clinic's digital seal on a signed consent's PDF (PAdES, with pyHanko).

The seal is a PDF signature over the whole file, made with the clinic's key, so that any PDF
reader shows whether the document has changed since it was signed (Adobe Reader: "the
document has not been modified since this signature was applied"). It proves the file is
the one the clinic sealed; the record's SHA-256 and the audit trail prove the rest.

**The clinic's certificate.** Kept in the data folder's ``signing/`` folder (0700; every file
in it 0600), found in this order:

1. ``consent-seal.p12``: the clinic's own certificate and key (PKCS#12, e.g. from a
   certification authority), with its passphrase in ``consent-seal.pass`` (or none);
2. ``consent-seal-key.pem`` and ``consent-seal-cert.pem``: a key and certificate in PEM, the
   clinic's own, or the self-signed pair made here on first use (ECDSA P-256, ten years,
   named after the clinic).

Every certificate that has sealed a PDF is kept in ``signing/known/``, so a PDF sealed before
the clinic changed its certificate still checks as sealed by one of its own.

pyHanko (about half a second to import, with cryptography and its validator) is imported when
a consent is sealed or checked, never when the app starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from consult.system.files import write_private_atomic

KEY_FILE = "consent-seal-key.pem"
CERT_FILE = "consent-seal-cert.pem"
P12_FILE = "consent-seal.p12"
PASS_FILE = "consent-seal.pass"  # noqa: S105 - the name of the file holding it
KNOWN = "known"
FIELD_NAME = "ClinicSeal"
CERT_YEARS = 10


class SealError(Exception):
    """The seal could not be made or read; ``message`` says why in plain words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Sealer:
    """The clinic's key and certificate, ready to seal (pyHanko's signer inside)."""

    signer: Any
    certificate: Any  # asn1crypto x509.Certificate
    name: str  # the certificate's subject, for messages

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.certificate.dump()).hexdigest()


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    return folder


def _new_self_signed(clinic_name: str) -> tuple[bytes, bytes]:
    """A new ECDSA P-256 key and a self-signed certificate for sealing, as PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    who = (clinic_name.strip() or "consult clinic")[:50]
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, f"{who} (consent seal)"[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, who),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365 * CERT_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def clinic_sealer(folder: Path, clinic_name: str) -> Sealer:
    """The clinic's sealer from ``folder`` (the data folder's ``signing/``): its own PKCS#12
    or PEM pair, or a self-signed pair made now and kept there (0600)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    folder = _private_folder(folder)
    p12 = folder / P12_FILE
    try:
        if p12.is_file():
            secret = folder / PASS_FILE
            passphrase = secret.read_bytes().strip() if secret.is_file() else None
            signer = signers.SimpleSigner.load_pkcs12_data(
                p12.read_bytes(), other_certs=[], passphrase=passphrase or None
            )
            if signer is None:
                raise SealError(
                    f"The clinic's certificate {p12} could not be opened: check its passphrase "
                    f"in {secret.name}."
                )
        else:
            key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
            if not key_path.is_file() or not cert_path.is_file():
                key_pem, cert_pem = _new_self_signed(clinic_name)
                write_private_atomic(key_path, key_pem, replace=True)
                write_private_atomic(cert_path, cert_pem, replace=True)

            def der(data: bytes) -> bytes:
                return pem.unarmor(data)[2] if pem.detect(data) else data

            certificate = asn1_x509.Certificate.load(der(cert_path.read_bytes()))
            key = asn1_keys.PrivateKeyInfo.load(der(key_path.read_bytes()))
            signer = signers.SimpleSigner(
                signing_cert=certificate,
                signing_key=key,
                cert_registry=SimpleCertificateStore.from_certs([certificate]),
            )
    except SealError:
        raise
    except (OSError, ValueError, TypeError) as exc:
        raise SealError(
            f"The clinic's seal in {folder} could not be used ({type(exc).__name__}: {exc}). "
            "See docs/consent.md, “The clinic's certificate”."
        ) from exc
    certificate = signer.signing_cert
    sealer = Sealer(signer, certificate, certificate.subject.human_friendly)
    remember(folder, certificate.dump())
    return sealer


def remember(folder: Path, certificate_der: bytes) -> None:
    """Keep a certificate that seals PDFs among the clinic's known ones."""
    known = _private_folder(folder / KNOWN)
    path = known / f"{hashlib.sha256(certificate_der).hexdigest()[:32]}.der"
    if not path.exists():
        write_private_atomic(path, certificate_der)


def known_certificates(folder: Path) -> list[Any]:
    from asn1crypto import x509 as asn1_x509

    found = []
    for path in sorted((folder / KNOWN).glob("*.der")) if (folder / KNOWN).is_dir() else []:
        try:
            found.append(asn1_x509.Certificate.load(path.read_bytes()))
        except (OSError, ValueError):
            continue
    return found


def seal_pdf(data: bytes, sealer: Sealer, *, reason: str, location: str = "") -> bytes:
    """``data`` with the clinic's PAdES signature over all of it (an incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        meta = PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location or None,
        )
        out = signers.sign_pdf(writer, meta, signer=sealer.signer)
    except Exception as exc:  # pyHanko raises many kinds; the caller needs one, in words
        raise SealError(f"The PDF could not be sealed ({type(exc).__name__}: {exc}).") from exc
    return out.getvalue()


@dataclass(frozen=True)
class SealReport:
    """What a PDF's seal says: whether its bytes are still those sealed, by whom, when."""

    sealed: bool  # the PDF carries a seal at all
    intact: bool  # the sealed bytes are unchanged and the signature is mathematically valid
    whole_file: bool  # the seal covers the whole file (nothing added after it)
    known: bool  # sealed by one of the clinic's own certificates
    signer: str = ""
    signed_at: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.sealed and self.intact and self.whole_file

    def summary(self) -> str:
        if not self.sealed:
            return "The PDF carries no digital seal."
        if not self.intact:
            return "The PDF's digital seal is broken: the document changed after it was sealed."
        if not self.whole_file:
            return "Something was added to the PDF after it was sealed."
        whose = "one of this clinic's certificates" if self.known else "a certificate unknown here"
        return f"The PDF's digital seal is intact ({self.signer}; {whose})."


def check_seal(data: bytes, trusted: list[Any] | None = None) -> SealReport:
    """Check the seal of ``data``; ``trusted``: the clinic's known certificates."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data))
        sealed = list(reader.embedded_signatures)
    except Exception:  # not a PDF pyHanko can read: nothing sealed in it
        return SealReport(False, False, False, False)
    if not sealed:
        return SealReport(False, False, False, False)
    signature = sealed[-1]
    context = ValidationContext(trust_roots=list(trusted or []), allow_fetching=False)
    try:
        status = validate_pdf_signature(signature, context)
    except (SignatureValidationError, ValueError, KeyError):
        return SealReport(True, False, False, False)
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    certificate = status.signing_cert
    fingerprints = {hashlib.sha256(c.dump()).hexdigest() for c in trusted or []}
    known = certificate is not None and hashlib.sha256(certificate.dump()).hexdigest() in (
        fingerprints
    )
    return SealReport(
        sealed=True,
        intact=bool(status.intact and status.valid),
        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        known=known,
        signer=certificate.subject.human_friendly if certificate is not None else "",
        signed_at=getattr(status, "signer_reported_dt", None),
    )
