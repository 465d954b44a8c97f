package chserver

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// Pause kills the server but keeps its data folder and ports, so that a
// test can show what its code does while ClickHouse is down. Resume starts
// it again.
func (s *Server) Pause() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	killGroup(s.cmd.Process)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
	}
}

// Resume restarts a paused server on the same ports and data, and waits
// until it answers.
func (s *Server) Resume() error {
	bin := s.cmd.Path
	out, err := os.OpenFile(filepath.Join(s.dir, "logs", "stdout.log"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return err
	}
	defer out.Close()
	// The old process may hold its ports for a moment after it died.
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		c := exec.Command(bin, "--config-file="+filepath.Join(s.dir, "config.xml"))
		c.Dir = s.dir
		c.Stdout, c.Stderr = out, out
		c.SysProcAttr = sysProcAttr()
		exited := make(chan struct{})
		if err := c.Start(); err != nil {
			return fmt.Errorf("restart %s: %w", bin, err)
		}
		s.cmd, s.exited = c, exited
		go func() {
			_ = c.Wait()
			close(exited)
		}()
		if lastErr = s.waitReady(); lastErr == nil {
			return nil
		}
		time.Sleep(500 * time.Millisecond)
	}
	return lastErr
}
