// Package sample is a small package whose tests pass and fail on purpose:
// test/gotest/exec-wrapper.test.ts runs them natively and under dialtone
// (GOOS=wasip1 through go_wasip1_wasm_exec) and compares the reports.
package sample

// Sum adds its arguments.
func Sum(xs ...int) int {
	t := 0
	for _, x := range xs {
		t += x
	}
	return t
}
