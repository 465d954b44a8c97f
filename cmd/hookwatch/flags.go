package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/hookwatch/hookwatch/core"
)

// This file holds what every command file uses to declare its flags and
// arguments: flag values whose bad input is a core.Error naming the field,
// the positional-argument check, and the command-group constructor.

// flagField is how a flag is named in error messages: the snake_case field.
func flagField(name string) string { return strings.ReplaceAll(name, "-", "_") }

// flagError is the root's FlagErrorFunc: a value a flag refused stays the
// core.Error its parser returned (pflag wraps it), so the message names the
// field and the rule; any other parse error is a usage error.
func flagError(_ *cobra.Command, err error) error {
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	return &usageError{err.Error()}
}

// positiveIntValue is an integer flag that must be ≥ 1; 0 means not given.
type positiveIntValue struct {
	v     *int
	field string
}

func (p *positiveIntValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return core.FieldErrorf(p.field, "must be an integer ≥ 1, not %q", s)
	}
	*p.v = n
	return nil
}

func (p *positiveIntValue) String() string {
	if *p.v == 0 {
		return ""
	}
	return strconv.Itoa(*p.v)
}

func (p *positiveIntValue) Type() string { return "int" }

// positiveIntFlag defines on fs an integer flag that must be ≥ 1.
func positiveIntFlag(fs *pflag.FlagSet, p *int, name, usage string) {
	fs.Var(&positiveIntValue{v: p, field: flagField(name)}, name, usage)
}

// durationValue is a duration flag that refuses negative values; min, when
// set, is the least positive value it accepts (0 stays allowed).
type durationValue struct {
	v     *time.Duration
	field string
	min   time.Duration
}

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || v < 0 {
		return core.FieldErrorf(d.field, "must be a duration such as 90s, 15m or 12h, not %q", s)
	}
	if v > 0 && v < d.min {
		return core.FieldErrorf(d.field, "must be at least %s, not %s", d.min, v)
	}
	*d.v = v
	return nil
}

func (d *durationValue) String() string {
	if *d.v == 0 {
		return ""
	}
	return d.v.String()
}

func (d *durationValue) Type() string { return "duration" }

// durationFlag defines on fs a duration flag whose bad values name the field.
// A non-zero *p is the default shown in help.
func durationFlag(fs *pflag.FlagSet, p *time.Duration, name, usage string) {
	fs.Var(&durationValue{v: p, field: flagField(name)}, name, usage)
}

// funcValue is a string flag whose value a function checks and stores.
type funcValue struct {
	set func(string) error
	typ string
}

func (f funcValue) Set(s string) error { return f.set(s) }
func (f funcValue) String() string     { return "" }
func (f funcValue) Type() string       { return f.typ }

// choiceValue is a string flag that takes one of a few words, in any case.
type choiceValue struct {
	v       *string
	field   string
	choices []string
}

func (c *choiceValue) Set(s string) error {
	for _, ch := range c.choices {
		if strings.EqualFold(strings.TrimSpace(s), ch) {
			*c.v = ch
			return nil
		}
	}
	return core.FieldErrorf(c.field, "must be %s, not %q", orList(c.choices), s)
}

func (c *choiceValue) String() string { return *c.v }
func (c *choiceValue) Type() string   { return strings.Join(c.choices, "|") }

// choiceFlag defines on fs a flag taking one of choices; *p is its default.
func choiceFlag(fs *pflag.FlagSet, p *string, name, usage string, choices ...string) {
	fs.Var(&choiceValue{v: p, field: flagField(name), choices: choices}, name, usage)
}

// orList joins words as "a, b or c".
func orList(words []string) string {
	if len(words) < 2 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

// argsBetween is a positional-argument check: at least min and at most max,
// each a usage error naming the command.
func argsBetween(minPos, maxPos int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		name := strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
		switch {
		case len(args) < minPos:
			return usagef("%s: missing argument (usage: %s)", name, cmd.UseLine())
		case len(args) > maxPos:
			return usagef("%s: unexpected argument %q", name, args[maxPos])
		}
		return nil
	}
}

// groupAnnotation marks a command that does nothing but hold subcommands.
const groupAnnotation = "hookwatch/group"

// groupCommand returns a command that only holds subcommands, such as
// `hookwatch site`. Typed alone it is a usage error listing its
// subcommands; an unknown subcommand is one too (cobra would print help and
// exit 0 for both).
func groupCommand(use, short, long string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{Use: use, Short: short, Long: long, Annotations: map[string]string{groupAnnotation: "true"}}
	g.AddCommand(subs...)
	names := make([]string, 0, len(subs))
	for _, s := range subs {
		names = append(names, s.Name())
	}
	list := strings.Join(names, ", ")
	g.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) > 0 {
			return usagef("%s: unknown subcommand %q (%s)%s", use, args[0], list, suggest(cmd, args[0]))
		}
		return nil
	}
	g.RunE = func(cmd *cobra.Command, args []string) error {
		return usagef("%s: missing subcommand (%s)", use, list)
	}
	return g
}

// suggest returns cobra's "did you mean" for a mistyped subcommand, or "".
func suggest(cmd *cobra.Command, typed string) string {
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default
	}
	if s := cmd.SuggestionsFor(typed); len(s) > 0 {
		return fmt.Sprintf("; did you mean %q?", s[0])
	}
	return ""
}
