"""The distribution's version, for ``indicators --version`` and the built-ins' provider."""

__version__ = "0.1.0"
