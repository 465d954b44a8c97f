package core

import (
	"errors"
	"fmt"
)

// Error codes. They map onto exit codes and dialog messages: EINVALID,
// ENOTFOUND and ECONFLICT are the user's to fix; EINTERNAL is ours.
const (
	EINVALID  = "invalid"
	ENOTFOUND = "not_found"
	ECONFLICT = "conflict"
	EINTERNAL = "internal"
)

// Error is the one error type the domain returns. Field names the input at
// fault (as the user typed it: "url", "spike_threshold"), so that the CLI can
// print it and the window can put the message beside the right widget.
//
// Err is the cause, if any: errors.Is and errors.As look through an *Error
// into it, so that a caller can tell a cancelled context from a real fault
// (errors.Is(err, context.Canceled)) whatever layer wrapped it.
type Error struct {
	Code    string
	Field   string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Unwrap returns the cause, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message. A
// %w verb, as in fmt.Errorf, makes its operand the cause (Err).
func Errorf(code, format string, args ...any) *Error {
	msg, cause := formatCause(format, args)
	return &Error{Code: code, Message: msg, Err: cause}
}

// FieldErrorf returns an EINVALID *Error naming the field at fault; %w
// works as in Errorf.
func FieldErrorf(field, format string, args ...any) *Error {
	msg, cause := formatCause(format, args)
	return &Error{Code: EINVALID, Field: field, Message: msg, Err: cause}
}

// formatCause formats like fmt.Errorf and returns the text and, when a %w verb
// wrapped something, the fmt error that unwraps to it.
func formatCause(format string, args []any) (string, error) {
	err := fmt.Errorf(format, args...)
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		return err.Error(), err
	}
	return err.Error(), nil
}

// ErrorCode returns the code of err if it wraps an *Error, and EINTERNAL for
// any other non-nil error.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorField returns the field named by err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMessage returns the user-facing text of err. Internal errors are
// reported as they are: hookwatch runs on the user's own machine, and hiding
// the cause would only make it harder to fix.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Error()
	}
	return err.Error()
}
