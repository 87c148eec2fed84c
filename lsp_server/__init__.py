"""fillin's LSP layer and command line: the only package that knows pygls, lsprotocol and
LSP's JSON shapes. Handlers snapshot the document, call the engine in `context/`, and
convert its result.

Importing this package first takes the current directory off `sys.path` (see
`lsp_server.isolation`): an editor starts the server inside the user's repository, whose
own `context/`, `csv.py` or `wave.py` must never be imported in place of fillin's or the
standard library's.
"""

from lsp_server.isolation import isolate_sys_path

isolate_sys_path()
