"""Getting arXiv into the database: parsing every arXiv format into one paper record type,
the idempotent ingest that upserts those records, and (as they land) the polite fetchers
for the daily feeds, the search API and OAI-PMH.
"""
