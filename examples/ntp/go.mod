module dialtone.example/ntp

go 1.24.0

require (
	github.com/beevik/ntp v1.5.0
	github.com/stealthrocket/net v0.2.1
)

require (
	golang.org/x/net v0.44.0 // indirect
	golang.org/x/sys v0.36.0 // indirect
)
