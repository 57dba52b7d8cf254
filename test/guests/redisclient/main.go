// Command redisclient drives a real redis-server with go-redis
// (github.com/redis/go-redis/v9), dialing through dispatchrun/net
// (WasmEdge socket extensions) instead of the standard library's net,
// which has no sockets on wasip1. It runs a fixed script of commands and
// prints one line per result, then "done"; any error is printed to stderr
// and the exit code is 1.
//
// Usage: redisclient HOST:PORT
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stealthrocket/net/wasip1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: redisclient HOST:PORT")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "redisclient:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}

func run(ctx context.Context, addr string) error {
	var dials int
	var mu sync.Mutex
	rdb := redis.NewClient(&redis.Options{
		Addr: addr,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dials++
			mu.Unlock()
			return wasip1.DialContext(ctx, network, addr)
		},
		DialTimeout:  5 * time.Second,
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
		PoolSize:     4,
		MaxRetries:   -1, // a failure must show, not be hidden by a retry
	})
	defer rdb.Close()

	pong, err := rdb.Ping(ctx).Result()
	if err != nil {
		return fmt.Errorf("PING: %w", err)
	}
	fmt.Println("PING", pong)

	if err := rdb.Set(ctx, "greeting", "hello from wasip1", time.Minute).Err(); err != nil {
		return fmt.Errorf("SET: %w", err)
	}
	v, err := rdb.Get(ctx, "greeting").Result()
	if err != nil {
		return fmt.Errorf("GET: %w", err)
	}
	fmt.Printf("GET greeting %q\n", v)
	ttl, err := rdb.TTL(ctx, "greeting").Result()
	if err != nil {
		return fmt.Errorf("TTL: %w", err)
	}
	fmt.Println("TTL greeting positive", ttl > 0 && ttl <= time.Minute)

	if _, err := rdb.Get(ctx, "missing").Result(); !errors.Is(err, redis.Nil) {
		return fmt.Errorf("GET missing: want redis.Nil, got %v", err)
	}
	fmt.Println("GET missing nil")

	for i := 0; i < 3; i++ {
		n, err := rdb.Incr(ctx, "counter").Result()
		if err != nil {
			return fmt.Errorf("INCR: %w", err)
		}
		fmt.Println("INCR counter", n)
	}

	// A value larger than any socket buffer, so reads and writes are split.
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB
	if err := rdb.Set(ctx, "big", big, 0).Err(); err != nil {
		return fmt.Errorf("SET big: %w", err)
	}
	got, err := rdb.Get(ctx, "big").Result()
	if err != nil {
		return fmt.Errorf("GET big: %w", err)
	}
	fmt.Println("GET big bytes", len(got), "equal", got == big)

	// A pipeline: several commands in one write, replies read back in order.
	cmds, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "p:a", "1", 0)
		p.IncrBy(ctx, "p:a", 41)
		p.RPush(ctx, "p:list", "x", "y", "z")
		p.LRange(ctx, "p:list", 0, -1)
		p.Get(ctx, "p:a")
		return nil
	})
	if err != nil {
		return fmt.Errorf("pipeline: %w", err)
	}
	fmt.Println("pipeline commands", len(cmds))
	fmt.Println("pipeline INCRBY", cmds[1].(*redis.IntCmd).Val())
	fmt.Println("pipeline RPUSH", cmds[2].(*redis.IntCmd).Val())
	fmt.Println("pipeline LRANGE", strings.Join(cmds[3].(*redis.StringSliceCmd).Val(), ","))
	fmt.Println("pipeline GET", cmds[4].(*redis.StringCmd).Val())

	// MULTI/EXEC.
	tx, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, "h", "field", "value", "n", "7")
		p.HIncrBy(ctx, "h", "n", 3)
		return nil
	})
	if err != nil {
		return fmt.Errorf("MULTI/EXEC: %w", err)
	}
	fmt.Println("tx HINCRBY", tx[1].(*redis.IntCmd).Val())
	h, err := rdb.HGetAll(ctx, "h").Result()
	if err != nil {
		return fmt.Errorf("HGETALL: %w", err)
	}
	fmt.Printf("HGETALL h field=%s n=%s\n", h["field"], h["n"])

	// Concurrent clients: goroutines share the pool (several connections).
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := rdb.Incr(ctx, "shared").Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("concurrent INCR: %w", err)
	}
	shared, err := rdb.Get(ctx, "shared").Int()
	if err != nil {
		return fmt.Errorf("GET shared: %w", err)
	}
	fmt.Println("concurrent INCR shared", shared)

	// Publish/subscribe: a subscriber connection receives what this client
	// publishes.
	sub := rdb.Subscribe(ctx, "news")
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil { // the subscription confirmation
		return fmt.Errorf("SUBSCRIBE: %w", err)
	}
	for _, text := range []string{"first", "second"} {
		n, err := rdb.Publish(ctx, "news", text).Result()
		if err != nil {
			return fmt.Errorf("PUBLISH: %w", err)
		}
		fmt.Println("PUBLISH news receivers", n)
	}
	for i := 0; i < 2; i++ {
		mctx, mcancel := context.WithTimeout(ctx, 10*time.Second)
		msg, err := sub.ReceiveMessage(mctx)
		mcancel()
		if err != nil {
			return fmt.Errorf("receive message: %w", err)
		}
		fmt.Printf("message %s %s\n", msg.Channel, msg.Payload)
	}
	if err := sub.Close(); err != nil {
		return fmt.Errorf("UNSUBSCRIBE: %w", err)
	}

	n, err := rdb.Del(ctx, "greeting", "counter", "big", "p:a", "p:list", "h", "shared").Result()
	if err != nil {
		return fmt.Errorf("DEL: %w", err)
	}
	fmt.Println("DEL", n)
	size, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return fmt.Errorf("DBSIZE: %w", err)
	}
	fmt.Println("DBSIZE", size)
	mu.Lock()
	fmt.Println("dialed more than once", dials > 1)
	mu.Unlock()
	return nil
}
