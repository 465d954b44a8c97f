package chserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNotInstalled is returned when no clickhouse-server binary is found.
// Tests never install it themselves: parallel test binaries would fight
// over dpkg's lock, so `make test` installs it once before they start.
var ErrNotInstalled = errors.New("clickhouse-server not found; run `make test`, which installs it")

// startTimeout bounds the wait for a fresh instance to answer SELECT 1. It
// starts in well under a second on an idle machine; the rest is headroom
// for a machine busy with parallel builds.
const startTimeout = 20 * time.Second

// Options tune an instance. The zero value is what tests and the demo want.
type Options struct {
	// Binary is the clickhouse-server executable; empty means look it up
	// in PATH, then in /usr/sbin and /usr/bin.
	Binary string
	// Keep leaves the data folder in place after Stop, for post-mortems.
	Keep bool
}

// Server is a private clickhouse-server on loopback, with its own data
// folder and free ports. Stop it when done; it is also killed when the
// test binary dies (on Linux), so a crashed test leaves no server behind.
type Server struct {
	dir      string
	tcpPort  int
	httpPort int
	cmd      *exec.Cmd
	exited   chan struct{}
	keep     bool
	client   *http.Client
}

// StartServer starts an instance with the default Options. It suits a
// TestMain that shares one instance across a test binary; the caller must
// call Stop. A missing binary yields an error wrapping ErrNotInstalled.
func StartServer() (*Server, error) {
	return StartServerWith(Options{})
}

// StartServerWith is StartServer with Options.
func StartServerWith(o Options) (*Server, error) {
	bin, err := findBinary(o.Binary)
	if err != nil {
		return nil, err
	}
	// Ports are picked by binding :0 and closing, so another process may
	// grab one before the server binds it; a few attempts make that rare
	// race harmless.
	for attempt := 1; ; attempt++ {
		s, err := start(bin, o)
		if err == nil || attempt == 3 || !strings.Contains(err.Error(), "Address already in use") {
			return s, err
		}
	}
}

func findBinary(bin string) (string, error) {
	if bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("%w (%s: %v)", ErrNotInstalled, bin, err)
		}
		return bin, nil
	}
	if p, err := exec.LookPath("clickhouse-server"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNotInstalled
}

func start(bin string, o Options) (*Server, error) {
	sweepStale()
	dir, err := os.MkdirTemp("", dirPrefix)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, err
	}
	s := &Server{dir: dir, keep: o.Keep, exited: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Minute}}
	if s.tcpPort, err = freePort(); err == nil {
		s.httpPort, err = freePort()
	}
	if err == nil {
		err = writeConfig(dir, s.tcpPort, s.httpPort)
	}
	var out *os.File
	if err == nil {
		out, err = os.Create(filepath.Join(dir, "logs", "stdout.log"))
	}
	if err != nil {
		s.Stop()
		return nil, err
	}
	defer out.Close()

	s.cmd = exec.Command(bin, "--config-file="+filepath.Join(dir, "config.xml"))
	s.cmd.Dir = dir
	s.cmd.Stdout, s.cmd.Stderr = out, out
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		s.Stop()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

const (
	dirPrefix = "chtest-"
	ownerFile = "owner.pid"
)

// sweepStale removes the folders of instances whose test binary died
// without Stop (killed, or a TestMain without Main): their server died
// with it, but the folder stays until someone removes it.
func sweepStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPrefix+"*"))
	for _, dir := range dirs {
		data, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && pid != os.Getpid() && !alive(pid) {
			_ = os.RemoveAll(dir)
		}
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady() error {
	deadline := time.Now().Add(startTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("clickhouse-server exited during start-up (%v); log tail:\n%s", s.cmd.ProcessState, s.logTail())
		default:
		}
		out, err := s.Query("SELECT 1")
		if err == nil && strings.TrimSpace(out) == "1" {
			return nil
		}
		last = err
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("clickhouse-server did not answer SELECT 1 on %s within %v (last error: %v); log tail:\n%s",
		s.HTTPAddr(), startTimeout, last, s.logTail())
}

// logTail returns the end of the server's logs, for start-up errors.
func (s *Server) logTail() string {
	var b strings.Builder
	for _, name := range []string{"stdout.log", "server.err.log"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "logs", name))
		if err != nil || len(data) == 0 {
			continue
		}
		if len(data) > 3000 {
			data = data[len(data)-3000:]
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", name, data)
	}
	return b.String()
}

// Stop kills the server's process group and removes its data folder. It
// is safe to call twice.
func (s *Server) Stop() {
	if s == nil {
		return
	}
	if s.cmd != nil && s.cmd.Process != nil {
		killGroup(s.cmd.Process)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
		}
	}
	if !s.keep && s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}

// Dir is the instance's folder: config, data and logs.
func (s *Server) Dir() string { return s.dir }

// TCPAddr is the native protocol's host:port.
func (s *Server) TCPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.tcpPort)) }

// HTTPAddr is the HTTP interface's host:port.
func (s *Server) HTTPAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.httpPort)) }

// DSN returns a native-protocol DSN for database db as user default.
func (s *Server) DSN(db string) string {
	return "clickhouse://" + s.TCPAddr() + "/" + db
}

// PasswordDSN returns a DSN for database db as PasswordUser, with password
// pw (Password to get in).
func (s *Server) PasswordDSN(db, pw string) string {
	u := url.URL{Scheme: "clickhouse", User: url.UserPassword(PasswordUser, pw), Host: s.TCPAddr(), Path: "/" + db}
	return u.String()
}

// Exec runs one statement through the HTTP interface.
func (s *Server) Exec(sql string) error {
	_, err := s.Query(sql)
	return err
}

// Query runs one statement through the HTTP interface and returns its
// output in the default TabSeparated format.
func (s *Server) Query(sql string) (string, error) {
	return s.post("", strings.NewReader(sql))
}

// post sends body to the HTTP interface, with query as the statement when
// body holds data rather than SQL.
func (s *Server) post(query string, body io.Reader) (string, error) {
	params := url.Values{}
	if query != "" {
		params.Set("query", query)
	}
	return s.send(params, body)
}

// send posts body to the HTTP interface with params (the statement when
// body holds data, settings) in the URL.
func (s *Server) send(params url.Values, body io.Reader) (string, error) {
	query := params.Get("query")
	u := "http://" + s.HTTPAddr() + "/"
	if len(params) > 0 {
		u += "?" + params.Encode()
	}
	resp, err := s.client.Post(u, "text/plain", body)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	if _, err := io.Copy(&out, resp.Body); err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		stmt := query
		if stmt == "" {
			stmt = "statement"
		}
		if len(stmt) > 200 {
			stmt = stmt[:200] + "…"
		}
		return "", fmt.Errorf("clickhouse http %d for %s: %s", resp.StatusCode, stmt, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}
