"""Test extension: every time a subscription is handed to it (at creation and after each restart
of Gofer) it asks for a run for the same event id, and logs the run it was answered with."""
import json, sys

def send(m):
    sys.stdout.write(json.dumps(m) + "\n")
    sys.stdout.flush()

for line in sys.stdin:
    msg = json.loads(line)
    if msg["type"] == "subscribe":
        sid = msg["subscriptionId"]
        send({"type": "subscribed", "subscriptionId": sid})
        send({"type": "startRun", "requestId": "r1", "subscriptionId": sid, "eventId": "the-event", "reason": "the event"})
    elif msg["type"] == "runStarted":
        send({"type": "log", "level": "info", "message": "run started", "fields": {"runId": msg.get("runId")}})
    elif msg["type"] == "shutdown":
        break
