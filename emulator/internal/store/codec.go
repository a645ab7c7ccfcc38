package store

import (
	"encoding/json"
	"fmt"
)

// legacyFlow is the flow of records written before sessions had one: the
// web flow, with its fields at the top level and the token as "bizToken".
const legacyFlow = "web"

// record is a session as encoded on disk. Its Data field, shallower than
// the embedded Session's, takes the "data" member raw so that the flow's
// codec can decode it.
type record struct {
	Session
	BizToken string          `json:"bizToken"`
	Data     json.RawMessage `json:"data"`
}

// decodeSession reads a session as the bbolt and Redis stores encode it
// (JSON), or as a release before flows wrote it ("bizToken" instead of
// "token", no "flow": a web session whose fields are at the top level),
// which then reads as flow "web".
func decodeSession(codec Codec, data []byte) (*Session, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("store: corrupt session: %w", err)
	}
	s := &r.Session
	raw := []byte(r.Data)
	if s.Token == "" && r.BizToken != "" {
		// Written before flows: the flow's fields are at the top level.
		s.Token, raw = r.BizToken, data
	}
	if s.Flow == "" {
		s.Flow = legacyFlow
	}
	d, ok := codec.NewData(s.Flow)
	if !ok {
		return nil, fmt.Errorf("store: session %s of unknown flow %q", s.Token, s.Flow)
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, d); err != nil {
			return nil, fmt.Errorf("store: corrupt %s session data: %w", s.Flow, err)
		}
	}
	s.Data = d
	return s, nil
}
