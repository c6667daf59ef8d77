"""Build of the compiled parts (see pyproject.toml for everything else)."""

from setuptools import setup

setup()
