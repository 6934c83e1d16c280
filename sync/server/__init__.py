"""The back-office approval server.

Entry points: `app.create_app(db_url, blob_dir)` (FastAPI), `runner.serve` /
`runner.start_in_thread`, `admin` (organisation, users, enrolment codes,
decisions, devices), `demo.ensure_demo`, `config` (default locations) and the
`onewindow-server` command line in `cli`. Kept import-light on purpose so that
`sync.server.config` costs nothing to the desktop program.
"""
