// Package modeltest checks that a model package has one definition of its
// wire format: for every exported model struct, a value with every field
// filled survives json.Marshal followed by the package's own decoder.
// Fields are found by reflection, so a field added to a model is covered
// without touching the test; a model type added to the package must be
// reachable from a root the test names, or the test fails.
package modeltest

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// RoundTrip fills every field of each root type with random non-zero
// values, marshals it with encoding/json, decodes it again with
// json.Unmarshal (which calls the model's UnmarshalJSON) and fails t unless
// the result equals the original. It also fails t if an exported struct
// type declared in the package in dir (its non-test files) is neither
// reachable from the roots nor listed in notModels.
func RoundTrip(t *testing.T, dir string, roots []any, notModels []string, iterations int) {
	t.Helper()
	reached := map[string]bool{}
	pkgPath := ""
	for _, r := range roots {
		rt := reflect.TypeOf(r)
		pkgPath = rt.PkgPath()
		walk(rt, pkgPath, reached)
	}
	for _, name := range structTypes(t, dir) {
		if !reached[name] && !slices.Contains(notModels, name) {
			t.Errorf("exported struct %s is not reachable from the round-trip roots: add it (or a type holding it) to the roots, or to notModels if it is not a wire model", name)
		}
	}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	for _, r := range roots {
		rt := reflect.TypeOf(r)
		t.Run(rt.Name(), func(t *testing.T) {
			for i := range iterations {
				v := reflect.New(rt)
				fill(v.Elem(), rng, 0)
				b, err := json.Marshal(v.Interface())
				if err != nil {
					t.Fatal(err)
				}
				got := reflect.New(rt)
				if err := json.Unmarshal(b, got.Interface()); err != nil {
					t.Fatalf("iteration %d: decoding %s: %v", i, b, err)
				}
				if diff := cmp.Diff(v.Interface(), got.Interface()); diff != "" {
					t.Fatalf("iteration %d: Marshal then decode lost data (-marshalled +decoded):\n%s\njson: %s", i, diff, b)
				}
			}
		})
	}
}

// walk records the names of the struct types of pkgPath reachable from t.
func walk(t reflect.Type, pkgPath string, seen map[string]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array:
		walk(t.Elem(), pkgPath, seen)
	case reflect.Struct:
		if t.PkgPath() != pkgPath || seen[t.Name()] {
			return
		}
		seen[t.Name()] = true
		for i := range t.NumField() {
			walk(t.Field(i).Type, pkgPath, seen)
		}
	}
}

// structTypes lists the exported struct types declared in the non-test Go
// files of dir.
func structTypes(t *testing.T, dir string) []string {
	t.Helper()
	fset := token.NewFileSet()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		{
			for _, d := range f.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, s := range g.Specs {
					ts := s.(*ast.TypeSpec)
					if _, ok := ts.Type.(*ast.StructType); ok && ts.Name.IsExported() && ts.Assign == 0 {
						names = append(names, ts.Name.Name)
					}
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

var timeType = reflect.TypeFor[time.Time]()

// Fill sets every exported field of *ptr, recursively, to a random
// non-zero value, as RoundTrip does (see fill).
func Fill(ptr any, rng *rand.Rand) {
	fill(reflect.ValueOf(ptr).Elem(), rng, 0)
}

// fill sets every exported field of v, recursively, to a random non-zero
// value: strings (with escapes and non-ASCII now and then), positive
// integers, true, timestamps with nanoseconds and a zone offset, and
// slices of one to three elements.
func fill(v reflect.Value, rng *rand.Rand, depth int) {
	if depth > 8 {
		return
	}
	if v.Type() == timeType {
		sec := rng.Int64N(4e9) + 1e9
		loc := time.UTC
		if rng.IntN(3) == 0 {
			loc = time.FixedZone("", (rng.IntN(27)-12)*3600+rng.IntN(2)*1800)
		}
		v.Set(reflect.ValueOf(time.Unix(sec, rng.Int64N(1e9)).In(loc)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randString(rng))
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(rng.Int64N(1<<31) + 1)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), rng, depth+1)
		v.Set(p)
	case reflect.Slice:
		n := 1 + rng.IntN(3)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			fill(s.Index(i), rng, depth+1)
		}
		v.Set(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), rng, depth+1)
			}
		}
	}
}

func randString(rng *rand.Rand) string {
	const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+"
	var b strings.Builder
	b.WriteString("x")
	for range rng.IntN(12) {
		b.WriteByte(alnum[rng.IntN(len(alnum))])
	}
	switch rng.IntN(8) {
	case 0:
		b.WriteString("é\n\"<&\\")
	case 1:
		b.WriteString("\u2028☎")
	}
	return b.String()
}
