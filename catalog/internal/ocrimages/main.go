// Command ocrimages draws the sample pictures of catalog/ocr-images: one
// PNG per documented ocr outcome, which the shipped scenario library
// selects by its SHA-256 (match.imageSha256). It rewrites the pictures of
// the names it is given, or of every picture already in the directory:
//
//	go run ./catalog/internal/ocrimages -dir catalog/ocr-images
//	go generate ./scenarios   # the library takes the new hashes
//
// The pictures are committed bytes: their hashes change only when this is
// run (an image encoder of another Go release may write other bytes), so
// CI never runs it.
//
// Each picture is 406*256 pixels, the proportions of an ID card at the
// smallest size every ocr action accepts (ApplyCardVerificationExternal:
// between 256*256 and 4096*4096 pixels; ReturnHeadImage: short side at
// least 64, long side at most 2000 but for JPEG), a card-like drawing
// whose colours and bars are derived from the outcome's name, so that no
// two pictures are alike.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// Width and Height are the pictures' size in pixels.
const (
	Width  = 406
	Height = 256
)

func main() {
	dir := flag.String("dir", "catalog/ocr-images", "directory of the pictures")
	flag.Parse()
	names := flag.Args()
	if len(names) == 0 {
		matches, err := filepath.Glob(filepath.Join(*dir, "*.png"))
		if err != nil || len(matches) == 0 {
			fmt.Fprintf(os.Stderr, "ocrimages: no pictures in %s (name them as arguments)\n", *dir)
			os.Exit(2)
		}
		for _, m := range matches {
			names = append(names, strings.TrimSuffix(filepath.Base(m), ".png"))
		}
	}
	for _, name := range names {
		b, err := Draw(name)
		if err == nil {
			err = os.WriteFile(filepath.Join(*dir, name+".png"), b, 0o644)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "ocrimages: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

// Draw renders the picture of an outcome name as PNG.
func Draw(name string) ([]byte, error) {
	h := fnv.New64a()
	h.Write([]byte(name))
	seed := h.Sum64()
	bg := color.RGBA{uint8(160 + seed%80), uint8(160 + seed>>8%80), uint8(160 + seed>>16%80), 255}
	ink := color.RGBA{uint8(seed >> 24 % 90), uint8(seed >> 32 % 90), uint8(seed >> 40 % 90), 255}
	img := image.NewRGBA(image.Rect(0, 0, Width, Height))
	for y := range Height {
		for x := range Width {
			c := bg
			switch {
			case x >= 24 && x < 124 && y >= 48 && y < 176: // the portrait's place
				c = ink
			case x >= 148 && x < 382 && y >= 56 && y < 168 && (y-56)%28 < 10:
				// Four text lines, their lengths from the name's bits.
				line := uint((y - 56) / 28)
				if x < 148+96+int(seed>>(48+4*line)%8)*17 {
					c = ink
				}
			case y >= 200 && y < 232 && x >= 24 && x < 382:
				// A bar code of the name's 64 bits.
				if seed>>(uint(x-24)*64/358)&1 == 1 {
					c = ink
				}
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
