package sample

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSumPasses(t *testing.T) {
	if got := Sum(1, 2, 3); got != 6 {
		t.Fatalf("Sum = %d", got)
	}
}

func TestTempDirPasses(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "data" {
		t.Fatalf("read back %q, %v", b, err)
	}
}

func TestSleepPasses(t *testing.T) {
	start := time.Now()
	time.Sleep(20 * time.Millisecond)
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("woke early")
	}
}

func TestSubtests(t *testing.T) {
	t.Run("passes", func(t *testing.T) {})
	t.Run("fails", func(t *testing.T) { t.Error("intended failure") })
}

func TestFails(t *testing.T) {
	t.Errorf("Sum(2, 2) = %d, want 5 (intended failure)", Sum(2, 2))
}

func TestSkipped(t *testing.T) {
	t.Skip("intended skip")
}
