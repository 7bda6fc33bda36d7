"""Test extension: in its first life it asks for a run (event "boot"), writes garbage and crashes
before reading the answer; in its second life it asks for the same event again (which must not
start a second run) and for a new one, then keeps serving."""
import json, os, sys

marker = os.path.join(os.environ["GOFER_EXTENSION_DATA_DIR"], "started-once")
first_life = not os.path.exists(marker)
open(marker, "a").close()

def send(m):
    sys.stdout.write(json.dumps(m) + "\n")
    sys.stdout.flush()

for line in sys.stdin:
    msg = json.loads(line)
    if msg["type"] == "subscribe":
        sid = msg["subscriptionId"]
        send({"type": "subscribed", "subscriptionId": sid})
        send({"type": "startRun", "requestId": "r1", "subscriptionId": sid, "eventId": "boot", "reason": "boot", "variables": {"LIFE": "1" if first_life else "2"}})
        if first_life:
            print("this line is not JSON", flush=True)
            print('{"type": "teleport"}', flush=True)
            os._exit(3)
        send({"type": "startRun", "requestId": "r2", "subscriptionId": sid, "eventId": "after-restart", "reason": "after restart", "variables": {"LIFE": "2"}})
    elif msg["type"] == "runStarted":
        send({"type": "log", "level": "info", "message": "run started", "fields": {"requestId": msg.get("requestId"), "runId": msg.get("runId")}})
    elif msg["type"] == "shutdown":
        break
