"""Interface text in English and Chinese, and the reader's choice of language and theme.

The language comes from ``?lang=``, then the ``lang`` cookie, then Accept-Language; the
theme (``auto``, ``light`` or ``dark``) from ``?theme=`` or the ``theme`` cookie. A choice
made in the query string is kept in a cookie by ``PreferenceCookiesMiddleware``. Templates
get ``_`` (the translator of the request's language), ``lang`` and ``theme``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import HTTPConnection, Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LANGUAGES = ("en", "zh")
THEMES = ("auto", "light", "dark")
COOKIE_MAX_AGE = 365 * 24 * 3600

# English text is the key; Chinese text is looked up, other languages fall back to the key.
ZH: dict[str, str] = {
    "Categories": "分类",
    "Search": "搜索",
    "Demos": "演示",
    "Starred": "收藏",
    "Theme": "主题",
    "auto": "自动",
    "light": "浅色",
    "dark": "深色",
    "Language": "语言",
    "Previous day": "前一天",
    "Next day": "后一天",
    "Go": "前往",
    "Date": "日期",
    "All": "全部",
    "Also on arXiv": "也在 arXiv 上",
    "Not on arXiv": "不在 arXiv 上",
    "New only": "仅新论文",
    "New and cross-lists": "新论文与交叉列表",
    "With replacements": "含替换版本",
    "{n} papers": "{n} 篇论文",
    "{n} of {total} papers match": "{total} 篇中 {n} 篇匹配",
    "No papers for this day.": "这一天没有论文。",
    "published on this day": "按发表日期",
    "Keywords": "关键词",
    "Include (one per line)": "包含（每行一个）",
    "Exclude (one per line)": "排除（每行一个）",
    "any (OR)": "任一（OR）",
    "all (AND)": "全部（AND）",
    "Show matches only": "只显示匹配",
    "Apply": "应用",
    "Clear": "清除",
    "Star": "收藏",
    "Unstar": "取消收藏",
    "Mark as read": "标为已读",
    "Mark as unread": "标为未读",
    "Copy": "复制",
    "Copied": "已复制",
    "more authors": "位作者",
    "new": "新",
    "cross": "交叉",
    "replace": "替换",
    "replace-cross": "替换（交叉）",
    "Atom feed": "Atom 订阅",
    "Abstract": "摘要",
    "Authors": "作者",
    "Published": "发表",
    "Updated": "更新",
    "Comment": "备注",
    "Journal": "期刊",
    "Report number": "报告编号",
    "License": "许可",
    "Versions": "版本",
    "Announced": "公布",
    "Links": "链接",
    "Related papers": "相关论文",
    "Your starred papers": "我的收藏",
    "Shared papers": "分享的论文",
    "No starred papers yet.": "还没有收藏的论文。",
    "Star papers on any list with ☆; they are kept in this browser.": (
        "在列表中点 ☆ 收藏论文；收藏保存在本浏览器中。"
    ),
    "This page needs JavaScript: your stars are kept in this browser.": (
        "此页面需要 JavaScript：收藏保存在本浏览器中。"
    ),
    "Export link": "导出链接",
    "Open this link on another device to see these papers there.": (
        "在另一台设备上打开此链接即可看到这些论文。"
    ),
    "Download BibTeX": "下载 BibTeX",
    "Add these to my stars": "加入我的收藏",
    "Added to your stars": "已加入收藏",
    "Back to the categories": "返回分类",
    "Combine categories": "组合分类",
    "e.g. cs.AI+cs.LG-cs.CY": "例如 cs.AI+cs.LG-cs.CY",
    "Open": "打开",
    "No papers yet.": "还没有论文。",
    "papers": "篇",
    "Metadata from arXiv (CC0). Thank you to arXiv for use of its open access interoperability.": (
        "元数据来自 arXiv（CC0）。感谢 arXiv 提供开放获取的互操作性。"
    ),
    "Not found": "未找到",
    "Bad request": "请求有误",
    "Error": "错误",
    "read": "已读",
    # The demo pages' controls; parameter labels are the `Param` labels of web.demo_pages.
    "Original article": "原文",
    "More settings": "更多设置",
    "Compute": "计算",
    "Defaults": "恢复默认",
    "JSON of these numbers": "这些数字的 JSON",
    "Text": "文本",
    "Sampling α": "采样 α",
    "Seed": "随机种子",
    "Samples": "样本数",
    "Vocabulary": "词表",
    "Sampler": "采样器",
    "n best": "前 n 优",
    "Engine": "引擎",
    "Vocabulary n": "词表大小 n",
    "Width d": "宽度 d",
    "Scheme": "方案",
    "Batch": "批大小",
    "Keys n": "键数 n",
    "Scores": "分数",
    "Dimension d": "维度 d",
    "Monte Carlo trials": "蒙特卡洛次数",
    "Failure probability": "失败概率",
    "Tries": "尝试次数",
    "Runs": "运行次数",
    "Sleep (s)": "等待（秒）",
    "Head size d": "头维度 d",
    "Base": "底数",
    "Training length": "训练长度",
    "Test length": "测试长度",
    "Method": "方法",
    "Window w": "窗口 w",
    "Leak k": "泄漏系数 k",
    "Map size": "位置图大小",
    "Image side n": "图像边长 n",
    "Bits per sub-pixel": "每个子像素的比特数",
    "Tokens L": "token 数 L",
    "Patch size p": "patch 边长 p",
    "VQ downsampling f": "VQ 下采样倍数 f",
    "Text tokens": "文本 token 数",
    "Image tokens": "图像 token 数",
    "Text after": "图像后的文本",
    "Within the image": "图像内部",
    "Diffusion step": "扩散步",
    "Target": "目标分布",
    "Terms N": "项数 N",
    "Smoothness γ": "平滑度 γ",
    # the reading flow and discovery
    "Fetching from arXiv": "正在从 arXiv 获取",
    "This paper is not in the archive yet: fetching it from arXiv…": (
        "本站尚未收录这篇论文：正在从 arXiv 获取…"
    ),
    "This page reloads by itself in a moment.": "本页稍后会自动刷新。",
    "Reload": "刷新",
    "No related papers found.": "没有找到相关论文。",
    "Finding related papers…": "正在查找相关论文……",
    "Fold seen papers": "折叠已看过的论文",
    "Unseen only": "只看未看过的",
    "Keys: j/k next/previous, s star, f FAQ, r related, o open, x mark read": (
        "快捷键：j/k 下一篇/上一篇，s 收藏，f FAQ，r 相关论文，o 打开，x 标为已读"
    ),
    "unseen": "篇未看",
    "[Related]": "[相关]",
    "For you": "为你排序",
    "No stars yet: star papers with ☆ and they will order this page.": (
        "还没有收藏：用 ☆ 收藏论文后，即可按收藏为本页排序。"
    ),
    "Sorting by your stars…": "正在按你的收藏排序…",
    "Ordered by your stars; the words that counted most:": "已按你的收藏排序；影响最大的词：",
    "Ordered by your stars.": "已按你的收藏排序。",
    "Sorting by your stars failed; the page keeps its order.": (
        "按收藏排序失败；本页保持原来的顺序。"
    ),
    "View": "视图",
    "As a list": "列表",
    "By topic": "按主题",
    "Other papers": "其他论文",
    "In announcement order": "按发布顺序",
    "Most read this week": "本周最热",
    "Most read": "最热论文",
    "Today": "今天",
    "This week": "本周",
    "This month": "本月",
    "Counted anonymously: stars, FAQ opened and PDF clicked, once per browser a day.": (
        "匿名统计：收藏、打开 FAQ 与点击 PDF，每个浏览器每天计一次。"
    ),
    "Nothing read yet in this time.": "这段时间内还没有人阅读。",
    "stars": "收藏",
}

CATALOGUES: dict[str, dict[str, str]] = {"en": {}, "zh": ZH}

Translator = Callable[..., str]


def translator(lang: str) -> Translator:
    catalogue = CATALOGUES.get(lang, {})

    def translate(text: str, **values: object) -> str:
        found = catalogue.get(text, text)
        return found.format(**values) if values else found

    return translate


def _from_accept_language(header: str) -> str | None:
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            weighted.append((-quality, index, primary))
    return min(weighted)[2] if weighted else None


@dataclass(frozen=True, slots=True)
class Preferences:
    lang: str = "en"
    theme: str = "auto"


def preferences(connection: HTTPConnection) -> Preferences:
    """The request's language and theme, from the query string, the cookies or the headers."""
    headers = connection.headers
    return _preferences(
        connection.scope.get("query_string", b""),
        tuple(headers.getlist("cookie")),
        headers.get("accept-language", ""),
    )


# Read on every page request, cached pages included; visitors send few distinct inputs.
@functools.lru_cache(maxsize=1024)
def _preferences(
    query_string: bytes, cookie_headers: tuple[str, ...], accept_language: str
) -> Preferences:
    query = QueryParams(query_string)
    cookies: dict[str, str] = {}
    for header in cookie_headers:
        cookies.update(cookie_parser(header))
    lang = query.get("lang")
    if lang not in LANGUAGES:
        lang = cookies.get("lang")
    if lang not in LANGUAGES:
        lang = _from_accept_language(accept_language) or "en"
    theme = query.get("theme")
    if theme not in THEMES:
        theme = cookies.get("theme")
    if theme not in THEMES:
        theme = "auto"
    return Preferences(lang, theme)


def next_theme(theme: str) -> str:
    return THEMES[(THEMES.index(theme) + 1) % len(THEMES)]


def current_path(request: Request) -> str:
    """The request's path and query, without the preference parameters."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in {"lang", "theme"}]
    return request.url.path + (f"?{urlencode(items)}" if items else "")


def template_context(request: Request) -> dict[str, object]:
    """A Jinja2 context processor: ``lang``, ``theme``, ``_`` and ``here`` for every template."""
    chosen = preferences(request)
    return {
        "lang": chosen.lang,
        "theme": chosen.theme,
        "next_theme": next_theme(chosen.theme),
        "here": current_path(request),
        "_": translator(chosen.lang),
    }


def _cookie_header(name: str, value: str) -> tuple[bytes, bytes]:
    cookie: SimpleCookie = SimpleCookie()
    cookie[name] = value
    cookie[name]["path"] = "/"
    cookie[name]["max-age"] = COOKIE_MAX_AGE
    cookie[name]["samesite"] = "Lax"
    return b"set-cookie", cookie.output(header="").strip().encode("latin-1")


class PreferenceCookiesMiddleware:
    """Keeps ``?lang=`` and ``?theme=`` in cookies so that the choice holds on later pages."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # On the API, ``lang`` selects the language of the data, not of the interface.
        if (
            scope["type"] != "http"
            or not scope.get("query_string")
            or scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        chosen = [
            (name, value)
            for name, allowed in (("lang", LANGUAGES), ("theme", THEMES))
            if (value := connection.query_params.get(name)) in allowed
            and connection.cookies.get(name) != value
        ]
        if not chosen:
            await self.app(scope, receive, send)
            return

        async def send_with_cookies(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(_cookie_header(name, value) for name, value in chosen)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookies)
