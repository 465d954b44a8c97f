package ui

import "fyne.io/fyne/v2"

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

// fixedWidth lays its objects out stacked, w wide (or wider if they need
// it), for content centred on a wide page.
type fixedWidth struct{ w float32 }

func (l *fixedWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	s := fyne.NewSize(l.w, 0)
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (l *fixedWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}
