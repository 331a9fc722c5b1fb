#!/usr/bin/python3
"""A paho-mqtt 1.6 client for Pigeon's end-to-end tests.

Usage: client.py HOST PORT pub|sub --topic T [options]. Prints one line per event so the Java test can follow it:
CONNACK, SUBACK, MSG <json>, PUBLISHED, DONE. Exits 0 on success, 2 if the broker refuses, 3 on timeout, 4 if the
connection (or its TLS handshake) fails. --cafile/--cert/--key use paho's tls_set; --transport websockets its
WebSocket transport.
"""
import argparse
import json
import sys
import threading

import paho.mqtt.client as mqtt

PROTOCOLS = {"31": mqtt.MQTTv31, "311": mqtt.MQTTv311, "5": mqtt.MQTTv5}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("mode", choices=["pub", "sub"])
    p.add_argument("--topic", required=True)
    p.add_argument("--id", default="")
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="311")
    p.add_argument("--qos", type=int, default=0)
    p.add_argument("--message", default="")
    p.add_argument("--retain", action="store_true")
    p.add_argument("--no-clean", action="store_true", help="clean_session=False (v5: clean_start=False)")
    p.add_argument("--session-expiry", type=int, default=None, help="v5 Session Expiry Interval")
    p.add_argument("--no-subscribe", action="store_true", help="resume a persistent session without subscribing")
    p.add_argument("--count", type=int, default=1, help="messages to receive; 0 = leave after SUBACK")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--username", default=None)
    p.add_argument("--password", default=None)
    p.add_argument("--cafile", default=None, help="TLS: tls_set(ca_certs=...) and check the server certificate")
    p.add_argument("--cert", default=None, help="TLS: client certificate")
    p.add_argument("--key", default=None, help="TLS: key of the client certificate")
    p.add_argument("--transport", choices=["tcp", "websockets"], default="tcp")
    p.add_argument("--ws-path", default="/mqtt")
    a = p.parse_args()

    v5 = a.protocol == "5"
    done = threading.Event()
    result = {"code": 3}
    received = []

    if v5:
        client = mqtt.Client(a.id, protocol=mqtt.MQTTv5, transport=a.transport)
    else:
        client = mqtt.Client(a.id, clean_session=not a.no_clean, protocol=PROTOCOLS[a.protocol],
                             transport=a.transport)
    if a.transport == "websockets":
        client.ws_set_options(path=a.ws_path)
    if a.cafile:
        client.tls_set(ca_certs=a.cafile, certfile=a.cert, keyfile=a.key)
    if a.username is not None:
        client.username_pw_set(a.username, a.password)

    def finish(code):
        result["code"] = code
        client.disconnect()
        done.set()

    def on_connect(c, userdata, flags, rc, properties=None):
        print("CONNACK rc=%s session_present=%s" % (int(rc.value) if hasattr(rc, "value") else rc,
                                                   flags.get("session present")), flush=True)
        if (rc.value if hasattr(rc, "value") else rc) != 0:
            result["code"] = 2
            done.set()
            return
        if a.mode == "pub":
            info = c.publish(a.topic, a.message, qos=a.qos, retain=a.retain)
            threading.Thread(target=wait_published, args=(info,), daemon=True).start()
        elif a.no_subscribe:
            if a.count == 0:
                finish(0)
        else:
            c.subscribe(a.topic, qos=a.qos)

    def wait_published(info):
        info.wait_for_publish(a.timeout)
        if info.is_published():
            print("PUBLISHED", flush=True)
            finish(0)

    def on_subscribe(c, userdata, mid, granted, properties=None):
        codes = [int(g.value) if hasattr(g, "value") else g for g in granted]
        print("SUBACK %s" % codes, flush=True)
        if a.count == 0:
            finish(0)

    def on_message(c, userdata, msg):
        received.append(msg)
        print("MSG " + json.dumps({"topic": msg.topic, "payload": msg.payload.decode("utf-8", "replace"),
                                   "qos": msg.qos, "retain": bool(msg.retain)}), flush=True)
        if len(received) >= a.count:
            finish(0)

    client.on_connect = on_connect
    client.on_subscribe = on_subscribe
    client.on_message = on_message
    try:
        if v5:
            from paho.mqtt.properties import Properties
            from paho.mqtt.packettypes import PacketTypes
            props = None
            if a.session_expiry is not None:
                props = Properties(PacketTypes.CONNECT)
                props.SessionExpiryInterval = a.session_expiry
            client.connect(a.host, a.port, 30, clean_start=not a.no_clean, properties=props)
        else:
            client.connect(a.host, a.port, 30)
    except OSError as e:  # ssl.SSLError and refused connections
        print("CONNECT FAILED %s" % e, flush=True)
        sys.exit(4)
    client.loop_start()
    done.wait(a.timeout)
    client.loop_stop()
    if not done.is_set():
        print("TIMEOUT after %.1f s with %d messages" % (a.timeout, len(received)), flush=True)
    else:
        print("DONE", flush=True)
    sys.exit(result["code"])


if __name__ == "__main__":
    main()
