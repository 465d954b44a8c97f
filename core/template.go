package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"
)

// Limits of a template webhook's rendering.
const (
	// MaxTemplateSize bounds the template text.
	MaxTemplateSize = 64 << 10
	// MaxRenderedSize bounds one rendered body.
	MaxRenderedSize = 64 << 10
	// RenderTimeout bounds how long one rendering may run.
	RenderTimeout = 100 * time.Millisecond
)

// maxSlowRenders bounds how many renderings may still be running past their
// timeout. text/template cannot be stopped, so an abandoned rendering runs
// on to its end; while this many do, new ones are refused rather than
// piling up (a runaway template typed into the window's preview, say).
const maxSlowRenders = 4

// slowRenders counts the abandoned renderings still running.
var slowRenders struct {
	sync.Mutex
	n int
}

// templateFuncs are the helpers a template may call. None of them reads a
// file, the environment or the clock: a template sees only its event.
var templateFuncs = template.FuncMap{
	"json":     templateJSON,
	"default":  templateDefault,
	"upper":    func(v any) string { return strings.ToUpper(textOf(v)) },
	"lower":    func(v any) string { return strings.ToLower(textOf(v)) },
	"truncate": templateTruncate,
	"date":     templateDate,
	"sentence": templateSentence,
}

// ParseTemplate parses a template webhook's body template. A syntax error
// is an EINVALID error on field "template" naming the line.
func ParseTemplate(text string) (*template.Template, error) {
	if len(text) > MaxTemplateSize {
		return nil, FieldErrorf("template", "is %d bytes; at most %d are allowed", len(text), MaxTemplateSize)
	}
	if strings.TrimSpace(text) == "" {
		return nil, FieldErrorf("template", "is required for the template format")
	}
	t, err := template.New("body").Option("missingkey=error").Funcs(templateFuncs).Parse(text)
	if err != nil {
		line, _, msg := templateErrorPlace(err)
		return nil, FieldErrorf("template", "line %d: %s", line, msg)
	}
	return t, nil
}

// renderTemplate renders w's template over e's standard payload, decoded
// as a map, within RenderTimeout and MaxRenderedSize, and checks that a
// JSON content type gets valid JSON. Errors are EINVALID on field
// "template" and name the event type and the line.
func renderTemplate(w *Webhook, e *Event) ([]byte, error) {
	t, err := ParseTemplate(w.Template)
	if err != nil {
		return nil, err
	}
	data, err := templateData(e)
	if err != nil {
		return nil, err
	}
	body, err := executeBounded(t, data)
	if err != nil {
		line, col, msg := templateErrorPlace(err)
		if line == 0 {
			return nil, FieldErrorf("template", "%s: %s", e.Type, msg)
		}
		return nil, FieldErrorf("template", "%s: line %d, column %d: %s", e.Type, line, col, msg)
	}
	if IsJSON(w.ContentType()) {
		if err := checkJSON(body); err != nil {
			return nil, FieldErrorf("template", "%s: the rendered body is not valid JSON, as %s requires: %v", e.Type, w.ContentType(), err)
		}
	}
	return body, nil
}

// templateData is e's standard payload decoded as a map. Whole numbers are
// int64, so that they print as 1000000 rather than 1e+06 and compare with
// integer literals; others are float64. The optional lists of a spike are
// present (null when empty), so that `if` and `default` can test them
// where missingkey=error would refuse a missing key.
func templateData(e *Event) (map[string]any, error) {
	raw, err := e.Payload()
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, Errorf(EINTERNAL, "decode %s payload: %v", e.Type, err)
	}
	numbers(m)
	if d, ok := m["data"].(map[string]any); ok && (e.Type == EventSpike || e.Type == EventSpikeResolved) {
		for _, k := range []string{"top_sources", "top_pages"} {
			if _, ok := d[k]; !ok {
				d[k] = nil
			}
		}
	}
	return m, nil
}

// numbers replaces the json.Numbers in v, a decoded map or list, in place.
func numbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, e := range x {
			x[k] = numbers(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbers(e)
		}
	}
	return v
}

// limitedBuffer fails a write past its limit, which stops the template.
type limitedBuffer struct {
	bytes.Buffer
	limit int
}

var errTooLarge = fmt.Errorf("the rendered body is larger than %d KiB", MaxRenderedSize>>10)

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > b.limit {
		return 0, errTooLarge
	}
	return b.Buffer.Write(p)
}

// executeBounded runs t over data in its own goroutine and gives up after
// RenderTimeout, counted from when that goroutine starts, so that a busy
// machine's scheduling is not charged to the template.
func executeBounded(t *template.Template, data any) ([]byte, error) {
	slowRenders.Lock()
	n := slowRenders.n
	slowRenders.Unlock()
	if n >= maxSlowRenders {
		return nil, fmt.Errorf("%d earlier renderings are still running past their %s limit; try again later", n, RenderTimeout)
	}
	var finished, abandoned bool // guarded by slowRenders
	started := make(chan struct{})
	done := make(chan error, 1)
	buf := &limitedBuffer{limit: MaxRenderedSize}
	go func() {
		close(started)
		err := t.Execute(buf, data)
		slowRenders.Lock()
		finished = true
		if abandoned {
			slowRenders.n--
		}
		slowRenders.Unlock()
		done <- err
	}()
	<-started
	timer := time.NewTimer(RenderTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case <-timer.C:
	}
	slowRenders.Lock()
	late := !finished
	if late {
		abandoned = true
		slowRenders.n++
	}
	slowRenders.Unlock()
	if !late { // it finished as the timer fired
		if err := <-done; err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	return nil, fmt.Errorf("rendering took longer than %s", RenderTimeout)
}

// templatePlace matches text/template's error prefix: the template's name,
// the line and, for execution errors, the column.
var templatePlace = regexp.MustCompile(`^template: body:(\d+)(?::(\d+))?: (?:executing "body" (at <[^>]*>): )?`)

var unclosedAt = regexp.MustCompile(`^unclosed action started at body:(\d+)`)

// templateErrorPlace splits a text/template error into its line, column
// (0 when not known) and message.
func templateErrorPlace(err error) (line, col int, msg string) {
	if errors.Is(err, errTooLarge) {
		return 0, 0, errTooLarge.Error()
	}
	s := err.Error()
	m := templatePlace.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, s
	}
	line, _ = strconv.Atoi(m[1])
	if m[2] != "" {
		col, _ = strconv.Atoi(m[2])
		col++ // text/template counts from 0, the JSON check and editors from 1
	}
	msg = s[len(m[0]):]
	if u := unclosedAt.FindStringSubmatch(msg); u != nil {
		// Reported where the text ended; the user needs where it began.
		line, _ = strconv.Atoi(u[1])
		msg = "unclosed action"
	}
	if m[3] != "" {
		msg = m[3] + ": " + msg
	}
	return line, col, msg
}

// checkJSON reports where body stops being JSON, as a line and a column.
func checkJSON(body []byte) error {
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil {
		return nil
	}
	off := len(body)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	line, col := lineCol(body, off)
	return fmt.Errorf("line %d, column %d: %v", line, col, err)
}

// lineCol is the 1-based line and column (in runes) of byte offset off:
// the column of the character the offset points at, or just after the
// last one read.
func lineCol(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	before := b[:off]
	line = bytes.Count(before, []byte{'\n'}) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, len([]rune(string(before[start:])))
}

func templateJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

// templateDefault returns v, or d when v is empty: nil, false, 0, "" or an
// empty list or map.
func templateDefault(d, v any) any {
	if v == nil {
		return d
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map, reflect.String:
		if rv.Len() == 0 {
			return d
		}
	default:
		if rv.IsZero() {
			return d
		}
	}
	return v
}

func templateTruncate(n int, v any) (string, error) {
	if n < 1 {
		return "", fmt.Errorf("truncate needs a length of at least 1, not %d", n)
	}
	return truncate(textOf(v), n), nil
}

// templateDate formats an RFC 3339 time, in UTC, with a Go layout such as
// "2006-01-02 15:04".
func templateDate(layout string, v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("date needs an RFC 3339 time such as .timestamp, not %v", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return "", fmt.Errorf("date needs an RFC 3339 time, not %q", s)
	}
	return t.UTC().Format(layout), nil
}

// templateSentence is the sentence the chat formats send (Summarize), of
// the event whose payload v is: the template's dot.
func templateSentence(v any) (string, error) {
	e, err := eventOfPayload(v)
	if err != nil {
		return "", err
	}
	return Summarize(e).Title, nil
}

// eventOfPayload reads a decoded standard payload back into an Event.
func eventOfPayload(v any) (*Event, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New("sentence needs the whole payload: write {{sentence .}} or {{sentence $}}")
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var env Envelope
	if err := json.Unmarshal(raw, &env); err != nil || env.Type == "" {
		return nil, errors.New("sentence needs the whole payload: write {{sentence .}} or {{sentence $}}")
	}
	e := &Event{Type: env.Type, Timestamp: env.Timestamp}
	var data any
	switch env.Type {
	case EventSpike, EventSpikeResolved:
		data = &SpikeData{}
	case EventDrop, EventDropResolved:
		data = &DropData{}
	case EventGoal:
		data = &GoalData{}
	case EventTest:
		data = &TestData{}
	default:
		return e, nil
	}
	if err := json.Unmarshal(env.Data, data); err != nil {
		return nil, fmt.Errorf("sentence: the payload's data does not fit %s: %v", env.Type, err)
	}
	e.Data = data
	return e, nil
}

// textOf writes v as a template prints it.
func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
