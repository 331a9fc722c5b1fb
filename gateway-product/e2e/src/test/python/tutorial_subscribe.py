#!/usr/bin/python3
"""The classic Raspberry Pi tutorial subscriber (paho-mqtt 1.x): prints what arrives on mqtt_test.

Leaves after the first message, or after 15 s so a broken broker cannot hang the test.
"""
import os
import sys
import threading

import paho.mqtt.client as mqtt

host, port = sys.argv[1], int(sys.argv[2])


def on_connect(client, userdata, flags, rc):
    print("Connected with result code " + str(rc), flush=True)
    client.subscribe("mqtt_test")


def on_subscribe(client, userdata, mid, granted_qos):
    print("Subscribed", flush=True)


def on_message(client, userdata, msg):
    print(msg.topic + " " + msg.payload.decode(), flush=True)
    client.disconnect()


threading.Timer(15, lambda: os._exit(3)).start()
client = mqtt.Client()
client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.connect(host, port, 60)
client.loop_forever()
os._exit(0)
