"""Test extension: reads everything and never answers; exits on shutdown."""
import json, sys

for line in sys.stdin:
    if json.loads(line).get("type") == "shutdown":
        break
