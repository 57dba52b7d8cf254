module dialtone.test/dns/goresolver

go 1.21
