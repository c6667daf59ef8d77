"""The index's statements on either database: written once in SQLite's form and turned into
each driver's form by ``models.plain`` (the same form as the site's other plain reads)."""

from __future__ import annotations

from models.plain import IDS, Params, ids_parameter, to_postgresql, to_postgresql_many

__all__ = ["IDS", "Params", "ids_parameter", "to_postgresql", "to_postgresql_many"]
