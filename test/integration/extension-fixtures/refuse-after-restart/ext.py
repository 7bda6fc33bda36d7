"""Test extension: accepts a subscription and crashes; after the restart it refuses the same
subscription when Gofer sends it again."""
import json, os, sys

marker = os.path.join(os.environ["GOFER_EXTENSION_DATA_DIR"], "started-once")
first_life = not os.path.exists(marker)
open(marker, "a").close()

for line in sys.stdin:
    msg = json.loads(line)
    if msg["type"] == "subscribe":
        sid = msg["subscriptionId"]
        if first_life:
            sys.stdout.write(json.dumps({"type": "subscribed", "subscriptionId": sid}) + "\n")
            sys.stdout.flush()
            os._exit(5)
        sys.stdout.write(json.dumps({"type": "subscribeFailed", "subscriptionId": sid, "reason": "quota exhausted after restart"}) + "\n")
        sys.stdout.flush()
    elif msg["type"] == "shutdown":
        break
