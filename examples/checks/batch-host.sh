#!/bin/sh
# Example check for the demo: a settlement batch host (canned values).
cat <<'JSON'
{"fact": "logs.scanned", "value": true}
{"fact": "logs.pan_count", "value": 0}
{"fact": "admin.protocol", "value": "telnet"}
{"fact": "auth.password_min_length", "value": 14}
{"fact": "auth.idle_timeout_s", "value": 1800}
{"fact": "auth.default_accounts", "value": ["admin"]}
{"fact": "cert.days_left", "value": 12}
{"fact": "batch.retention_days", "value": 30}
JSON
