module dialtone.example/websocket

go 1.24

require (
	github.com/coder/websocket v1.8.15
	github.com/stealthrocket/net v0.2.1
)
