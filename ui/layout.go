package ui

import "fyne.io/fyne/v2"

// minWindow is the smallest window in which every screen fits unclipped.
var minWindow = fyne.NewSize(1100, 700)

// minSize stacks its objects and asks for at least its size, which keeps
// the window from shrinking below it.
type minSize struct{ min fyne.Size }

func (l *minSize) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := l.min
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (l *minSize) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
