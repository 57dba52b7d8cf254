// Command fsops exercises a preopened directory through Go's os package:
// create, read, write, append, seek, pread/pwrite, truncate, stat, rename,
// hard and symbolic links, directory listings, removal, and the errors each
// of those gives. It prints one line per step, without inode numbers, device
// numbers or clock readings, so that two directory backends can be compared
// by their output (test/wasi/memory-fs-matches-node-fs.test.ts).
//
// Usage: fsops DIR
package main

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

var dir string

func p(name string) string { return filepath.Join(dir, name) }

// show prints a step's outcome: "ok" or the error with the directory
// prefix removed.
func show(step string, err error) {
	if err == nil {
		fmt.Printf("%s: ok\n", step)
		return
	}
	fmt.Printf("%s: %s\n", step, strings.ReplaceAll(err.Error(), dir, "$DIR"))
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m.IsRegular():
		return "file"
	}
	return "other"
}

// stat prints what a Lstat or Stat says, leaving out what differs between
// backends for no fault of theirs (inodes, devices, directory sizes, clocks).
func stat(step string, fi fs.FileInfo, err error) {
	if err != nil {
		show(step, err)
		return
	}
	nlink := uint64(0)
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		nlink = st.Nlink
	}
	size := fmt.Sprint(fi.Size())
	if fi.IsDir() {
		size = "-"
	}
	fmt.Printf("%s: %s %s size=%s nlink=%d\n", step, fi.Name(), kind(fi.Mode()), size, nlink)
}

func statPath(step, name string) {
	fi, err := os.Stat(p(name))
	stat(step, fi, err)
}

func lstatPath(step, name string) {
	fi, err := os.Lstat(p(name))
	stat(step, fi, err)
}

func list(step, name string) {
	entries, err := os.ReadDir(p(name))
	if err != nil {
		show(step, err)
		return
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name()+"("+kind(e.Type())+")")
	}
	fmt.Printf("%s: %d entries: %s\n", step, len(names), strings.Join(names, " "))
}

func read(step, name string) {
	b, err := os.ReadFile(p(name))
	if err != nil {
		show(step, err)
		return
	}
	fmt.Printf("%s: %q\n", step, b)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: fsops DIR")
		os.Exit(2)
	}
	dir = os.Args[1]

	// Files: create, write, read back, append, seek, pread/pwrite, truncate.
	show("write a.txt", os.WriteFile(p("a.txt"), []byte("hello\n"), 0o644))
	read("read a.txt", "a.txt")
	f, err := os.OpenFile(p("a.txt"), os.O_WRONLY|os.O_APPEND, 0)
	show("open a.txt append", err)
	if err == nil {
		_, err = f.WriteString("more\n")
		show("append", err)
		_, err = f.Seek(0, io.SeekStart)
		show("seek start", err)
		_, err = f.WriteString("end\n")
		show("append after seek", err)
		show("close", f.Close())
	}
	read("read a.txt", "a.txt")
	f, err = os.OpenFile(p("a.txt"), os.O_RDWR, 0)
	show("open a.txt rdwr", err)
	if err == nil {
		pos, err := f.Seek(-4, io.SeekEnd)
		fmt.Printf("seek end-4: %d %v\n", pos, err)
		buf := make([]byte, 10)
		n, err := f.Read(buf)
		fmt.Printf("read: %d %q %v\n", n, buf[:n], err)
		n, err = f.Read(buf)
		fmt.Printf("read at eof: %d %v\n", n, err)
		n, err = f.WriteAt([]byte("J"), 0)
		fmt.Printf("pwrite: %d %v\n", n, err)
		n, err = f.ReadAt(buf[:5], 1)
		fmt.Printf("pread: %d %q %v\n", n, buf[:n], err)
		cur, err := f.Seek(0, io.SeekCurrent)
		fmt.Printf("tell: %d %v\n", cur, err)
		_, err = f.Seek(-100, io.SeekCurrent)
		show("seek before start", err)
		show("truncate 3", f.Truncate(3))
		show("truncate 8 (grows with zeros)", f.Truncate(8))
		show("close", f.Close())
	}
	read("read a.txt", "a.txt")
	statPath("stat a.txt", "a.txt")
	show("os.Truncate a.txt 2", os.Truncate(p("a.txt"), 2))
	read("read a.txt", "a.txt")

	// A larger file, written in pieces, read whole.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	f, err = os.Create(p("big.bin"))
	show("create big.bin", err)
	if err == nil {
		for i := 0; i < len(big); i += 100000 {
			end := min(i+100000, len(big))
			if _, err := f.Write(big[i:end]); err != nil {
				show("write big.bin", err)
				break
			}
		}
		show("close", f.Close())
	}
	if b, err := os.ReadFile(p("big.bin")); err != nil {
		show("read big.bin", err)
	} else {
		fmt.Printf("read big.bin: %d bytes sha256 %x\n", len(b), sha256.Sum256(b))
	}

	// Opening: exclusive create, missing files and parents, directories.
	_, err = os.OpenFile(p("a.txt"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	show("create excl existing", err)
	_, err = os.Open(p("missing.txt"))
	show("open missing", err)
	_, err = os.Create(p("nodir/x.txt"))
	show("create in missing dir", err)
	_, err = os.Create(p("a.txt/x"))
	show("create below a file", err)

	// Directories.
	show("mkdir d", os.Mkdir(p("d"), 0o755))
	show("mkdir d again", os.Mkdir(p("d"), 0o755))
	show("mkdirall d/e/f", os.MkdirAll(p("d/e/f"), 0o755))
	statPath("stat d", "d")
	_, err = os.OpenFile(p("d"), os.O_WRONLY, 0)
	show("open dir for writing", err)
	show("write d/e/g.txt", os.WriteFile(p("d/e/g.txt"), []byte("g"), 0o644))
	show("remove non-empty d/e", os.Remove(p("d/e")))
	show("remove d/e/f", os.Remove(p("d/e/f")))
	show("remove missing", os.Remove(p("d/nothing")))
	show("rmdir a file", syscall.Rmdir(p("a.txt")))
	show("unlink a dir", syscall.Unlink(p("d")))
	for i := 0; i < 300; i++ {
		if err := os.WriteFile(p(fmt.Sprintf("many/%03d-%s.txt", i, strings.Repeat("x", i%40))), nil, 0o644); err != nil {
			if err := os.MkdirAll(p("many"), 0o755); err != nil {
				show("mkdir many", err)
				break
			}
			i--
		}
	}
	entries, err := os.ReadDir(p("many"))
	fmt.Printf("readdir many: %d %v\n", len(entries), err)
	df, err := os.Open(p("many"))
	if err == nil {
		var got []string
		for {
			names, err := df.Readdirnames(7)
			got = append(got, names...)
			if err != nil {
				fmt.Printf("readdirnames by 7: %d then %v\n", len(got), err)
				break
			}
		}
		sorted := sort.StringsAreSorted(got)
		fmt.Printf("readdirnames sorted: %v first %q last %q\n", sorted, got[0], got[len(got)-1])
		df.Close()
	}
	show("removeall many", os.RemoveAll(p("many")))

	// Rename.
	show("write b.txt", os.WriteFile(p("b.txt"), []byte("bee"), 0o644))
	show("rename b.txt over a.txt", os.Rename(p("b.txt"), p("a.txt")))
	read("read a.txt", "a.txt")
	read("read b.txt", "b.txt")
	show("mkdir x", os.Mkdir(p("x"), 0o755))
	show("mkdir y", os.Mkdir(p("y"), 0o755))
	show("write y/z", os.WriteFile(p("y/z"), []byte("z"), 0o644))
	show("rename x over non-empty y", os.Rename(p("x"), p("y")))
	show("rename y over empty x", os.Rename(p("y"), p("x")))
	list("list x", "x")
	show("rename x into itself", os.Rename(p("x"), p("x/inner")))
	show("rename file over dir", os.Rename(p("a.txt"), p("x")))
	show("rename dir over file", os.Rename(p("x"), p("a.txt")))
	show("rename missing", os.Rename(p("nothing"), p("other")))
	show("rename d/e to top", os.Rename(p("d/e"), p("e")))
	list("list e", "e")

	// Hard links.
	show("link a.txt h.txt", os.Link(p("a.txt"), p("h.txt")))
	show("link to existing", os.Link(p("a.txt"), p("h.txt")))
	show("link a dir", os.Link(p("x"), p("xl")))
	statPath("stat h.txt", "h.txt")
	fa, _ := os.Stat(p("a.txt"))
	fh, _ := os.Stat(p("h.txt"))
	fmt.Printf("same file: %v\n", os.SameFile(fa, fh))
	show("append via h.txt", appendTo(p("h.txt"), "+h"))
	read("read a.txt", "a.txt")
	show("remove a.txt", os.Remove(p("a.txt")))
	statPath("stat h.txt", "h.txt")
	show("rename h.txt over its own link", os.Rename(p("h.txt"), p("h.txt")))

	// Symbolic links.
	show("symlink s -> h.txt", os.Symlink("h.txt", p("s")))
	read("read through s", "s")
	lstatPath("lstat s", "s")
	statPath("stat s", "s")
	t, err := os.Readlink(p("s"))
	fmt.Printf("readlink s: %q %v\n", t, err)
	_, err = os.Readlink(p("h.txt"))
	show("readlink a file", err)
	show("symlink sd -> x", os.Symlink("x", p("sd")))
	list("list through sd", "sd")
	show("write through sd", os.WriteFile(p("sd/new.txt"), []byte("via link"), 0o644))
	read("read x/new.txt", "x/new.txt")
	show("symlink loop", os.Symlink("loop", p("loop")))
	read("read loop", "loop")
	show("symlink dangling", os.Symlink("target.txt", p("dangling")))
	show("write through dangling", os.WriteFile(p("dangling"), []byte("made"), 0o644))
	read("read target.txt", "target.txt")
	show("symlink escape", os.Symlink("../../outside", p("esc")))
	read("read escape", "esc")
	show("symlink absolute", os.Symlink("/etc/passwd", p("abs")))
	show("symlink over existing", os.Symlink("x", p("s")))
	show("remove symlink to dir", os.Remove(p("sd")))
	statPath("stat x after", "x")
	show("symlink chain", chain(45))
	read("read chain 40", "c40")
	read("read chain 41", "c41")

	// Times.
	when := time.Date(2001, 2, 3, 4, 5, 6, 789000000, time.UTC)
	show("chtimes h.txt", os.Chtimes(p("h.txt"), when, when))
	if fi, err := os.Stat(p("h.txt")); err == nil {
		fmt.Printf("mtime h.txt: %s\n", fi.ModTime().UTC().Format(time.RFC3339Nano))
	}

	// A file removed while open stays usable through its descriptor.
	f, err = os.OpenFile(p("gone.txt"), os.O_RDWR|os.O_CREATE, 0o644)
	show("create gone.txt", err)
	if err == nil {
		show("remove gone.txt", os.Remove(p("gone.txt")))
		_, err = f.WriteString("still here")
		show("write after remove", err)
		buf := make([]byte, 20)
		n, err := f.ReadAt(buf, 0)
		fmt.Printf("read after remove: %q %v\n", buf[:n], err)
		show("close", f.Close())
	}

	// What is left, walked.
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Printf("walk: %s %s\n", rel, kind(d.Type()))
		return nil
	})
	show("walk", err)
	fmt.Fprintln(os.Stderr, "done")
}

func appendTo(name, s string) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	return errors.Join(err, f.Close())
}

// chain makes c0 -> h.txt and cN -> c(N-1): reading cN expands N links.
func chain(n int) error {
	if err := os.Symlink("h.txt", p("c1")); err != nil {
		return err
	}
	for i := 2; i <= n; i++ {
		if err := os.Symlink(fmt.Sprintf("c%d", i-1), p(fmt.Sprintf("c%d", i))); err != nil {
			return err
		}
	}
	return nil
}
