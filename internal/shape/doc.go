// Package shape holds no code: its tests hold the code base to the team's
// rules that a compiler does not check, such as "no binary links a package
// that imports testing" and the limits on file and function size. A rule
// broken anywhere fails `go test ./internal/shape`.
package shape
