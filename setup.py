"""Build of the compiled parts (see pyproject.toml for everything else).

The tokenizer's hot loops are a Cython extension; it is optional, so an install without a C
compiler still works and the tokenizer falls back to its pure-Python path. The search index's
posting lists and query evaluation (``search._kernel``) are compiled too, and required.
"""

from Cython.Build import cythonize
from setuptools import Extension, find_packages, setup

# The project's own root packages (one per capability).
PACKAGES = [
    "retry",
    "crawler",
    "models",
    "tokenizer",
    "search",
    "summaries",
    "demos",
    "web",
    "cli",
    "fulltext",
    "venues",
    "alerts",
    "schedule",
]

extensions = [
    Extension(
        "tokenizer._fast",
        ["tokenizer/_fast.pyx"],
        # Results must match the pure-Python path bit for bit: no fused multiply-add.
        extra_compile_args=["-O3", "-ffp-contract=off"],
        optional=True,
    ),
    Extension(
        "search._kernel",
        ["search/_kernel.pyx"],
        extra_compile_args=["-O3"],
    ),
]

# The migrations stay in alembic/ at the root of the source tree; an installed coolpapers carries
# them as the package ``coolpapers_migrations``, where ``coolpapers db upgrade`` finds them.
setup(
    ext_modules=cythonize(extensions, language_level=3),
    package_dir={"coolpapers_migrations": "alembic"},
    packages=[
        *find_packages(include=[f"{name}*" for name in PACKAGES]),
        "coolpapers_migrations",
        "coolpapers_migrations.versions",
    ],
)
