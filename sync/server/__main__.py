"""`python -m sync.server` runs the administrators' command line."""

from .cli import main

raise SystemExit(main())
