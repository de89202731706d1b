package web

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/packline/packline/central"
	"github.com/packline/packline/oms"
)

// Label geometry: a 4x6 inch label at 203 dpi, as the stations print.
const (
	labelW = 812
	labelH = 1218
	margin = 40
)

// ReturnLabelPNG draws the return label of an RMA for the customer to
// print: the returns address of the site, the RMA number as Code 128 (the
// barcode the returns bench scans) and in plain text.
func ReturnLabelPNG(rma central.RMAView, site oms.Site) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, labelW, labelH))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	y := margin
	y = drawText(img, "RETURN", margin, y, 8)
	y += 20
	drawRect(img, margin, y, labelW-margin, y+4)
	y += 30
	y = drawText(img, "TO:", margin, y, 3)
	for _, line := range addressLines(site) {
		y = drawText(img, line, margin, y+6, 4)
	}
	y += 40
	drawRect(img, margin, y, labelW-margin, y+4)
	y += 40
	bc, err := code128.Encode(rma.RMA)
	if err != nil {
		return nil, fmt.Errorf("return label %s: barcode: %w", rma.RMA, err)
	}
	// Whole modules only, so every bar is as wide as the encoder meant.
	module := (labelW - 2*margin) / bc.Bounds().Dx()
	if module < 1 {
		return nil, fmt.Errorf("return label %s: RMA number too long for the label", rma.RMA)
	}
	scaled, err := barcode.Scale(bc, bc.Bounds().Dx()*module, 260)
	if err != nil {
		return nil, fmt.Errorf("return label %s: barcode: %w", rma.RMA, err)
	}
	x := (labelW - scaled.Bounds().Dx()) / 2
	draw.Draw(img, image.Rect(x, y, x+scaled.Bounds().Dx(), y+260), scaled, image.Point{}, draw.Src)
	y += 280
	y = drawText(img, "RMA "+rma.RMA, margin, y, 5)
	if rma.Reason != "" {
		y = drawText(img, "Reason: "+rma.Reason, margin, y+20, 3)
	}
	items := 0
	for _, l := range rma.Lines {
		items += l.Qty
	}
	drawText(img, fmt.Sprintf("Items: %d", items), margin, y+10, 3)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func addressLines(site oms.Site) []string {
	a := site.Address
	var out []string
	for _, s := range []string{a.Company, a.Name, a.Street1, a.Street2, a.PostalCode + " " + a.City, a.Country} {
		if s != "" && s != " " {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		out = []string{"Returns department"}
	}
	return out
}

// drawText writes s at (x, y) (top left) in the basic 7x13 face scaled
// by scale, and returns the y below it. Characters the face lacks show
// as a box.
func drawText(dst *image.RGBA, s string, x, y, scale int) int {
	face := basicfont.Face7x13
	w := font.MeasureString(face, s).Ceil()
	small := image.NewRGBA(image.Rect(0, 0, max(w, 1), 13))
	draw.Draw(small, small.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.NewUniform(color.Black), Face: face, Dot: fixed.P(0, 11)}
	d.DrawString(s)
	sw, sh := w*scale, 13*scale
	if x+sw > dst.Bounds().Dx()-margin {
		sw = dst.Bounds().Dx() - margin - x
	}
	draw.NearestNeighbor.Scale(dst, image.Rect(x, y, x+sw, y+sh), small, small.Bounds(), draw.Src, nil)
	return y + sh
}

func drawRect(dst *image.RGBA, x0, y0, x1, y1 int) {
	draw.Draw(dst, image.Rect(x0, y0, x1, y1), image.Black, image.Point{}, draw.Src)
}
