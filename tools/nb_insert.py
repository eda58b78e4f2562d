"""Insert a markdown cell after the first code cell whose source contains a marker, keeping every output.
Usage: python tools/nb_insert.py NOTEBOOK MARKER MARKDOWN_FILE"""
import sys, nbformat
path, marker, md = sys.argv[1], sys.argv[2], open(sys.argv[3]).read().strip()
nb = nbformat.read(path, as_version=4)
for i, c in enumerate(nb.cells):
    if c.cell_type == "code" and marker in c.source:
        if i + 1 < len(nb.cells) and nb.cells[i + 1].cell_type == "markdown" and nb.cells[i + 1].source.startswith(md[:40]): sys.exit(0)
        nb.cells.insert(i + 1, nbformat.v4.new_markdown_cell(md)); break
else: sys.exit(f"marker not found: {marker!r}")
nbformat.write(nb, path)
