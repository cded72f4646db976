"""DiveLab: the API side (catalogue, jobs, event streams, storage). Never imports torch."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("divelab")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
