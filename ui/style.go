package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// muted returns secondary text: hints, empty states and notes. It uses the
// placeholder colour, which reads on both themes, where a low-importance
// label takes the disabled colour and looks switched off.
func muted(text string, size fyne.ThemeSizeName, align fyne.TextAlign, wrap fyne.TextWrap) *widget.RichText {
	if size == "" {
		size = theme.SizeNameText
	}
	rt := widget.NewRichText(&widget.TextSegment{Text: text, Style: widget.RichTextStyle{
		Alignment: align, ColorName: theme.ColorNamePlaceHolder, SizeName: size, Inline: true,
	}})
	rt.Wrapping = wrap
	return rt
}
