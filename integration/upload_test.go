package integration

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faceid-emulator/faceid-emulator/emulator"
)

// TestCreateUploadUrl: the UploadUrl takes an HTTP PUT, the ResourceUrl
// gives the bytes back, and both stop working at ExpiredTimestamp.
func TestCreateUploadUrl(t *testing.T) {
	tg := inProcess(t, emulator.Options{})
	c := goClient(tg, credMain)
	resp, err := call(c, "CreateUploadUrl", map[string]any{"TargetAction": "DetectReflectLivenessAndCompare"})
	if err != nil {
		t.Fatal(err)
	}
	upload, _ := resp["UploadUrl"].(string)
	resource, _ := resp["ResourceUrl"].(string)
	expires, _ := resp["ExpiredTimestamp"].(float64)
	if !strings.HasPrefix(upload, tg.BaseURL) || !strings.HasPrefix(resource, tg.BaseURL) {
		t.Fatalf("UploadUrl %q / ResourceUrl %q do not point at the emulator %s", upload, resource, tg.BaseURL)
	}
	if left := time.Until(time.Unix(int64(expires), 0)); left < time.Hour || left > 3*time.Hour {
		t.Errorf("ExpiredTimestamp is %v away, want about 2 h", left)
	}
	payload := bytes.Repeat([]byte("video bytes "), 1000)
	req, _ := http.NewRequest(http.MethodPut, upload, bytes.NewReader(payload))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PUT = %d", res.StatusCode)
	}
	got := httpGet(t, resource)
	if !bytes.Equal(got, payload) {
		t.Fatalf("ResourceUrl gave %d bytes, want the %d uploaded", len(got), len(payload))
	}

	// Past ExpiredTimestamp on the emulator's clock the link is gone.
	tg.Server.Clock().Advance(3 * time.Hour)
	res, err = http.Get(resource)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusGone {
		t.Errorf("GET after expiry = %d, want 410", res.StatusCode)
	}
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", url, res.StatusCode, err)
	}
	return b
}
