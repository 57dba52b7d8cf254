// Command mariadb is the gallery's MariaDB/MySQL example: Go's
// database/sql with go-sql-driver/mysql (github.com/go-sql-driver/mysql),
// built for GOOS=wasip1 and talking to a real server through
// dispatchrun/net (github.com/stealthrocket/net), whose DialContext opens
// the socket with the WasmEdge socket calls that dialtone provides. The
// only wasip1-specific code is the RegisterDialContext call in main;
// everything else is ordinary database/sql.
//
// Build it and run it under dialtone (README.md has the server's set-up):
//
//	GOOS=wasip1 GOARCH=wasm go build -o mariadb.wasm .
//	npx dialtone run --allow-net=127.0.0.1:3306 mariadb.wasm 'dialtone:secret@tcp(127.0.0.1:3306)/dialtone'
//
// It (re)creates the table fruit, inserts rows with a prepared statement,
// reads them back, moves stock between two rows in a transaction that
// commits and tries one that rolls back, printing one line per step, then
// "done". The table stays in the database for a look afterwards. Any
// error goes to stderr and the exit code is 1.
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/stealthrocket/net/wasip1"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mariadb 'USER:PASSWORD@tcp(HOST:PORT)/DATABASE'")
		os.Exit(2)
	}
	// GOOS=wasip1's standard library has no sockets: the driver's "tcp"
	// network dials through dispatchrun/net instead, so DSNs stay as usual.
	mysql.RegisterDialContext("tcp", func(ctx context.Context, addr string) (net.Conn, error) {
		c, err := wasip1.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		return plainConn{c}, nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := run(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "mariadb:", err)
		os.Exit(1)
	}
	fmt.Println("done")
}

// plainConn hides the *net.TCPConn that dispatchrun/net returns from the
// driver, which would call SetKeepAlive on it: on GOOS=wasip1 the standard
// library answers that with ENOPROTOOPT without asking the host (a stub in
// package net), and the driver would log the error for every connection.
// Everything else passes through.
type plainConn struct{ net.Conn }

func run(ctx context.Context, dsn string) error {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return err
	}
	cfg.Timeout = 10 * time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(4)

	var version, user string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), CURRENT_USER()").Scan(&version, &user); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	fmt.Printf("connected to %s as %s\n", version, user)

	// Dropped and made anew, so that every run starts from the same rows.
	if _, err := db.ExecContext(ctx, "DROP TABLE IF EXISTS fruit"); err != nil {
		return fmt.Errorf("drop table: %w", err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE fruit (
		name  VARCHAR(32) PRIMARY KEY,
		count INT NOT NULL CHECK (count >= 0)
	) ENGINE=InnoDB`); err != nil {
		return fmt.Errorf("create table: %w", err)
	}

	insert, err := db.PrepareContext(ctx, "INSERT INTO fruit (name, count) VALUES (?, ?)")
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	defer insert.Close()
	for _, f := range []struct {
		name  string
		count int
	}{{"apple", 5}, {"banana", 12}, {"cherry", 7}} {
		res, err := insert.ExecContext(ctx, f.name, f.count)
		if err != nil {
			return fmt.Errorf("insert %s: %w", f.name, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		fmt.Printf("inserted %s (%d row)\n", f.name, n)
	}
	if err := printFruit(ctx, db); err != nil {
		return err
	}

	// A transaction that commits: move 4 bananas to the apples.
	if err := inTx(ctx, db, func(tx *sql.Tx) error { return move(ctx, tx, "banana", "apple", 4) }); err != nil {
		return fmt.Errorf("transaction: %w", err)
	}
	fmt.Println("committed: moved 4 from banana to apple")

	// One that fails half-way (cherry would go below zero) and rolls back,
	// undoing the update it had already made.
	err = inTx(ctx, db, func(tx *sql.Tx) error { return move(ctx, tx, "cherry", "banana", 100) })
	if err == nil {
		return errors.New("moving 100 cherries should have failed")
	}
	fmt.Println("rolled back:", err)

	var total int
	if err := db.QueryRowContext(ctx, "SELECT SUM(count) FROM fruit").Scan(&total); err != nil {
		return fmt.Errorf("sum: %w", err)
	}
	fmt.Println("total", total)
	return printFruit(ctx, db)
}

// inTx runs fn in a transaction: committed if fn succeeds, rolled back if not.
func inTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil {
			return errors.Join(err, rbErr)
		}
		return err
	}
	return tx.Commit()
}

// move takes n from one row and adds it to another, inside tx.
func move(ctx context.Context, tx *sql.Tx, from, to string, n int) error {
	if _, err := tx.ExecContext(ctx, "UPDATE fruit SET count = count + ? WHERE name = ?", n, to); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, "UPDATE fruit SET count = count - ? WHERE name = ?", n, from)
	return err
}

// printFruit prints every row, in name order.
func printFruit(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, "SELECT name, count FROM fruit ORDER BY name")
	if err != nil {
		return fmt.Errorf("select: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var count int
		if err := rows.Scan(&name, &count); err != nil {
			return fmt.Errorf("select: %w", err)
		}
		fmt.Printf("  %-6s %d\n", name, count)
	}
	return rows.Err()
}
