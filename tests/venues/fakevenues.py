"""A fake of the venues' publishers for tests: OpenReview's API v2 and v1, CVF open access
and the ACL Anthology's files, on the fault-injecting server of ``tests.fakearxiv``.

    with FakeVenues() as venues:          # a free port, a thread of its own
        settings.OPENREVIEW_API_BASE = venues.url + "/v2"   # and /v1, /cvf, /acl
        venues.inject(Status(503, retry_after=7), path="/v2/notes", times=2)

Routes:

- ``/v2/notes?content.venueid=<group>&offset=&limit=``: the notes of ``v2_notes[group]``
  (default: the constructed ICLR 2024 answer) from ``offset``, at most ``limit``, with
  ``count``; an unknown group gets no notes (as OpenReview answers).
- ``/v1/notes?invitation=<group>/-/Blind_Submission&offset=&limit=``: likewise over
  ``v1_notes[group]`` (default: the constructed ICLR 2021 answer).
- ``/cvf/<CONF><YEAR>?day=all``: ``cvf_pages[<CONF><YEAR>]`` (default: the constructed
  CVPR 2024 listing); others 404.
- ``/cvf/content/<CONF><YEAR>/html/<key>.html``: ``cvf_papers[<key>]`` (default: the
  constructed page of the listing's first CVPR 2024 paper, none for the second); others 404.
- ``/acl/<collection>.xml``: the real ACL 2024 collection file (trimmed) as ``2024.acl``.
- ``/pmlr/v247/gh-pages/<file>`` and ``/pmlr-index/v247/contents/_posts``: the real COLT 2024
  volume files and a GitHub-style listing of its posts.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakearxiv.server import FakeServer, Reply, Request

FIXTURES = Path(__file__).parent.parent / "fixtures" / "venues"
PMLR = FIXTURES / "pmlr" / "v247"
ICLR_2024 = "ICLR.cc/2024/Conference"
ICLR_2021 = "ICLR.cc/2021/Conference"


def _notes(name: str) -> list[dict]:
    return json.loads((FIXTURES / "openreview" / name).read_text(encoding="utf-8"))["notes"]


class FakeVenues(FakeServer):
    def __init__(self) -> None:
        super().__init__(self.answer)
        self.v2_notes: dict[str, list[dict]] = {ICLR_2024: _notes("iclr2024.v2.json")}
        self.v1_notes: dict[str, list[dict]] = {ICLR_2021: _notes("iclr2021.v1.json")}
        self.cvf_pages = {"CVPR2024": (FIXTURES / "cvf" / "CVPR2024.html").read_bytes()}
        self.cvf_papers = {
            page.stem: page.read_bytes() for page in (FIXTURES / "cvf" / "CVPR2024").glob("*.html")
        }
        self.acl_files = {"2024.acl": (FIXTURES / "acl" / "2024.acl.first30.xml").read_bytes()}

    def answer(self, request: Request) -> Reply:
        path = request.path
        if path == "/v2/notes":
            return self._page(
                self.v2_notes.get(request.param("content.venueid") or "", []), request
            )
        if path == "/v1/notes":
            group = (request.param("invitation") or "").removesuffix("/-/Blind_Submission")
            return self._page(self.v1_notes.get(group, []), request)
        if path.startswith("/cvf/content/") and path.endswith(".html"):
            key = path.rsplit("/", 1)[-1].removesuffix(".html")
            if page := self.cvf_papers.get(key):
                return Reply(200, page, content_type="text/html; charset=utf-8")
        if path.startswith("/cvf/") and (page := self.cvf_pages.get(path[5:])):
            return Reply(200, page, content_type="text/html; charset=utf-8")
        if path.startswith("/acl/") and (data := self.acl_files.get(path[5:].removesuffix(".xml"))):
            return Reply(200, data)
        if path == "/pmlr-index/v247/contents/_posts":
            names = [{"name": p.name} for p in sorted((PMLR / "_posts").glob("*.md"))]
            return Reply(200, json.dumps(names).encode(), content_type="application/json")
        if path.startswith("/pmlr/v247/gh-pages/"):
            file = PMLR / path.removeprefix("/pmlr/v247/gh-pages/")
            if file.is_file():
                return Reply(200, file.read_bytes(), content_type="text/plain")
        return Reply(404, b"Not Found", content_type="text/plain")

    @staticmethod
    def _page(notes: list[dict], request: Request) -> Reply:
        offset = int(request.param("offset") or 0)
        limit = int(request.param("limit") or 1000)
        body = {"notes": notes[offset : offset + limit], "count": len(notes)}
        return Reply(200, json.dumps(body).encode(), content_type="application/json")
