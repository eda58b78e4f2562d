"""Offline docs build: nbdev's processed notebooks (`nbdev_proc_nbs`, what `nbdev_docs` hands to quarto) rendered to
HTML with nbconvert, one page per notebook, with a sidebar in the notebooks' numbered order. Output: _site/, which
works from the disk with no network: equations are typeset by the MathJax that the `jupyter-server-mathjax` package
ships (a dev extra), copied to _site/_static/mathjax; links between pages are relative.
Also writes README.md from nbs/index.ipynb (what `nbdev_readme` does with quarto), its links pointing at the notebooks.

On the pages: links between notebooks (`07_mask.ipynb#anchor`, `nbs/07_mask.ipynb`, nbdev's links to the published
site) become links between pages; show_doc's signatures are plain code (no markdown links in them, `mask=None` rather
than `mask:NoneType=None`), and its "source" links point at the module's file in this repository, relative to _site/
(settings.ini's git_url names a repository that is not published). nbs/styles.css is the pages' style sheet too.

Where quarto is installed, `nbdev_docs` builds the full site instead; this build needs no quarto."""
import html, json, os, re, shutil, sys
from pathlib import Path
from urllib.parse import unquote
import nbformat
from nbconvert import HTMLExporter, MarkdownExporter

root = Path(__file__).resolve().parent.parent
nbs, proc, site = root/"nbs", root/"_proc", root/"_site"

NUMBERED = r"\d+[a-z]?_\w+"       # a lesson notebook's stem: 07_mask, 04a_examples

def page_name(nb): return "index" if nb.stem == "index" else re.sub(r"^\d+[a-z]?_", "", nb.stem)

def plain(title):
    "A title without markdown: `code` and *emphasis* markers dropped (the sidebar and the <title> show text)."
    return re.sub(r"[`*]", "", title).strip()

def site_url():
    "The published site's address, from nbs/nbdev.yml (nbdev's doc links point there)."
    m = re.search(r'site-url:\s*"?([^"\s]+)', (nbs/"nbdev.yml").read_text())
    return m.group(1).rstrip("/") + "/" if m else None

def page_ids(body):
    "The ids in a page that a link's #anchor can point at."
    return set(map(html.unescape, re.findall(r'\s(?:id|name)="([^"]+)"', body)))

def local_links(body, pages, here=None):
    """Links to pages of this site made relative: nbdev's doc links (the published site's address) and links to the
    notebooks (`07_mask.ipynb`, `nbs/07_mask.ipynb`, `../nbs/07_mask.ipynb#anchor`), where the page is in this build;
    the rest are left as they are. `pages` maps each page's file name to its ids: an anchor that differs from an id
    only in case (nbdev's `#countcalls` for the heading `CountCalls`) takes the id's spelling, and a doc link to a
    symbol with no heading of its own on its page (a private helper) goes to the page."""
    url = site_url()
    def fix(m):
        href = m.group(2)
        path, _, anchor = href.partition("#")
        doc = bool(url and path.startswith(url))
        if doc: path = path[len(url):] or "index.html"
        nb = re.fullmatch(r"(?:\./|\.\./|nbs/)*([\w.-]+)\.ipynb", path)   # 07_mask.ipynb, nbs/…, ../nbs/…, ./…
        if nb: path = page_name(Path(nb.group(1))) + ".html"
        if path not in pages and not (path == "" and here in pages): return m.group(0)
        ids = pages[path or here]
        if anchor and anchor not in ids and unquote(anchor) not in ids:
            same = [i for i in ids if i.lower() == unquote(anchor).lower()]
            if same: anchor = html.escape(same[0])
            elif doc: anchor = ""
        return f"{m.group(1)}{path}{'#' + anchor if anchor else ''}{m.group(3)}"
    return re.sub(r'(<a\s[^>]*?href=")([^"]+)(")', fix, body)

# MathJax 2 with no automatic line breaks: they broke inline equations inside table cells (the paper page's symbols)
# into several lines; nbs/styles.css keeps equations unwrapped and lets one too wide for the page scroll
MATHJAX_CONFIG = r"""<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  TeX: {equationNumbers: {autoNumber: "AMS", useLabelIds: true}},
  tex2jax: {inlineMath: [["$", "$"], ["\\(", "\\)"]], displayMath: [["$$", "$$"], ["\\[", "\\]"]],
            processEscapes: true, processEnvironments: true},
  "HTML-CSS": {availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null, linebreaks: {automatic: false}},
  messageStyle: "none", showMathMenu: false
});
MathJax.Hub.Queue(function () { document.body.setAttribute("data-math", "done"); });
</script>
<script src="_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"></script>"""

def mathjax_dir():
    "MathJax 2's files as the `jupyter-server-mathjax` package ships them (installed with the dev extras)."
    try: import jupyter_server_mathjax
    except ImportError: sys.exit("build_docs: MathJax not found: install the dev extras (pip install -e \".[dev]\"), "
                                 "or just `pip install jupyter-server-mathjax`; equations are typeset offline with it")
    return Path(jupyter_server_mathjax.__file__).parent/"static"

def local_mathjax(body):
    "nbconvert's MathJax from a CDN replaced by the copy in _static/mathjax."
    body, n = re.subn(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", lambda m: MATHJAX_CONFIG, body, count=1, flags=re.S)
    if not n: sys.exit("build_docs: nbconvert's MathJax block not found in a page: the template changed")
    return body

def front_matter(nb):
    "Title and description from the raw front-matter cell nbdev writes, which is then removed."
    import yaml
    for c in list(nb.cells):
        if c.cell_type == "raw" and c.source.startswith("---"):
            fm = yaml.safe_load(c.source.strip().strip("-")) or {}
            nb.cells.remove(c)
            return str(fm.get("title", "")), str(fm.get("description", ""))
    return "", ""

def git_blob_url():
    "Where nbdev's show_doc points its 'source' links: settings.ini's git_url, /blob/, the branch."
    import configparser
    cfg = configparser.ConfigParser(); cfg.read(root/"settings.ini")
    d = cfg["DEFAULT"]
    return f"{d.get('git_url', '').rstrip('/')}/blob/{d.get('branch', 'main')}/" if d.get("git_url") else None

def plain_signature(code):
    "A show_doc signature as plain code: markdown links (nbdev's, in docments comments) back to `name`, no NoneType."
    code = re.sub(r"\[(`[^`\]]+`)\]\([^)\s]+\)", r"\1", code)
    code = re.sub(r"\s*:\s*NoneType\s*=\s*None\b", "=None", code)      # mask:NoneType=None -> mask=None
    return re.sub(r"->\s*NoneType\b", "->None", code)

def show_doc_markdown(md):
    """show_doc's markdown for this site: quarto-only link attributes dropped, signatures as plain code, the 'source'
    link pointing at the module's file in this repository (relative to _site/), or dropped where there is no file."""
    md = re.sub(r"\{target=\"_blank\"[^}]*\}", "", md)
    md = re.sub(r"(```python\n)(.*?)(```)", lambda m: m.group(1) + plain_signature(m.group(2)) + m.group(3), md, flags=re.S)
    blob = git_blob_url()
    def source(m):
        url = m.group(1)
        if not blob or not url.startswith(blob): return m.group(0)
        path, _, line = url[len(blob):].partition("#L")
        if not (root/path).is_file(): return ""
        where = f"{path}, line {line}" if line.isdigit() else path
        return f'[source]({Path(os.path.relpath(root/path, site)).as_posix()} "{where}")'
    return re.sub(r"\[source\]\(([^)\s]+)\)", source, md)

def apply_directives(nb):
    "Quarto's cell options, as quarto would apply them: echo/output/include false, and no '#|' line left in any source."
    keep = []
    for c in nb.cells:
        if c.cell_type == "markdown": c.source = c.source.replace("🤗", "Hugging Face")   # no emoji font needed
        if c.cell_type == "code":
            lines = c.source.splitlines()
            opts = [l for l in lines if l.lstrip().startswith("#|")]
            c.source = "\n".join(l for l in lines if not l.lstrip().startswith("#|")).strip("\n")
            o = " ".join(opts)
            if re.search(r"include:\s*false", o): continue
            if re.search(r"output:\s*false", o): c.outputs = []
            if re.search(r"echo:\s*false", o): c.metadata.setdefault("tags", []).append("remove_input")
            for x in c.outputs:                                  # show_doc's markdown (see show_doc_markdown)
                md = x.get("data", {}).get("text/markdown")
                if md: x["data"]["text/markdown"] = show_doc_markdown("".join(md))
            # stderr chatter (progress bars, warnings) is not part of the page
            c.outputs = [x for x in c.outputs if not (x.get("output_type") == "stream" and x.get("name") == "stderr")]
            if not c.source and not c.outputs: continue
        keep.append(c)
    nb.cells = keep
    return nb

CSS = """
body { margin: 0; font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; }
#de-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 220px; overflow-y: auto; background: #f6f7f9; border-right: 1px solid #ddd; padding: 16px 12px; box-sizing: border-box; font-size: 14px; }
#de-nav a { display: block; padding: 4px 6px; color: #234; text-decoration: none; border-radius: 4px; }
#de-nav a.active { background: #dde6f3; font-weight: 600; }
#de-nav .brand { font-size: 18px; font-weight: 700; margin-bottom: 10px; }
#de-main { margin-left: 240px; max-width: 980px; padding: 8px 24px 48px; }
#de-main h1.title { margin-bottom: 0.2em; }
#de-main div.description { font-style: italic; font-size: 125%; opacity: 0.75; margin-bottom: 1.2em; }
.jp-InputArea.echo-false { display: none; }
"""

CHECK_JS = """
<script>
window.addEventListener('load', function () {
  var imgs = Array.from(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images', imgs.length);
  document.body.setAttribute('data-images-ok', ok);
  document.body.setAttribute('data-loaded', 'yes');
});
</script>
"""

# the notebooks' own numbers are the reading order
ORDER = ["index"] + sorted(p.stem for p in nbs.glob("[0-9]*_*.ipynb") if re.fullmatch(NUMBERED, p.stem))

def write_sidebar():
    "nbs/sidebar.yml in ORDER (nbdev_proc_nbs rewrites it in file-name order)."
    (nbs/"sidebar.yml").write_text("website:\n  sidebar:\n    contents:\n" + "".join(f"      - {o}.ipynb\n" for o in ORDER))

def run_only_imports_of_mixed_cells():
    """nbdev executes every cell that holds an import while it processes a notebook for its docs, in a kernel where the
    notebook's earlier variables do not exist: a cell that mixes `from … import …` with code using `pipe` fails there
    (and its saved outputs would be replaced). Here such a cell runs only its imports and keeps its saved outputs."""
    import ast
    import nbdev.processors as P
    orig = P.exec_show_docs.__call__
    def mixed_imports(cell):
        if cell.cell_type != "code" or P.cell_lang(cell) != "python" or not cell.source: return None
        if cell.directives_.keys() & {"export", "exports", "exporti", "exec_doc"} or cell.directives_.get("eval:", [""])[0].lower() == "false": return None
        trees = cell.parsed_()
        if not trees or P._show_docs(trees): return None
        imps = [t for t in trees if isinstance(t, (ast.Import, ast.ImportFrom))]
        return imps if imps and len(imps) < len(trees) else None
    def call(self, cell):
        imps = mixed_imports(cell) if hasattr(self, "k") and self.nb.has_docs_ else None
        if imps is None: return orig(self, cell)
        self.k.run_cell("\n".join(ast.unparse(t) for t in imps))
        if self.k.exc: raise Exception(f"Error in the imports of cell {cell.idx_}:\n{cell.source}") from self.k.exc
    P.exec_show_docs.__call__ = call

def main():
    from fastcore.xtras import working_directory
    from nbdev.serve import proc_nbs      # what `nbdev_proc_nbs` runs, without its attempt to install quarto (sudo) and pip-reinstall
    run_only_imports_of_mixed_cells()
    with working_directory(root): proc_nbs(force=True, n_workers=0)   # in this process (nbdev's workers are spawned: no patch)
    write_sidebar()
    order = [o + ".ipynb" for o in ORDER]
    pages = [proc/o for o in order if (proc/o).exists()]
    pages += sorted(p for p in proc.glob("*.ipynb") if p not in pages)
    if site.exists(): shutil.rmtree(site)
    site.mkdir()
    from nbconvert.preprocessors import TagRemovePreprocessor
    exp = HTMLExporter(template_name="lab")
    exp.exclude_input_prompt = exp.exclude_output_prompt = True
    exp.register_preprocessor(TagRemovePreprocessor(remove_input_tags={"remove_input"}), enabled=True)
    meta = []
    for p in pages:
        nb = nbformat.read(p, as_version=4)
        title, desc = front_matter(nb)
        meta.append((p, page_name(p), plain(title) or page_name(p), desc, nb))
    shutil.copytree(mathjax_dir(), site/"_static"/"mathjax")
    styles = ""                     # the site's own style sheet (quarto's css: styles.css), after the build's CSS
    if (nbs/"styles.css").exists():
        shutil.copy(nbs/"styles.css", site/"_static"/"styles.css")
        styles = '<link rel="stylesheet" href="_static/styles.css">'
    bodies = {}                     # every page first, so that links can be checked against the ids of the others
    for p, name, title, desc, nb in meta:
        apply_directives(nb)
        bodies[name] = local_mathjax(exp.from_notebook_node(nb, resources={"metadata": {"name": title}})[0])
    ids = {f"{name}.html": page_ids(body) for name, body in bodies.items()}
    for p, name, title, desc, nb in meta:
        body = local_links(bodies[name], ids, here=f"{name}.html")
        nav = "".join(f'<a href="{n}.html"{" class=active" if n == name else ""}>{html.escape(t)}</a>' for _, n, t, _, _ in meta)
        head = f'<h1 class="title">{html.escape(title)}</h1>' + (f'<div class="description">{html.escape(desc)}</div>' if desc else "")
        body = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)} – diffedit</title>", body, count=1, flags=re.S)
        body = body.replace("</head>", f"<style>{CSS}</style>{styles}{CHECK_JS}</head>", 1)
        body = re.sub(r"(<body[^>]*>)", r'\1<nav id="de-nav"><div class="brand">diffedit</div>' + nav.replace("\\", "\\\\") + '</nav><div id="de-main">' + head.replace("\\", "\\\\"), body, count=1)
        body = body.replace("</body>", "</div></body>", 1)
        (site/f"{name}.html").write_text(body, encoding="utf-8")
    # README.md from the index notebook: its links to pages of the site point at the notebooks, which work on the
    # repository's page (nbdev's doc links would point at the published site: one kind of link throughout)
    stems = {page_name(p): p.stem for p in nbs.glob("*.ipynb") if re.fullmatch(NUMBERED, p.stem)}
    url = site_url()
    def to_notebook(m, keep_anchor=True):
        page, anchor = m.group(1), (m.group(2) or "") if keep_anchor else ""
        return f"](nbs/{stems[page]}.ipynb{anchor})" if page in stems else m.group(0)
    for p, name, title, desc, nb in meta:
        if name != "index": continue
        md, res = MarkdownExporter().from_notebook_node(nb)
        md = re.sub(r"\]\((?:\./|\.\./|nbs/)*(" + NUMBERED + r")\.ipynb(#[^)\s]*)?\)", lambda m: f"](nbs/{m.group(1)}.ipynb{m.group(2) or ''})", md)
        md = re.sub(r"\]\((?:\./)?(\w+)\.html(#[^)\s]*)?\)", to_notebook, md)     # a page of the site, by its name
        if url:                  # nbdev's doc links: to the notebook (the symbol's heading is show_doc's, on the site only)
            md = re.sub(r"\]\(" + re.escape(url) + r"(\w+)\.html(#[^)\s]*)?\)", lambda m: to_notebook(m, False), md)
        assets = root/"readme_files"
        if assets.exists(): shutil.rmtree(assets)
        for fn, data in res.get("outputs", {}).items():
            assets.mkdir(exist_ok=True); (assets/fn).write_bytes(data)
            md = md.replace(f"]({fn})", f"](readme_files/{fn})")
        (root/"README.md").write_text(f"# {title}\n\n> {desc}\n\n" + md.strip() + "\n", encoding="utf-8")
    print(f"built {len(meta)} pages in {site.relative_to(root)}/")

if __name__ == "__main__": main()
