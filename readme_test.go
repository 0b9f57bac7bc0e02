package ringwatch_test

import (
	"bufio"
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlock is one fenced code block of README.md.
type readmeBlock struct {
	lang string // the word after the opening fence: "go", "sh", ""
	line int    // README line of the block's first content line (1-based)
	text string // the content, without the fences
}

// readmeBlocks returns the fenced code blocks of a Markdown text, in order.
// An unclosed fence is an error: the README would render wrongly.
func readmeBlocks(md []byte) ([]readmeBlock, error) {
	var (
		blocks []readmeBlock
		cur    *readmeBlock
		body   strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.HasPrefix(line, "```"):
			cur = &readmeBlock{lang: strings.TrimSpace(strings.TrimPrefix(line, "```")), line: n + 1}
			body.Reset()
		case cur != nil && strings.TrimSpace(line) == "```":
			cur.text = body.String()
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line)
			body.WriteByte('\n')
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: code block never closed", cur.line-1)
	}
	return blocks, nil
}

func readREADME(t *testing.T) []readmeBlock {
	t.Helper()
	md, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(md)
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

// TestReadmeBlocksParser checks the fence parser the README tests rely on,
// so that a parser bug cannot make them pass vacuously.
func TestReadmeBlocksParser(t *testing.T) {
	md := "text\n```go\npackage main\n```\n\n```sh\ngo test ./...\n```\n"
	blocks, err := readmeBlocks([]byte(md))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) != 2 || blocks[0].lang != "go" || blocks[0].line != 3 || blocks[0].text != "package main\n" ||
		blocks[1].lang != "sh" || blocks[1].text != "go test ./...\n" {
		t.Fatalf("readmeBlocks = %+v", blocks)
	}
	if _, err := readmeBlocks([]byte("```go\npackage main\n")); err == nil {
		t.Fatal("an unclosed block was accepted")
	}
}

// TestReadmeGoBlocksCompile builds every ```go block of README.md as it is
// shown: each block must be a complete Go file (package clause and imports)
// and compile, and pass go vet, against this checkout of the module. The
// blocks go into one temporary module that replaces
// github.com/ringwatch/ringwatch with the repository, and are built with one
// go build ./... and one go vet ./... (vet also type-checks a block that is a
// _test.go file). Compiler messages name README.md lines.
func TestReadmeGoBlocksCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds every Go block of README.md with the go command; skipped with -short")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command on PATH: %v", err)
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	readme := filepath.Join(root, "README.md")
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	gomod := fmt.Sprintf("module readmecheck\n\ngo 1.26.0\n\nrequire github.com/ringwatch/ringwatch v0.0.0\n\nreplace github.com/ringwatch/ringwatch => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}

	n := 0
	for _, b := range readREADME(t) {
		if b.lang != "go" {
			continue
		}
		n++
		// The line directive makes the parser and the compiler report
		// README.md lines.
		src := fmt.Sprintf("//line %s:%d\n%s", readme, b.line, b.text)
		// The block must be a whole file on its own.
		f, err := parser.ParseFile(token.NewFileSet(), readme, src, parser.ImportsOnly)
		if err != nil {
			t.Errorf("README.md:%d: the Go block is not a complete Go file (package clause, imports): %v", b.line, err)
			continue
		}
		name := "main.go"
		if strings.HasSuffix(f.Name.Name, "_test") || regexp.MustCompile(`(?m)^func (Test|Benchmark|Fuzz|Example)`).MatchString(b.text) {
			name = "block_test.go"
		}
		sub := filepath.Join(dir, fmt.Sprintf("line%04d", b.line))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n == 0 {
		t.Fatal("README.md has no ```go block: the parser or the README is broken")
	}
	if t.Failed() {
		return
	}

	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command(goCmd, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("go %s of the README's %d Go blocks failed: %v\n%s", strings.Join(args, " "), n, err, out)
		}
	}
}

// TestReadmeTestCommandIsCI checks that the test command the README gives
// ("as CI runs it") is a line of .ci/run, verbatim.
func TestReadmeTestCommandIsCI(t *testing.T) {
	ci, err := os.ReadFile(filepath.Join(".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	for _, b := range readREADME(t) {
		for l := range strings.Lines(b.text) {
			cmd, comment, ok := strings.Cut(l, "#")
			if ok && strings.Contains(comment, "as CI runs it") {
				cmds = append(cmds, strings.TrimSpace(cmd))
			}
		}
	}
	if len(cmds) != 1 || !strings.HasPrefix(cmds[0], "go test") {
		t.Fatalf("README.md should give one test command marked \"# … as CI runs it\"; found %q", cmds)
	}
	for l := range strings.Lines(string(ci)) {
		if strings.TrimSpace(l) == cmds[0] {
			return
		}
	}
	t.Errorf(".ci/run has no line %q, the test command README.md says CI runs", cmds[0])
}
