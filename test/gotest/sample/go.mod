module dialtone.test/gotest-sample

go 1.24
