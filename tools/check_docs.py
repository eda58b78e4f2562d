"""Browser check of the offline docs in headless Chromium: every page loads, has its title, shows all its images,
and shows no raw '#|' directive. Also saves a screenshot of each page to _site/_screens/."""
import re, shutil, subprocess, sys, tempfile
from pathlib import Path
from html import unescape

root = Path(__file__).resolve().parent.parent
site = root/"_site"
chrome = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
if not chrome: sys.exit("check_docs: no Chromium found (Debian: apt-get install chromium)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--virtual-time-budget=8000"]

def run(args):
    with tempfile.TemporaryDirectory() as prof:
        return subprocess.run([chrome, *FLAGS, f"--user-data-dir={prof}", *args], capture_output=True, text=True, timeout=120)

pages = sorted(site.glob("*.html"))
if not pages: sys.exit("check_docs: no pages in _site/")
(site/"_screens").mkdir(exist_ok=True)
bad = []
for p in pages:
    dom = run(["--dump-dom", p.as_uri()]).stdout
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    h1 = re.search(r'<h1 class="title">(.*?)</h1>', dom, re.S)
    n = re.search(r'data-images="(\d+)"', dom); ok = re.search(r'data-images-ok="(\d+)"', dom)
    text = unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", dom, flags=re.S)))
    problems = []
    if 'data-loaded="yes"' not in dom: problems.append("did not finish loading")
    if not title or not title.group(1).strip(): problems.append("no <title>")
    if not h1 or not h1.group(1).strip(): problems.append("no page heading")
    if not n or not ok or n.group(1) != ok.group(1): problems.append(f"images shown {ok and ok.group(1)}/{n and n.group(1)}")
    if re.search(r"#\|", text): problems.append("raw '#|' directive in the page")
    run([f"--screenshot={site/'_screens'/(p.stem + '.png')}", "--window-size=1280,1600", p.as_uri()])
    print(f"{p.name:22s} title={title.group(1).strip() if title else None!r:40s} images {ok and ok.group(1)}/{n and n.group(1)}  {'OK' if not problems else '; '.join(problems)}")
    if problems: bad.append(p.name)
print(f"docs browser check: {len(pages) - len(bad)} pages ok, {len(bad)} with problems")
sys.exit(1 if bad else 0)
