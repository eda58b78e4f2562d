"""Checks of the offline docs in _site/.

Without a browser, on the HTML files: every link between pages stays in the local site (no link to the published
site's address, none to a notebook `.ipynb` rather than its page, none to a page, file or anchor that is not there).
In headless Chromium (Debian: `apt-get install chromium`), on each page as it is shown: it loads and has its title
and heading, every image shows, equations are typeset (no raw `$$`, `\\(`, `\\[` left in the text), no raw '#|'
directive, no character that needs an emoji font. A screenshot of each page goes to _site/_screens/.

Where no Chromium is found the browser part is skipped with a message, unless DOCS_REQUIRE_BROWSER=1 (CI), where
that is a failure."""
import os, re, shutil, subprocess, sys, tempfile
from pathlib import Path
from html import unescape
from urllib.parse import unquote

root = Path(__file__).resolve().parent.parent
site = root/"_site"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--virtual-time-budget=15000"]

def site_url():
    m = re.search(r'site-url:\s*"?([^"\s]+)', (root/"nbs"/"nbdev.yml").read_text())
    return m.group(1).rstrip("/") + "/" if m else None

_ids = {}
def page_ids(page:Path) -> set:
    "The ids (and old-style names) a page's links can point at with #anchor."
    if page not in _ids:
        _ids[page] = set(map(unescape, re.findall(r'\s(?:id|name)="([^"]+)"', page.read_text(encoding="utf-8"))))
    return _ids[page]

def link_problems(page:Path, html:str) -> list:
    """Links of `page` that leave the local site for a page of it, point at a notebook (`.ipynb`: on the site, links
    go to pages), at a local file that is not there, or at an anchor its page does not have."""
    url, bad = site_url(), []
    for href in re.findall(r'<a\s[^>]*?href="([^"]+)"', html):
        href = unescape(href)
        if url and href.startswith(url): bad.append(f"link to the published site: {href}"); continue
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I) or href.startswith("//"): continue    # other sites, mailto:
        path, _, anchor = href.partition("#")
        path = unquote(path.split("?")[0])
        if path.endswith(".ipynb"): bad.append(f"link to a notebook, not its page: {href}"); continue
        target = (page.parent/path).resolve() if path else page.resolve()
        if not target.exists(): bad.append(f"broken link: {href}")
        elif anchor and target.suffix == ".html" and not {anchor, unquote(anchor)} & page_ids(target):
            bad.append(f"no such anchor: {href}")
    return bad

def visible_text(dom:str) -> str:
    "The page's text outside scripts, styles, code and preformatted blocks (where MathJax does not look)."
    dom = re.sub(r"<(script|style|pre|code|textarea)\b.*?</\1>", " ", dom, flags=re.S | re.I)
    return unescape(re.sub(r"<[^>]+>", " ", dom))

RAW_MATH = re.compile(r"\$\$|\\\(|\\\)|\\\[|\\\]|\\begin\{|(?<![\w$])\$[^\s$][^$\n]{0,300}?[^\s$\\]\$(?![\w$])")
EMOJI = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF]")

def browser_problems(chrome, page:Path) -> tuple:
    def run(args):
        with tempfile.TemporaryDirectory() as prof:
            return subprocess.run([chrome, *FLAGS, f"--user-data-dir={prof}", *args], capture_output=True, text=True, timeout=180)
    dom = run(["--dump-dom", page.as_uri()]).stdout
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    h1 = re.search(r'<h1 class="title">(.*?)</h1>', dom, re.S)
    n = re.search(r'data-images="(\d+)"', dom); ok = re.search(r'data-images-ok="(\d+)"', dom)
    text = visible_text(dom)
    problems = []
    if 'data-loaded="yes"' not in dom: problems.append("did not finish loading")
    if not title or not title.group(1).strip(): problems.append("no <title>")
    if not h1 or not h1.group(1).strip(): problems.append("no page heading")
    if not n or not ok or n.group(1) != ok.group(1): problems.append(f"images shown {ok and ok.group(1)}/{n and n.group(1)}")
    if 'type="math/tex' in dom and 'data-math="done"' not in dom: problems.append("MathJax did not finish")
    if 'class="MathJax_Error"' in dom or "Math Processing Error" in text: problems.append("MathJax could not typeset an equation")
    m = RAW_MATH.search(text)
    if m: problems.append(f"raw TeX in the page: {text[max(m.start() - 30, 0):m.end() + 30].strip()!r}")
    if re.search(r"#\|", text): problems.append("raw '#|' directive in the page")
    e = EMOJI.search(text)
    if e: problems.append(f"emoji {e.group()!r} (a box without an emoji font)")
    run([f"--screenshot={site/'_screens'/(page.stem + '.png')}", "--window-size=1280,1600", page.as_uri()])
    return (title.group(1).strip() if title else None), (ok and ok.group(1), n and n.group(1)), problems

def main():
    pages = sorted(site.glob("*.html"))
    if not pages: sys.exit("check_docs: no pages in _site/ (run tools/build_docs.py first)")
    bad = {}
    for p in pages:
        lp = link_problems(p, p.read_text(encoding="utf-8"))
        if lp: bad[p.name] = lp
    chrome = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chrome:
        for name, probs in bad.items(): print(f"{name:22s} {'; '.join(probs[:3])}{' …' if len(probs) > 3 else ''}")
        msg = ("check_docs: no Chromium found, so the browser check (equations typeset, images shown) is skipped. "
               "Install one to run it: Debian/Ubuntu `sudo apt-get install chromium`, macOS `brew install --cask chromium`.")
        print(f"docs link check: {len(pages) - len(bad)} pages ok, {len(bad)} with problems")
        if os.environ.get("DOCS_REQUIRE_BROWSER") == "1": sys.exit(msg.replace("is skipped", "cannot run") + " (DOCS_REQUIRE_BROWSER=1)")
        print(msg)
        sys.exit(1 if bad else 0)
    (site/"_screens").mkdir(exist_ok=True)
    for p in pages:
        title, (ok, n), problems = browser_problems(chrome, p)
        problems = bad.get(p.name, []) + problems
        if problems: bad[p.name] = problems
        shown = "; ".join(problems[:3]) + (" …" if len(problems) > 3 else "")
        print(f"{p.name:22s} title={title!r:42s} images {ok}/{n}  {shown or 'OK'}")
    print(f"docs browser check: {len(pages) - len(bad)} pages ok, {len(bad)} with problems")
    sys.exit(1 if bad else 0)

if __name__ == "__main__": main()
