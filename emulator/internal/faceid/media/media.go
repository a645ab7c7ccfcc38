// Package media holds the built-in sample media the emulator returns: a best
// frame JPEG, document images and a tiny MP4. They are real, decodable
// files, small enough to keep responses light.
package media

import (
	_ "embed"
	"encoding/base64"
)

var (
	//go:embed bestframe.jpg
	bestFrame []byte
	//go:embed card.jpg
	card []byte
	//go:embed cardcut.jpg
	cardCut []byte
	//go:embed portrait.jpg
	portrait []byte
	//go:embed sample.mp4
	video []byte
)

// Set is the base64 text of every sample, encoded once per emulator.
type Set struct {
	BestFrame, Card, CardCut, Portrait, Video string
}

// Encode returns the samples as base64.
func Encode() Set {
	enc := base64.StdEncoding.EncodeToString
	return Set{
		BestFrame: enc(bestFrame),
		Card:      enc(card),
		CardCut:   enc(cardCut),
		Portrait:  enc(portrait),
		Video:     enc(video),
	}
}

// Files returns the samples as named files with their bytes (shared: treat
// as read-only), for the emulator's file area.
func Files() []struct {
	Name, ContentType string
	Data              []byte
} {
	return []struct {
		Name, ContentType string
		Data              []byte
	}{
		{"bestframe.jpg", "image/jpeg", bestFrame},
		{"card.jpg", "image/jpeg", card},
		{"cardcut.jpg", "image/jpeg", cardCut},
		{"portrait.jpg", "image/jpeg", portrait},
		{"video.mp4", "video/mp4", video},
	}
}
