package ui

import (
	_ "embed"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// accessSteps are the README's steps for giving hookwatch a read-only
// ClickHouse user; a test keeps the two texts the same.
//
//go:embed access.md
var accessSteps string

// onHelp shows the read-only-user steps in a dialog.
func (s *connectScreen) onHelp() {
	steps := widget.NewRichTextFromMarkdown(accessSteps)
	steps.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(steps)
	// Wide enough for the longest line of the steps' code blocks.
	scroll.SetMinSize(fyne.NewSize(900, 540))
	d := dialog.NewCustom("How do I get access?", "Close", scroll, s.ui.win)
	s.helpText = steps
	s.ui.showDialog(d)
}
