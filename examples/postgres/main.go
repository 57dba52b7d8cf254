// Command postgres is the gallery's PostgreSQL example: pgx
// (github.com/jackc/pgx/v5), the PostgreSQL driver most Go programs use,
// built for GOOS=wasip1 and talking to a real server through
// dispatchrun/net (github.com/stealthrocket/net), whose DialContext opens
// the socket with the WasmEdge socket calls that dialtone provides. The
// only wasip1-specific line is the Config.DialFunc below; everything else
// is ordinary pgx.
//
// Build it and run it under dialtone (README.md has the server's set-up):
//
//	GOOS=wasip1 GOARCH=wasm go build -o postgres.wasm .
//	npx dialtone run --allow-net=127.0.0.1:5432 postgres.wasm 'postgres://dialtone:secret@127.0.0.1:5432/dialtone?sslmode=disable'
//
// It creates a temporary table, inserts rows with parameters, reads them
// back, moves stock between two rows in a transaction that commits and
// tries one that rolls back, printing one line per step, then "done".
// Any error goes to stderr and the exit code is 1.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stealthrocket/net/wasip1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: postgres postgres://USER:PASSWORD@HOST:PORT/DATABASE")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "postgres:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}

// fruit is one row of the example's table.
type fruit struct {
	Name  string
	Count int32
}

func run(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	// GOOS=wasip1's standard library has no sockets: dial through dispatchrun/net.
	cfg.DialFunc = wasip1.DialContext
	cfg.ConnectTimeout = 10 * time.Second

	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())

	var version int
	if err := conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&version); err != nil {
		return fmt.Errorf("server version: %w", err)
	}
	var user string
	if err := conn.QueryRow(ctx, "SELECT current_user").Scan(&user); err != nil {
		return fmt.Errorf("current_user: %w", err)
	}
	fmt.Printf("connected to PostgreSQL %d as %s\n", version, user)

	// A temporary table lives as long as this connection: the example leaves nothing behind.
	if _, err := conn.Exec(ctx, `CREATE TEMPORARY TABLE fruit (
		name  text PRIMARY KEY,
		count integer NOT NULL CHECK (count >= 0)
	)`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}

	for _, f := range []fruit{{"apple", 5}, {"banana", 12}, {"cherry", 7}} {
		tag, err := conn.Exec(ctx, "INSERT INTO fruit (name, count) VALUES ($1, $2)", f.Name, f.Count)
		if err != nil {
			return fmt.Errorf("insert %s: %w", f.Name, err)
		}
		fmt.Printf("%s %s\n", tag, f.Name)
	}
	if err := printFruit(ctx, conn); err != nil {
		return err
	}

	// A transaction that commits: move 4 bananas to the apples.
	if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return move(ctx, tx, "banana", "apple", 4) }); err != nil {
		return fmt.Errorf("transaction: %w", err)
	}
	fmt.Println("committed: moved 4 from banana to apple")

	// One that fails half-way (cherry would go below zero) and rolls back,
	// undoing the update it had already made.
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error { return move(ctx, tx, "cherry", "banana", 100) })
	if err == nil {
		return errors.New("moving 100 cherries should have failed")
	}
	fmt.Println("rolled back:", err)

	var total int64
	if err := conn.QueryRow(ctx, "SELECT sum(count) FROM fruit").Scan(&total); err != nil {
		return fmt.Errorf("sum: %w", err)
	}
	fmt.Println("total", total)
	return printFruit(ctx, conn)
}

// move takes n from one row and adds it to another, inside tx.
func move(ctx context.Context, tx pgx.Tx, from, to string, n int32) error {
	if _, err := tx.Exec(ctx, "UPDATE fruit SET count = count + $1 WHERE name = $2", n, to); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "UPDATE fruit SET count = count - $1 WHERE name = $2", n, from)
	return err
}

// printFruit prints every row, in name order.
func printFruit(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, "SELECT name, count FROM fruit ORDER BY name")
	if err != nil {
		return fmt.Errorf("select: %w", err)
	}
	all, err := pgx.CollectRows(rows, pgx.RowToStructByName[fruit])
	if err != nil {
		return fmt.Errorf("select: %w", err)
	}
	for _, f := range all {
		fmt.Printf("  %-6s %d\n", f.Name, f.Count)
	}
	return nil
}
