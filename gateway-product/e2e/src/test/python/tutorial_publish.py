#!/usr/bin/python3
"""The classic Raspberry Pi tutorial publisher (paho-mqtt 1.x), with the broker's address from the command line."""
import sys

import paho.mqtt.client as mqtt

host, port = sys.argv[1], int(sys.argv[2])
message = sys.argv[3] if len(sys.argv) > 3 else "Hello from test1"

client = mqtt.Client("test1")
client.connect(host, port, 60)
client.publish("mqtt_test", message)
client.disconnect()
print("sent", flush=True)
