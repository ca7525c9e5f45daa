#!/bin/sh
# Example check for the demo: what an auditor's own script would print
# about a payment gateway, one JSON object per line (probes/exec/README.md).
# The values are canned so the demo runs anywhere.
cat <<'JSON'
{"fact": "logs.scanned", "value": true}
{"fact": "logs.pan_count", "value": 1}
{"finding": {"kind": "pan", "severity": "critical", "message": "card number in a log line", "file": "/var/log/gateway/app.log", "line": 812, "column": 31, "excerpt": "auth ok pan=4111111111111111 amt=100.00"}}
{"fact": "admin.protocol", "value": "ssh"}
{"fact": "auth.password_min_length", "value": 8}
{"fact": "auth.idle_timeout_s", "value": 600}
{"fact": "auth.default_accounts", "value": []}
{"fact": "cert.days_left", "value": 212}
{"fact": "batch.retention_days", "value": 1}
JSON
