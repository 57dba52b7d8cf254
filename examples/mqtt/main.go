// Command mqtt is an MQTT client built for GOOS=wasip1 with Eclipse Paho
// (github.com/eclipse/paho.mqtt.golang). It connects to a broker through
// dispatchrun/net (the WasmEdge socket calls dialtone provides), subscribes
// to a topic filter, publishes one message at each QoS (0, 1 and 2) under
// it, waits for each to come back from the broker, then stays connected
// and idle for a while, so that keep-alive pings (PINGREQ/PINGRESP) flow,
// and disconnects.
//
//	GOOS=wasip1 GOARCH=wasm go build -o mqtt.wasm .
//	npx dialtone run --allow-net=127.0.0.1:1883 mqtt.wasm tcp://127.0.0.1:1883
//
// It prints one line per step and exits 1 on the first failure.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/stealthrocket/net/wasip1"
)

// timeout bounds every step that waits on the broker.
const timeout = 10 * time.Second

func main() {
	clientID := flag.String("client-id", "dialtone-example", "MQTT client identifier")
	prefix := flag.String("topic", "dialtone/example", "topic prefix: the client subscribes to PREFIX/# and publishes to PREFIX/qosN")
	keepAlive := flag.Duration("keepalive", time.Second, "MQTT keep-alive interval (whole seconds; short here so that pings are seen)")
	idle := flag.Duration("idle", 3*time.Second, "how long to stay connected and idle before disconnecting")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: mqtt.wasm [flags] tcp://HOST:PORT")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	broker := flag.Arg(0)

	// The connection-lost handler runs on Paho's goroutines; main reads it at the end.
	lost := make(chan error, 1)
	opts := mqtt.NewClientOptions().
		AddBroker(broker).
		SetClientID(*clientID).
		SetCleanSession(true).
		SetKeepAlive(*keepAlive).
		// A PINGRESP later than this ends the connection, so staying
		// connected through the idle time shows that the broker answered.
		SetPingTimeout(*keepAlive).
		SetConnectTimeout(timeout).
		SetAutoReconnect(false).
		// Paho dials with the standard library's net.Dialer, which has no
		// sockets on wasip1; this is the one line that changes that.
		SetCustomOpenConnectionFn(func(uri *url.URL, o mqtt.ClientOptions) (net.Conn, error) {
			if uri.Scheme != "tcp" && uri.Scheme != "mqtt" {
				return nil, fmt.Errorf("scheme %q: this example speaks plain TCP (tcp://HOST:PORT)", uri.Scheme)
			}
			d := wasip1.Dialer{Timeout: o.ConnectTimeout}
			return d.Dial("tcp", uri.Host)
		}).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) {
			select {
			case lost <- err:
			default:
			}
		})
	client := mqtt.NewClient(opts)
	wait("connect", client.Connect())
	fmt.Printf("connected to %s as %s\n", broker, *clientID)

	received := make(chan mqtt.Message, 3)
	filter := *prefix + "/#"
	wait("subscribe", client.Subscribe(filter, 2, func(_ mqtt.Client, m mqtt.Message) { received <- m }))
	fmt.Printf("subscribed to %s at QoS 2\n", filter)

	for qos := byte(0); qos <= 2; qos++ {
		topic := fmt.Sprintf("%s/qos%d", *prefix, qos)
		payload := fmt.Sprintf("hello at QoS %d", qos)
		// The token completes when the broker has acknowledged the message
		// as its QoS requires (at once for 0, PUBACK for 1, PUBCOMP for 2).
		wait("publish", client.Publish(topic, qos, false, payload))
		fmt.Printf("published %q to %s at QoS %d\n", payload, topic, qos)
		select {
		case m := <-received:
			fmt.Printf("received %q on %s at QoS %d\n", m.Payload(), m.Topic(), m.Qos())
		case err := <-lost:
			fail("connection", err)
		case <-time.After(timeout):
			fail("receive", fmt.Errorf("message on %s did not come back within %s", topic, timeout))
		}
	}

	fmt.Printf("idle for %s with keep-alive %s\n", *idle, *keepAlive)
	select {
	case err := <-lost:
		fail("keep-alive", err)
	case <-time.After(*idle):
	}
	if !client.IsConnectionOpen() {
		fail("keep-alive", fmt.Errorf("connection closed while idle"))
	}
	fmt.Println("still connected")

	wait("unsubscribe", client.Unsubscribe(filter))
	client.Disconnect(250)
	fmt.Println("disconnected")
}

// wait waits (bounded) for a Paho token and exits on its error.
func wait(what string, t mqtt.Token) {
	if !t.WaitTimeout(timeout) {
		fail(what, fmt.Errorf("no answer within %s", timeout))
	}
	if err := t.Error(); err != nil {
		fail(what, err)
	}
}

func fail(what string, err error) {
	fmt.Fprintf(os.Stderr, "%s: %v\n", what, err)
	os.Exit(1)
}
