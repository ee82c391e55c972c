"""A fixture news site on 127.0.0.1: pages in each real site's markup, listings, sitemaps, RSS, faults.

Shared by the crawl tests (fixture `site_server`) and bench/bench_crawl.py. Articles are generated
from a bank of Vietnamese sentences, so the expected title, sapo and body of every page is known.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template

DATA = Path(__file__).resolve().parents[1] / "data" / "crawl"
SENTENCES = [
    "Bộ Xây dựng vừa ban hành hướng dẫn mới về quản lý chất lượng công trình trên cả nước.",
    "Theo báo cáo, trong năm qua có hơn một nghìn dự án nhà ở xã hội được khởi công.",
    "Người dân tại các đô thị lớn vẫn gặp nhiều khó khăn khi tìm mua nhà với giá hợp lý.",
    "Các chuyên gia cho rằng cần có chính sách tín dụng ưu đãi dài hạn cho người thu nhập thấp.",
    "Ủy ban nhân dân thành phố đã yêu cầu các sở ngành rà soát toàn bộ thủ tục hành chính.",
    "Nhiều doanh nghiệp xây dựng cho biết giá vật liệu tăng mạnh khiến chi phí đội lên đáng kể.",
    "Thủ tướng Chính phủ chỉ đạo đẩy nhanh tiến độ giải ngân vốn đầu tư công trong quý cuối năm.",
    "Hội nghị đã thảo luận các giải pháp phát triển hạ tầng giao thông kết nối vùng.",
    "Theo kế hoạch, tuyến đường cao tốc mới sẽ được đưa vào khai thác trước mùa mưa bão.",
    "Đại diện nhà thầu cam kết bảo đảm an toàn lao động và vệ sinh môi trường tại công trường.",
    "Sở Giáo dục cho biết năm học mới sẽ có thêm hàng trăm phòng học được xây dựng kiên cố.",
    "Lực lượng chức năng đã kiểm tra và xử lý nhiều trường hợp vi phạm trật tự xây dựng.",
    "Các địa phương miền núi được hỗ trợ kinh phí để di dời người dân khỏi vùng sạt lở.",
    "Ngân hàng Nhà nước điều chỉnh lãi suất điều hành nhằm hỗ trợ phục hồi kinh tế.",
    "Nhiều ý kiến đề nghị sửa đổi quy định về cấp phép xây dựng để giảm thời gian chờ đợi.",
    "Bệnh viện tuyến tỉnh được đầu tư thêm trang thiết bị hiện đại phục vụ người bệnh.",
    "Ban quản lý dự án cho biết đã hoàn thành giải phóng mặt bằng đạt gần chín mươi phần trăm.",
    "Công an thành phố khuyến cáo người dân cảnh giác với các chiêu trò lừa đảo qua mạng.",
    "Giá xăng dầu trong nước được điều chỉnh giảm nhẹ từ chiều nay theo xu hướng thế giới.",
    "Mưa lớn kéo dài khiến nhiều tuyến phố bị ngập sâu, giao thông ùn tắc nghiêm trọng.",
]


@dataclass(frozen=True)
class SiteSpec:
    template: str
    paragraph: str  # how the site marks a body paragraph
    article: str  # article path, with {n} (0..N) and {id} (a site-style numeric id)
    prefix: str = ""  # agency prefix printed before the sapo
    date_text: str = "{d:%d/%m/%Y %H:%M} GMT+7"


SPECS = {
    "vnexpress": SiteSpec(
        "vnexpress.html",
        '<p class="Normal">{}</p>',
        "/thoi-su/bai-viet-so-{n}-{id7}.html",
        date_text="Thứ hai, {d:%-d/%-m/%Y}, {d:%H:%M} (GMT+7)",
    ),
    "tuoitre": SiteSpec("detail_cms.html", "<p>{}</p>", "/bai-viet-so-{n}-{id17}.htm", prefix="TTO - "),
    "thanhnien": SiteSpec("detail_cms.html", "<p>{}</p>", "/thoi-su/bai-viet-so-{n}-{id17}.htm"),
    "baochinhphu": SiteSpec("detail_cms.html", "<p>{}</p>", "/bai-viet-so-{n}-{id17}.htm", prefix="(Chinhphu.vn) - "),
    "dantri": SiteSpec("dantri_2026.html", "<p>{}</p>", "/xa-hoi/bai-viet-so-{n}-{id17}.htm", prefix="(Dân trí) - "),
    "vietnamnet": SiteSpec("vietnamnet.html", "<p>{}</p>", "/bai-viet-so-{n}-{id7}.html"),
    "vietnamplus": SiteSpec("vietnamplus.html", "<p>{}</p>", "/bai-viet-so-{n}-post{id7}.vnp"),
    "moc": SiteSpec("moc.html", "<p>{}</p>", "/vn/tin-tuc/1240/{id5}/bai-viet-so-{n}.aspx", date_text="{d:%d/%m/%Y}"),
}
BASE_DATE = datetime(2024, 3, 1, 8, 30, tzinfo=timezone(timedelta(hours=7)))


@dataclass
class Expected:
    path: str
    title: str
    summary: str
    paragraphs: list[str]
    published: datetime


def make_article(n: int) -> tuple[str, str, list[str]]:
    """Title, sapo and body paragraphs of article n; every article's text is unique."""
    pick = lambda k: SENTENCES[(n * 7 + k) % len(SENTENCES)]  # noqa: E731
    title = f"Bài viết số {n}: {pick(0)[:60].rstrip(' ,.')}"
    sapo = f"Sáng nay, bài viết số {n} cho biết {pick(1)[0].lower()}{pick(1)[1:]} {pick(2)}"
    paragraphs = [f"{pick(3 + 2 * i)} {pick(4 + 2 * i)} Đây là đoạn {i + 1} của bài số {n}." for i in range(6)]
    return title, sapo, paragraphs


def article_path(site: str, n: int) -> str:
    return SPECS[site].article.format(n=n, id7=4_700_000 + n, id17=20240301083000000 + n, id5=10000 + n)


def render(
    site: str,
    n: int,
    real_base: str,
    *,
    template: str | None = None,
    canonical: bool = True,
    sapo: str | None = None,
    paragraphs: list[str] | None = None,
) -> tuple[str, Expected]:
    spec = SPECS[site]
    title, default_sapo, default_paragraphs = make_article(n)
    sapo = default_sapo if sapo is None else sapo
    paragraphs = default_paragraphs if paragraphs is None else paragraphs
    path = article_path(site, n)
    published = BASE_DATE + timedelta(days=n)
    body = [spec.paragraph.format(escape(p)) for p in paragraphs]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": title,
        "datePublished": published.isoformat(),
    }
    values = {
        "title": escape(title),
        "sapo": escape(sapo),
        "sapo_plain": escape(sapo),
        "prefix": escape(spec.prefix),
        "body1": "\n".join(body[:3]),
        "body2": "\n".join(body[3:]),
        "canonical": real_base + path if canonical else "",
        "jsonld": json.dumps(ld, ensure_ascii=False),
        "date_iso": published.isoformat(),
        "date_text": spec.date_text.format(d=published),
    }
    html = Template((DATA / (template or spec.template)).read_text(encoding="utf-8")).substitute(values)
    if not canonical:
        html = html.replace('<link rel="canonical" href="">', "")
    return html, Expected(path, title, sapo, paragraphs, published)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the crawler opens many connections at once


class FixtureSite:
    """Serves one site's fixture (articles 0..n-1 plus fault routes) on 127.0.0.1; records every hit."""

    def __init__(self, site: str, n: int = 6, faults: bool = False, per_page: int = 3, delay: float = 0.0):
        from cls_data.crawl.runner import spider_classes

        self.site, self.n, self.per_page = site, n, per_page
        self.spider = spider_classes()[site]
        self.real = self.spider.base_url
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = {}
        self.routes: dict[str, tuple[int, dict[str, str], bytes, float]] = {}
        self.expected: dict[str, Expected] = {}
        self.unsized: set[str] = set()  # paths sent without Content-Length, ended by closing the connection
        self.lock = threading.Lock()
        for i in range(n):
            html, exp = render(site, i, self.real)
            self.add(exp.path, html, delay=delay)
            self.expected[exp.path] = exp
        self.articles = [article_path(site, i) for i in range(n)]
        if faults:
            self._add_faults()
        self._add_discovery()
        self.add("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")

    def add(
        self,
        path: str,
        body: str | bytes,
        ctype: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        sized: bool = True,
    ) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = (status, {"Content-Type": ctype, **(headers or {})}, data, delay)
        if not sized:
            self.unsized.add(path)

    def add_article(self, n: int, sized: bool = True, **render_args) -> str:
        """Serve article n (optionally with other sapo/paragraphs) at its usual path; returns the path."""
        html, exp = render(self.site, n, self.real, **render_args)
        self.add(exp.path, html, sized=sized)
        self.expected[exp.path] = exp
        return exp.path

    def _add_discovery(self) -> None:
        links = self.articles
        for template in self.spider.listings[:1]:
            pages = [links[i : i + self.per_page] for i in range(0, len(links), self.per_page)] + [[]]
            for page, chunk in enumerate(pages, start=1):
                # Real listings mix relative and absolute links to the real host.
                anchors = "".join(
                    f'<article class="item-news"><h3><a href="{self.real + p if k % 2 else p}">x</a></h3></article>'
                    for k, p in enumerate(chunk)
                )
                self.add(
                    self.spider.listing_path(template, page),
                    f"<html><body><nav><a href='/'>Trang chủ</a></nav>{anchors}</body></html>",
                )
        for path in self.spider.sitemaps[:1]:
            child = "/sitemaps/news-2024-03.xml"
            self.add(
                path,
                f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                f"<sitemap><loc>{self.real}{child}</loc><lastmod>2024-03-31</lastmod></sitemap></sitemapindex>",
                "application/xml",
            )
            urls = "".join(
                f"<url><loc>{self.real}{p}</loc><lastmod>"
                f"{self.expected[p].published.date() if p in self.expected else '2024-03-01'}</lastmod></url>"
                for p in links
            )
            self.add(
                child,
                f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>',
                "application/xml",
            )
        for path in self.spider.feeds[:1]:
            items = "".join(f"<item><title>x</title><link>{self.real}{p}</link></item>" for p in links)
            self.add(
                path,
                '<?xml version="1.0" encoding="UTF-8"?><rss '
                f'version="2.0"><channel><title>t</title>{items}</channel></rss>',
                "application/rss+xml",
            )

    def _add_faults(self) -> None:
        """Fault pages, linked from the listings like ordinary articles."""
        base = 900
        fault = lambda k: article_path(self.site, base + k)  # noqa: E731
        self.fault_paths = {
            name: fault(k)
            for k, name in enumerate(
                [
                    "404",
                    "500",
                    "429",
                    "slow",
                    "truncated",
                    "nfd",
                    "charset",
                    "dup_canonical",
                    "dup_content",
                    "no_sapo",
                    "english",
                    "private",
                    "old_layout",
                ]
            )
        }
        fp = self.fault_paths
        self.add(fp["404"], "<h1>Không tìm thấy</h1>", status=404)
        self.add(fp["500"], "<h1>Lỗi máy chủ</h1>", status=500)
        html, exp = render(self.site, base + 2, self.real)
        self.add(fp["429"], html)
        self.expected[fp["429"]] = exp
        self.retry_after_first = fp["429"]  # first hit answers 429 + Retry-After: 1
        html, _ = render(self.site, base + 3, self.real)
        self.add(fp["slow"], html, delay=3.0)
        html, exp = render(self.site, base + 4, self.real)
        cut = html.index(exp.paragraphs[4][:20])
        self.add(fp["truncated"], html[:cut])  # ends inside the 5th paragraph, no closing tags
        self.expected[fp["truncated"]] = Expected(exp.path, exp.title, exp.summary, exp.paragraphs[:4], exp.published)
        html, exp = render(self.site, base + 5, self.real)
        self.add(fp["nfd"], unicodedata.normalize("NFD", html))
        self.expected[fp["nfd"]] = exp
        html, exp = render(self.site, base + 6, self.real)
        self.add(fp["charset"], html.encode("utf-8"), ctype="text/html; charset=iso-8859-1")
        self.expected[fp["charset"]] = exp
        html, exp = render(self.site, 0, self.real)  # article 0 again, same canonical URL
        self.add(fp["dup_canonical"], html)
        html, _ = render(self.site, 1, self.real, canonical=False)  # article 1 again, no canonical
        self.add(fp["dup_content"], html)
        html, _ = render(
            self.site,
            base + 9,
            self.real,
            template="vnexpress_2019.html" if self.site == "vnexpress" else None,
            sapo="",
        )
        self.add(fp["no_sapo"], html.replace('content=""', ""))
        english = (
            "The Ministry of Construction has issued new guidance on the quality management of construction works "
            "nationwide."
        )
        html, _ = render(self.site, base + 10, self.real, sapo=english)
        self.add(fp["english"], html)
        self.add(fp["private"], render(self.site, base + 11, self.real)[0])
        html, exp = render(
            self.site, base + 12, self.real, template="vnexpress_2019.html" if self.site == "vnexpress" else None
        )
        self.add(fp["old_layout"], html)
        self.expected[fp["old_layout"]] = exp
        self.articles = self.articles + [p if name != "private" else "/private" + p for name, p in fp.items()]
        self.fault_paths["private"] = "/private" + fp["private"]

    # ---- server ------------------------------------------------------------------------------
    def __enter__(self) -> FixtureSite:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like real servers

            def do_GET(self):  # noqa: N802
                path = self.path
                with site.lock:
                    site.hits[path] += 1
                    site.times.setdefault(path, []).append(time.monotonic())
                    first = site.hits[path] == 1
                if path == getattr(site, "retry_after_first", None) and first:
                    return self._send(429, {"Content-Type": "text/plain", "Retry-After": "1"}, b"slow down")
                status, headers, body, delay = site.routes.get(
                    path, (404, {"Content-Type": "text/html"}, b"not found", 0.0)
                )
                if delay:
                    time.sleep(delay)
                self._send(status, headers, body, sized=path not in site.unsized)

            def _send(self, status, headers, body, sized=True):
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if sized:
                        self.send_header("Content-Length", str(len(body)))
                    else:  # the body ends when the connection closes, as old servers and streams do
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    self.end_headers()
                    for start in range(0, len(body), 1 << 16):
                        self.wfile.write(body[start : start + (1 << 16)])
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


# Small timeouts so faults cost seconds; no throttling on loopback.
FAST = ["--no-throttle", "--timeout", "1", "--retries", "1", "--max-retry-after", "5"]


def cls_data_exe() -> list[str]:
    """The argv prefix that launches `cls-data` (tests.support.cli), for tests that signal the process."""
    from tests.support.cli import cli_command

    return cli_command()


def run_cli(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess:
    """`cls-data crawl ARGS` (tests.support.cli.run_cli); raises with its output when it fails and `check`."""
    from tests.support.cli import run_cli as launch

    proc = launch("crawl", *args, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"cls-data crawl failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
