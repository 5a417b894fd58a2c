"""The operator's console: server-rendered pages and the admin API over one deployment.

Shipped with the console function only (never in the shared layer); the local stack
serves the same function on 127.0.0.1 (`courteous console`). Pages and the admin API
call the domain rooms (`courteous.audit`, `courteous.shops`, the gate's store) the
handlers call.
"""
