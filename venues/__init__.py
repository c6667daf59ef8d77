"""Venues: the accepted papers of conferences and journals, beside arXiv's.

Sources (each parsed into ``venues.records``): the ACL Anthology's volume XML
(``venues.acl``), PMLR volumes (``venues.pmlr``), OpenReview's API v2 and v1
(``venues.openreview``) and CVF open access listings (``venues.cvf``). Fetchers go through the
crawler's polite client (``crawler.fetch.client.ArxivClient``: retries, one request at a time
per host, the project's User-Agent) and record a crawl run.

Storage, and why: a venue paper is a row of ``papers`` under the id ``<source>:<key>``
(``acl:P17-1002``, ``pmlr:v247/agrawal24a``, ``openreview:<forum>``, ``cvf:<key>``) written by
the crawler's ingest, with its venue-specific fields in ``venue_papers`` and the volumes'
front matter in ``venue_volumes`` (``venues.store``). The search index, stars, FAQ and related
papers read ``papers``, so they serve venue papers unchanged; the ids never parse as arXiv ids
(they hold a colon), so arXiv routes leave them alone and the venue routes own them. The venue
is also the paper's one category, ``venue.<NAME>.<YEAR>`` (``venue.ACL.2017``): the search's
category filter then answers ``venue:ACL.2017`` and ``branch:venue|arxiv`` without a new
index, and the arXiv category pages never list these codes.

A venue paper that is also on arXiv (same normalised title, an author surname in common) is
linked both ways through ``venue_papers.arxiv_id`` (``venues.link``).

Layering: venues uses ``crawler`` and ``models``; the site and the CLI use venues.
"""
