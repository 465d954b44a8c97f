package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
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
	// headerH and rowH are the heights of the header and of a row,
	// measured once.
	headerH, rowH float32
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
	// size it has. It is only as tall as its rows, so that a short table
	// does not draw its column lines down an empty page.
	h := min(size.Height, l.rowsHeight())
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(fyne.NewSize(size.Width, h))
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

// rowsHeight is the height of the table's header and rows, with a little
// room to spare.
func (l *columnsLayout) rowsHeight() float32 {
	if l.rowH == 0 {
		l.headerH = l.table.CreateHeader().MinSize().Height
		l.rowH = l.table.CreateCell().MinSize().Height
	}
	rows, _ := l.table.Length()
	pad := theme.Padding()
	return l.headerH + float32(rows)*(l.rowH+pad) + 2*pad
}

// newTable returns a table of one-line labels with a bold header row. The
// row of the selected cell is highlighted across every column, since Fyne's
// table marks only the cell.
func newTable(cols []column, rows func() int, update func(id widget.TableCellID, l *widget.Label), selected func(row int)) *widget.Table {
	selRow := -1
	var t *widget.Table
	t = &widget.Table{
		Length: func() (int, int) { return rows(), len(cols) },
		CreateCell: func() fyne.CanvasObject {
			// Extended at once: the table resizes cells before measuring
			// them, and a label not yet extended ignores a resize, so
			// that its text would not be truncated to the column.
			l := &widget.Label{Truncation: fyne.TextTruncateEllipsis}
			l.ExtendBaseWidget(l)
			bg := canvas.NewRectangle(color.Transparent)
			return container.New(rowCellLayout{}, bg, l)
		},
		UpdateCell: func(id widget.TableCellID, o fyne.CanvasObject) {
			c := o.(*fyne.Container)
			bg := c.Objects[0].(*canvas.Rectangle)
			want := color.Color(color.Transparent)
			if id.Row == selRow && id.Col > 0 {
				want = theme.Color(theme.ColorNameSelection)
			}
			if bg.FillColor != want {
				bg.FillColor = want
				bg.Refresh()
			}
			if id.Row < rows() {
				update(id, c.Objects[1].(*widget.Label))
			}
		},
		OnSelected: func(id widget.TableCellID) {
			if id.Row != selRow {
				selRow = id.Row
				t.Refresh()
			}
			if id.Row >= 0 && id.Row < rows() {
				selected(id.Row)
			}
		},
		OnUnselected: func(widget.TableCellID) {
			selRow = -1
			t.Refresh()
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

// cellLabel returns the label of a table cell made by newTable.
func cellLabel(o fyne.CanvasObject) *widget.Label {
	return o.(*fyne.Container).Objects[1].(*widget.Label)
}

// rowCellLayout sizes a cell's label to the cell, and its background over
// the gap to the cell on its left too, so that a highlighted row reads as
// one band.
type rowCellLayout struct{}

func (rowCellLayout) MinSize(objs []fyne.CanvasObject) fyne.Size { return objs[1].MinSize() }

func (rowCellLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	gap := theme.Padding()
	objs[0].Move(fyne.NewPos(-gap, 0))
	objs[0].Resize(fyne.NewSize(size.Width+gap, size.Height))
	objs[1].Move(fyne.NewPos(0, 0))
	objs[1].Resize(size)
}

// tableView shows t with its columns fitted to the width, or the empty text
// in its place when t has no rows.
type tableView struct {
	table  *widget.Table
	empty  *widget.RichText
	box    *fyne.Container
	fit    *fyne.Container // lays the table out to its columns and rows
	selRow int             // the selected row, -1 for none
}

func newTableView(t *widget.Table, cols []column, emptyText string) *tableView {
	v := &tableView{table: t, selRow: -1, empty: muted(emptyText, "", fyne.TextAlignCenter, fyne.TextWrapOff)}
	selected := t.OnSelected
	t.OnSelected = func(id widget.TableCellID) {
		v.selRow = id.Row
		selected(id)
	}
	v.fit = container.New(&columnsLayout{table: t, cols: cols}, t)
	v.box = container.NewStack(v.fit, container.NewCenter(v.empty))
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
	v.fit.Refresh() // the rows may have changed: fit the height again
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
