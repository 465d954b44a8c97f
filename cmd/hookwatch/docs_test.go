package main

import (
	"os"
	"strings"
	"testing"
)

func TestReadmeCommands(t *testing.T) {
	t.Run("the README's command list is the one the commands generate", func(t *testing.T) {
		readme, err := os.ReadFile("../../README.md")
		if err != nil {
			t.Fatal(err)
		}
		root := (&cli{}).rootCommand()
		want := readmeCommands(root)
		got, ok := replaceReadmeCommands(string(readme), want)
		if !ok {
			t.Fatalf("README.md lacks the generated block (%q … %q)", readmeBegin, readmeEnd)
		}
		if got != string(readme) {
			t.Errorf("README.md's command list is out of date; run `make docs`. It should read:\n%s", want)
		}
		for _, s := range []string{"webhook add DOMAIN URL", "completion bash", "--log-level", "settings set KEY VALUE"} {
			if !strings.Contains(want, s) {
				t.Errorf("the generated list lacks %q", s)
			}
		}
	})
}
