//go:build gendoc

package main

import (
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// This file is built only with -tags gendoc, so that the shipped binaries
// carry no document generator: `make docs` and `make package` run it.

func init() { extraCommands = append(extraCommands, (*cli).gendocCommand) }

func (c *cli) gendocCommand() *cobra.Command {
	man := &cobra.Command{
		Use:   "man DIR",
		Short: "Write a man page per command into DIR",
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := os.MkdirAll(args[0], 0o755); err != nil {
				return err
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true // keeps the pages the same from build to build
			return doc.GenManTree(root, &doc.GenManHeader{Title: "HOOKWATCH", Section: "1", Source: "hookwatch " + version}, args[0])
		},
	}
	readme := &cobra.Command{
		Use:   "readme FILE",
		Short: "Rewrite the command list of the README at FILE",
		Args:  argsBetween(1, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			old, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			out, ok := replaceReadmeCommands(string(old), readmeCommands(cmd.Root()))
			if !ok {
				return usagef("%s has no %q … %q block", args[0], readmeBegin, readmeEnd)
			}
			return os.WriteFile(args[0], []byte(out), 0o644)
		},
	}
	g := groupCommand("gendoc", "Generate the man pages or the README's command list", "", man, readme)
	g.Hidden = true
	return g
}
