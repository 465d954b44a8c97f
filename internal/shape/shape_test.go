package shape

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// The limits of the team's style rules (BRIEF.md: "No non-test file over
// 400 lines; no function over ~80 lines; no function with more than 5
// positional parameters").
const (
	maxFileLines = 400
	maxFuncLines = 80
	maxParams    = 5
)

// fileExceptions are the non-test files allowed over maxFileLines, by path
// from the module root, each with why it is still there. Remove an entry
// when its file shrinks: the test fails on entries that no longer apply.
var fileExceptions = map[string]string{}

// funcExceptions are the functions allowed over maxFuncLines or maxParams,
// as "path:Func" or "path:Recv.Method", each with why.
var funcExceptions = map[string]string{}

// sourceFiles returns the module's non-test .go files, by path from the
// module root.
func sourceFiles(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			// .ci holds Go tools of ours; other dot folders (.git) and
			// testdata do not hold the project's code.
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") && name != ".ci") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// violation is one broken limit, keyed as the exception maps are.
type violation struct {
	key, what string
}

// checkFile parses one file and returns its broken limits.
func checkFile(fset *token.FileSet, root, rel string) ([]violation, []violation, error) {
	f, err := parser.ParseFile(fset, filepath.Join(root, rel), nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, nil, err
	}
	var files, funcs []violation
	if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
		files = append(files, violation{rel, fmt.Sprintf("%d lines (limit %d)", n, maxFileLines)})
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		key := rel + ":" + funcName(fn)
		lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
		if lines > maxFuncLines {
			funcs = append(funcs, violation{key, fmt.Sprintf("%d lines (limit %d)", lines, maxFuncLines)})
		}
		if n := paramCount(fn.Type.Params); n > maxParams {
			funcs = append(funcs, violation{key, fmt.Sprintf("%d parameters (limit %d)", n, maxParams)})
		}
	}
	return files, funcs, nil
}

// funcName is "Func" or "Recv.Method".
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	for {
		switch x := typ.(type) {
		case *ast.StarExpr:
			typ = x.X
			continue
		case *ast.IndexExpr:
			typ = x.X
			continue
		case *ast.IndexListExpr:
			typ = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + fn.Name.Name
		}
		return fn.Name.Name
	}
}

// paramCount counts parameters, not fields: (a, b int) is two.
func paramCount(fl *ast.FieldList) int {
	n := 0
	for _, f := range fl.List {
		n += max(len(f.Names), 1)
	}
	return n
}

// TestShape fails on any non-test file over maxFileLines and any function
// over maxFuncLines or maxParams that the exception lists do not name,
// and on exceptions that no longer apply.
func TestShape(t *testing.T) {
	const root = "../.."
	fset := token.NewFileSet()
	files := sourceFiles(t, root)
	if len(files) < 50 {
		t.Fatalf("found only %d source files under %s; is the walk broken?", len(files), root)
	}
	usedFile, usedFunc := map[string]bool{}, map[string]bool{}
	for _, rel := range files {
		fileV, funcV, err := checkFile(fset, root, rel)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range fileV {
			usedFile[v.key] = true
			if _, ok := fileExceptions[v.key]; !ok {
				t.Errorf("%s: %s; split it by concept", v.key, v.what)
			}
		}
		for _, v := range funcV {
			usedFunc[v.key] = true
			if _, ok := funcExceptions[v.key]; !ok {
				t.Errorf("%s: %s", v.key, v.what)
			}
		}
	}
	for key := range fileExceptions {
		if !usedFile[key] {
			t.Errorf("fileExceptions[%q]: the file is within the limit now (or gone); remove the entry", key)
		}
	}
	for key := range funcExceptions {
		if !usedFunc[key] {
			t.Errorf("funcExceptions[%q]: the function is within the limits now (or gone); remove the entry", key)
		}
	}
}
