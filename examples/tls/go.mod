module dialtone.example/tls

go 1.24

require github.com/stealthrocket/net v0.2.1
