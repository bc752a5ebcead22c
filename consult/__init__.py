"""consult: a consultation assistant for microneedling clinics."""

__version__ = "0.1.0"

# Reverse-DNS id shared by the Linux .desktop file and metainfo, Wayland's app id and the macOS
# bundle identifier (packaging/README.md says why this one). Never change it once installed.
APP_ID = "org.consult.Consult"
