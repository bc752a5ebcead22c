"""The clinical core of consult: pure Python, no Qt, no SQL.

``catalog`` loads and validates the clinic's content, ``model`` holds the consultation's
dataclasses, ``screening`` turns answers into an outcome and ``plan`` turns a consultation
into a dated treatment plan.
"""
