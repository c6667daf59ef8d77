"""Getting arXiv into the database.

``crawler.parse`` reads every arXiv format into one paper record type (``crawler.records``),
``crawler.ingest`` upserts those records idempotently, ``crawler.imports`` loads files,
``crawler.fetch`` holds the polite fetchers of the daily feeds, the search API and OAI-PMH,
``crawler.runs`` records every crawl and ``crawler.reconcile`` checks a day's coverage (the
root package ``schedule`` runs the crawls on arXiv's calendar).
"""
