module dialtone.example/hello

go 1.24
