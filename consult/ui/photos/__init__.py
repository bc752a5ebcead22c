"""The photo windows: the gallery (``gallery``), the compare view (``compare``) and the camera
(``camera``, where QtMultimedia is installed)."""
