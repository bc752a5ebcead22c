"""The Qt user interface: the only package that imports PySide6."""

from consult.ui.qtcompat import protect_singletons

protect_singletons()
