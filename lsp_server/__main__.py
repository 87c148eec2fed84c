"""`python -m lsp_server` runs the `fillin` command line."""

from lsp_server.cli import main

raise SystemExit(main())
