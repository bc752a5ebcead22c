"""consult: a consultation assistant for microneedling clinics."""

__version__ = "0.1.0"
