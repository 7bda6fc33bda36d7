#!/usr/bin/env python3
"""An out-of-process Gofer extension: starts a run of each subscribed pipeline every N seconds.

It speaks Gofer's stdio protocol: one JSON object per line on stdin (from Gofer) and stdout
(to Gofer). Logs go through {"type":"log"} messages; anything on stderr is logged by Gofer too.
Standard library only.
"""
import json
import os
import sys
import threading
import time
import uuid

SETTINGS = json.loads(os.environ.get("GOFER_EXTENSION_SETTINGS", "{}"))
MINIMUM_SECONDS = int(SETTINGS.get("minimumSeconds", 1))

_out = threading.Lock()
_tickers = {}  # subscriptionId -> threading.Event that stops its thread


def send(message):
    """Writes one protocol line; threads share stdout, so one line at a time."""
    with _out:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def log(level, message, **fields):
    send({"type": "log", "level": level, "message": message, "fields": fields})


def tick(subscription_id, every, message, stop):
    while not stop.wait(every - (time.time() % every)):
        # The event id names the time slot: if this process crashes and comes back within the
        # same slot, Gofer returns the run it already started instead of starting another.
        slot = int(time.time() // every)
        send({
            "type": "startRun",
            "requestId": str(uuid.uuid4()),
            "subscriptionId": subscription_id,
            "eventId": f"{subscription_id}:{slot}",
            "reason": f"python ticker: {every} s elapsed",
            "variables": {"TICKER_MESSAGE": message, "TICKER_SLOT": str(slot)},
        })


def subscribe(msg):
    sub_id = msg["subscriptionId"]
    settings = msg.get("settings", {})
    try:
        every = int(settings.get("every_seconds", ""))
    except ValueError:
        every = 0
    if every < MINIMUM_SECONDS:
        send({"type": "subscribeFailed", "subscriptionId": sub_id,
              "reason": f"every_seconds must be a whole number >= {MINIMUM_SECONDS}"})
        return
    unsubscribe(sub_id)
    stop = threading.Event()
    _tickers[sub_id] = stop
    threading.Thread(target=tick, args=(sub_id, every, settings.get("message", ""), stop), daemon=True).start()
    send({"type": "subscribed", "subscriptionId": sub_id})
    log("info", "ticking", subscriptionId=sub_id, every=every)


def unsubscribe(sub_id):
    stop = _tickers.pop(sub_id, None)
    if stop:
        stop.set()


def main():
    for line in sys.stdin:
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        kind = msg.get("type")
        if kind == "subscribe":
            subscribe(msg)
        elif kind == "unsubscribe":
            unsubscribe(msg["subscriptionId"])
        elif kind == "shutdown":
            break
        elif kind == "error":
            log("warn", "gofer could not start a run", code=msg.get("code"), error=msg.get("message"))
        # "runStarted" needs no action here.
    for stop in _tickers.values():
        stop.set()


if __name__ == "__main__":
    main()
