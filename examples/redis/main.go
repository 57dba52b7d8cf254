// Command redis is the gallery's Redis example: go-redis
// (github.com/redis/go-redis/v9), the Redis client most Go programs use,
// built for GOOS=wasip1 and talking to a real server through
// dispatchrun/net (github.com/stealthrocket/net), whose DialContext opens
// the socket with the WasmEdge socket calls that dialtone provides. The
// only wasip1-specific line is the Options.Dialer below; everything else
// is ordinary go-redis.
//
// Build it and run it under dialtone (README.md has the server's set-up):
//
//	GOOS=wasip1 GOARCH=wasm go build -o redis.wasm .
//	npx dialtone run --allow-net=127.0.0.1:6379 redis.wasm redis://127.0.0.1:6379/0
//
// It runs SET and GET, a pipeline, and publish/subscribe between two
// connections, printing one line per result, then deletes its keys and
// prints "done". Any error goes to stderr and the exit code is 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stealthrocket/net/wasip1"
)

// The example's keys and channel, prefixed so as not to meet anyone else's.
const (
	greetingKey = "dialtone-example:greeting"
	visitsKey   = "dialtone-example:visits"
	channel     = "dialtone-example:news"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: redis redis://[:PASSWORD@]HOST:PORT[/DB]")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "redis:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}

func run(ctx context.Context, url string) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	// GOOS=wasip1's standard library has no sockets: dial through dispatchrun/net.
	opts.Dialer = wasip1.DialContext
	rdb := redis.NewClient(opts)
	defer rdb.Close()

	pong, err := rdb.Ping(ctx).Result()
	if err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	fmt.Println("PING", pong)

	status, err := rdb.Set(ctx, greetingKey, "hello from wasip1", time.Minute).Result()
	if err != nil {
		return fmt.Errorf("SET: %w", err)
	}
	fmt.Println("SET", greetingKey, status)
	greeting, err := rdb.Get(ctx, greetingKey).Result()
	if err != nil {
		return fmt.Errorf("GET: %w", err)
	}
	fmt.Printf("GET %s %q\n", greetingKey, greeting)
	if _, err := rdb.Get(ctx, "dialtone-example:missing").Result(); !errors.Is(err, redis.Nil) {
		return fmt.Errorf("GET of a missing key: want redis.Nil, got %v", err)
	}
	fmt.Println("GET dialtone-example:missing (nil)")

	// A pipeline: four commands in one write, their replies in one read.
	var incr1, incr2 *redis.IntCmd
	var expire *redis.BoolCmd
	var visits *redis.StringCmd
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		incr1 = p.Incr(ctx, visitsKey)
		incr2 = p.Incr(ctx, visitsKey)
		expire = p.Expire(ctx, visitsKey, time.Minute)
		visits = p.Get(ctx, visitsKey)
		return nil
	})
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	fmt.Printf("pipeline of %d: INCR %d, INCR %d, EXPIRE %t, GET %s\n", len(cmds), incr1.Val(), incr2.Val(), expire.Val(), visits.Val())

	// Publish/subscribe: the subscription holds a connection of its own;
	// Receive waits for the server to confirm it before anything is published.
	sub := rdb.Subscribe(ctx, channel)
	defer sub.Close()
	confirm, err := sub.Receive(ctx)
	if err != nil {
		return fmt.Errorf("SUBSCRIBE: %w", err)
	}
	s, ok := confirm.(*redis.Subscription)
	if !ok {
		return fmt.Errorf("SUBSCRIBE: unexpected reply %v", confirm)
	}
	fmt.Printf("%s %s (%d)\n", s.Kind, s.Channel, s.Count)
	for _, text := range []string{"first", "second"} {
		n, err := rdb.Publish(ctx, channel, text).Result()
		if err != nil {
			return fmt.Errorf("PUBLISH: %w", err)
		}
		fmt.Printf("PUBLISH %s %s: %d receiver(s)\n", channel, text, n)
	}
	messages := sub.Channel()
	for range 2 {
		select {
		case m := <-messages:
			fmt.Printf("message on %s: %s\n", m.Channel, m.Payload)
		case <-ctx.Done():
			return fmt.Errorf("waiting for a message: %w", ctx.Err())
		}
	}

	deleted, err := rdb.Del(ctx, greetingKey, visitsKey).Result()
	if err != nil {
		return fmt.Errorf("DEL: %w", err)
	}
	fmt.Println("DEL", deleted)
	return nil
}
