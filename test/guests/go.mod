module dialtone.test/guests

go 1.24

require (
	github.com/egdaemon/wasinet/wasinet v0.0.0-20250806175613-49e153bd345a
	github.com/redis/go-redis/v9 v9.7.0
	github.com/stealthrocket/net v0.2.1
)

require (
	github.com/cespare/xxhash/v2 v2.2.0 // indirect
	github.com/dgryski/go-rendezvous v0.0.0-20200823014737-9f7001d12a5f // indirect
	golang.org/x/sys v0.28.0 // indirect
)
