package testkit_test

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const module = "github.com/ringwatch/ringwatch"

// shipped reports whether a package is runtime code that ships to users:
// not test infrastructure, not the notifytest helper, not an example
// program.
func shipped(pkg string) bool {
	switch {
	case pkg == module+"/internal/testkit" || strings.HasPrefix(pkg, module+"/internal/testkit/"):
		return false
	case pkg == module+"/notify/notifytest" || strings.HasPrefix(pkg, module+"/notify/notifytest/"):
		return false
	case strings.HasPrefix(pkg, module+"/examples/"):
		return false
	}
	return true
}

// testOnly reports whether a package is test infrastructure that runtime
// code must not depend on.
func testOnly(dep string) bool {
	return dep == module+"/internal/testkit" || strings.HasPrefix(dep, module+"/internal/testkit/") ||
		dep == module+"/notify/notifytest"
}

// TestRuntimeDoesNotImportTestkit lists every package of the module with
// its non-test dependencies (go list -deps, which leaves out _test.go
// imports) and fails if a package that ships to users reaches
// internal/testkit/... or notify/notifytest.
func TestRuntimeDoesNotImportTestkit(t *testing.T) {
	// go test puts its own toolchain first in the PATH of the test.
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-e", "-f", `{{.ImportPath}} {{join .Deps " "}}`, module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	touchSources(t)
	var checked int
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 || !shipped(fields[0]) {
			continue
		}
		checked++
		for _, dep := range fields[1:] {
			if testOnly(dep) {
				t.Errorf("%s (runtime code) depends on %s (test infrastructure)", fields[0], dep)
			}
		}
	}
	if checked < 5 {
		t.Fatalf("only %d runtime packages listed; go list output:\n%s", checked, out)
	}
}

// touchSources stats every Go file of the module, so that go test's result
// cache (which records the files a test looks at, not what a subprocess
// reads) runs this test again when an import changes.
func touchSources(t *testing.T) {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the source file")
	}
	root := filepath.Join(filepath.Dir(file), "..", "..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("walking the module: %v", err)
	}
}
