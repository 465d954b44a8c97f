package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// column is a table column: its title and its width at the window's
// default size.
type column struct {
	title string
	width float32
}

// minColumnScale is how far columns shrink before the table scrolls
// sideways instead.
const minColumnScale = 0.7

// columnsLayout gives a table's columns the width the table gets, shared in
// proportion to their default widths, so that a wider window shows more of
// each cell and a narrower one does not hide the last column.
type columnsLayout struct {
	table *widget.Table
	cols  []column
	width float32
}

func (l *columnsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (l *columnsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	// Size the table first: setting a width refreshes its cells for the
	// size it has.
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
	if size.Width == l.width || size.Width <= 0 {
		return
	}
	l.width = size.Width
	var total float32
	for _, c := range l.cols {
		total += c.width
	}
	// Leave room for the dividers and the vertical scroll bar.
	avail := size.Width - float32(len(l.cols))*theme.Padding() - theme.ScrollBarSize()
	scale := max(avail/total, minColumnScale)
	for i, c := range l.cols {
		l.table.SetColumnWidth(i, c.width*scale)
	}
}

// newTable returns a table of one-line labels with a bold header row.
func newTable(cols []column, rows func() int, update func(id widget.TableCellID, l *widget.Label), selected func(row int)) *widget.Table {
	t := &widget.Table{
		Length: func() (int, int) { return rows(), len(cols) },
		CreateCell: func() fyne.CanvasObject {
			// Extended at once: the table resizes cells before measuring
			// them, and a label not yet extended ignores a resize, so
			// that its text would not be truncated to the column.
			l := &widget.Label{Truncation: fyne.TextTruncateEllipsis}
			l.ExtendBaseWidget(l)
			return l
		},
		UpdateCell: func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < rows() {
				update(id, o.(*widget.Label))
			}
		},
		OnSelected: func(id widget.TableCellID) {
			if id.Row >= 0 && id.Row < rows() {
				selected(id.Row)
			}
		},
		ShowHeaderRow: true,
		CreateHeader: func() fyne.CanvasObject {
			l := &widget.Label{TextStyle: fyne.TextStyle{Bold: true}, Truncation: fyne.TextTruncateEllipsis}
			l.ExtendBaseWidget(l)
			return l
		},
		UpdateHeader: func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Col >= 0 && id.Col < len(cols) {
				o.(*widget.Label).SetText(cols[id.Col].title)
			}
		},
	}
	for i, c := range cols {
		t.SetColumnWidth(i, c.width)
	}
	return t
}

// tableView shows t with its columns fitted to the width, or the empty text
// in its place when t has no rows.
type tableView struct {
	table  *widget.Table
	empty  *widget.Label
	box    *fyne.Container
	selRow int // the selected row, -1 for none
}

func newTableView(t *widget.Table, cols []column, emptyText string) *tableView {
	v := &tableView{table: t, selRow: -1, empty: &widget.Label{Text: emptyText, Alignment: fyne.TextAlignCenter, Importance: widget.LowImportance}}
	selected := t.OnSelected
	t.OnSelected = func(id widget.TableCellID) {
		v.selRow = id.Row
		selected(id)
	}
	v.box = container.NewStack(container.New(&columnsLayout{table: t, cols: cols}, t), container.NewCenter(v.empty))
	v.setEmpty(true)
	return v
}

func (v *tableView) setEmpty(empty bool) {
	if empty {
		v.table.Hide()
		v.empty.Show()
	} else {
		v.empty.Hide()
		v.table.Show()
	}
	v.table.Refresh()
}

// keep selects row, or nothing for -1, unless it is selected already:
// selecting scrolls the table to the row, which must not happen on every
// refresh while the user scrolls.
func (v *tableView) keep(row int) {
	if row == v.selRow {
		return
	}
	if row < 0 {
		v.selRow = -1
		v.table.UnselectAll()
		return
	}
	v.table.Select(widget.TableCellID{Row: row, Col: 0})
}
