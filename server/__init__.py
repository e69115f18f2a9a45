"""The process: the Starlette app, start-up wiring and the `helpdesk` CLI."""
