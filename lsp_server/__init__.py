"""fillin's LSP layer and command line: the only package that knows pygls, lsprotocol and
LSP's JSON shapes. Handlers snapshot the document, call the engine in `context/`, and
convert its result.
"""
