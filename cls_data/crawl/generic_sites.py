"""Which sites of a crawl the generic spider takes: sites.toml's, `--site URL`s, and the hosts of
`--urls` that no site spider knows. Each becomes a spider class the runner crawls like the others."""

from __future__ import annotations

from urllib.parse import urlsplit

from cls_data.crawl.config import CrawlConfig
from cls_data.crawl.generic_spider import SiteDef, spider_for
from cls_data.crawl.urls import UrlLine
from cls_data.errors import ClsDataError


def is_site_url(value: str) -> bool:
    return urlsplit(value).scheme in ("http", "https")


def generic_spiders(config: CrawlConfig, known: dict[str, type], url_lines: list[UrlLine]) -> dict[str, type]:
    """Spider classes of the generic sites; `config.sites` names them afterwards (a `--site URL`
    is replaced by the site's name, its host)."""
    sites: list[SiteDef] = []
    if config.sites_file:
        from cls_data.crawl.sites_file import load_sites

        sites += load_sites(config.sites_file, set(known))
        config.sites += [s.name for s in sites if s.name not in config.sites]
    names = []
    for entry in config.sites:
        if not is_site_url(entry):
            names.append(entry)
            continue
        if not config.lang:
            raise ClsDataError(
                f"--site {entry}: a site with no spider needs its language: add --lang LANG (such as de)"
            )
        site = _host_site(entry, config.lang, f"--site {entry}", start=(entry,))
        if site.name not in names:
            sites.append(site)
            names.append(site.name)
    config.sites = names
    if url_lines and not config.sites:  # --urls alone: hosts no site spider knows are generic sites
        for line in url_lines:
            site = _host_site(line.url, config.lang, line.where)
            if not any(_host(cls.base_url) == _host(line.url) for cls in known.values()) and all(
                s.name != site.name for s in sites
            ):
                sites.append(site)
    return {site.name: spider_for(site) for site in sites}


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def _host_site(url: str, lang: str | None, where: str, start: tuple[str, ...] = ()) -> SiteDef:
    parts = urlsplit(url)
    if not parts.hostname:
        raise ClsDataError(f"{where}: not an absolute http(s) URL")
    return SiteDef(
        name=_host(url) + (f":{parts.port}" if parts.port else ""),
        base_url=f"{parts.scheme}://{parts.netloc}",
        lang=lang,
        start=start,
        source=where,
    )
