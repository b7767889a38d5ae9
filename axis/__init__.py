"""The reference axis: an ASGI document exchange service with durable storage.

It is a product on its own and imports nothing from the rest of lienthong; the protocol is in
docs/axis.md. Modules, one idea each:

- `app` assembles the FastAPI app and its OpenAPI description; `endpoints` holds the handlers;
  `responses` the JSON/error helpers; `config` the settings (and their trip through the
  environment for uvicorn workers); `server` the command line (`python -m axis serve`).
- `signing` is the request signature (shared with clients), `auth` checks it, `directory` loads
  systems from files and caches their secrets.
- `edxml` reads packages safely; `packages` builds valid ones for clients and tests.
- `store` holds the durable state: `base` (the contract a store implements, and its records),
  `sql` (the statements both stores share, one dialect each), `batching` (group commit on the
  event loop), `sqlite` + `sqlite_commit` (the default store and its commit thread), `postgres`
  + `readers` (the shared store).
- `longpoll` holds inbox requests until something arrives; `metrics` is Prometheus.
- `client` is a small signing client (sync and async) on httpx.
"""
