"""A fast webhook receiver for bench/webhooks.sh: HTTP/1.1 with keep-alive on asyncio, answering
204 at once. For each delivery it notes the arrival time against the event's own `timestamp` (when
its transaction wrote it), and each event id, so repeats are counted. A GET of /stats answers
{"received", "distinct", "latencies_ms": [...]} and a DELETE of /stats starts over.

Usage: webhook_receiver.py PORT
"""

import asyncio
import json
import sys
from datetime import datetime

state = {"received": 0, "ids": set(), "latencies": []}


def event_time(body: bytes) -> float:
    stamp = json.loads(body)["timestamp"]
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived = datetime.now().timestamp()
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split(" ")[:2]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            if method == "POST":
                state["received"] += 1
                state["ids"].add(headers.get("webhook-id"))
                state["latencies"].append((arrived - event_time(body)) * 1000)
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            elif method == "GET":
                answer = json.dumps({"received": state["received"], "distinct": len(state["ids"]),
                                     "latencies_ms": state["latencies"]}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
                             + str(len(answer)).encode() + b"\r\n\r\n" + answer)
            else:
                state.update(received=0, ids=set(), latencies=[])
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionResetError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]), backlog=1024)
    async with server:
        await server.serve_forever()


asyncio.run(main())
