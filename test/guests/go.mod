module dialtone.test/guests

go 1.24
