package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gomodule/redigo/redis"
)

// The state beyond sessions that replicas on one engine share: the call
// counters of scripted behaviours (flow.Counters) and the clock offset the
// control API moves (clock.Offset). The methods have the shapes of
// flow.SharedCounts and clock.SharedSkew.

// scopedScript counts one call under a (SecretId) hash field and restarts
// the count past times (at once for times 0), as flow.Counters does in
// memory. KEYS: the SecretId's hash. ARGV: field, times, TTL ms.
var scopedScript = redis.NewScript(1, `
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
local times = tonumber(ARGV[2])
if times == 0 or n > times then
  redis.call('HDEL', KEYS[1], ARGV[1])
elseif tonumber(ARGV[3]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
end
return n
`)

// CountScoped counts one call of action under scenario for secretID and
// returns its 1-based number (see flow.Counters.Scoped).
func (r *Redis) CountScoped(secretID, scenario, action string, times int) (int, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	n, err := redis.Int(r.run(ctx, scopedScript, r.cScope+secretID,
		scenario+"\x00"+action, times, r.cfg.CountTTL.Milliseconds()))
	if err != nil {
		return 0, r.fail(err)
	}
	return n, nil
}

// CountToken counts one call of action on token and returns its 1-based
// number.
func (r *Redis) CountToken(token, action string) (int, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	key := r.cToken + token
	cmds := []command{{"HINCRBY", []any{key, action, 1}}}
	if ttl := r.cfg.CountTTL; ttl > 0 {
		cmds = append(cmds, command{"PEXPIRE", []any{key, ttl.Milliseconds()}})
	}
	res, err := r.multi(ctx, cmds...)
	if err != nil {
		return 0, r.fail(err)
	}
	n, _ := redis.Int(res[0], nil)
	return n, nil
}

// ResetCounts forgets the counts of one SecretId and its tokens, or with
// secretID "" every count.
func (r *Redis) ResetCounts(secretID string, tokens []string) error {
	ctx, cancel := r.walkCtx()
	defer cancel()
	if secretID == "" {
		for _, pattern := range []string{r.cScope + "*", r.cToken + "*"} {
			keys, err := r.scan(ctx, escapeGlob(pattern))
			if err != nil {
				return r.fail(err)
			}
			if err := r.del(keys); err != nil {
				return err
			}
		}
		return nil
	}
	keys := []string{r.cScope + secretID}
	for _, t := range tokens {
		keys = append(keys, r.cToken+t)
	}
	return r.del(keys)
}

// scan returns the keys that match a SCAN pattern.
func (r *Redis) scan(ctx context.Context, match string) ([]string, error) {
	var keys []string
	cursor := "0"
	for {
		res, err := redis.Values(r.do(ctx, "SCAN", cursor, "MATCH", match, "COUNT", redisBatch))
		if err != nil {
			return nil, err
		}
		if len(res) != 2 {
			return nil, fmt.Errorf("store: redis: SCAN answered %d values, want 2", len(res))
		}
		if cursor, err = redis.String(res[0], nil); err != nil {
			return nil, err
		}
		batch, err := redis.Strings(res[1], nil)
		if err != nil {
			return nil, err
		}
		keys = append(keys, batch...)
		if cursor == "0" {
			return keys, nil
		}
	}
}

func (r *Redis) del(keys []string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	for start := 0; start < len(keys); start += redisBatch {
		batch := keys[start:min(start+redisBatch, len(keys))]
		args := make([]any, len(batch))
		for i, k := range batch {
			args[i] = k
		}
		if _, err := r.do(ctx, "DEL", args...); err != nil {
			return r.fail(err)
		}
	}
	return nil
}

// escapeGlob escapes the glob characters of a key prefix for SCAN MATCH,
// keeping a trailing "*".
func escapeGlob(pattern string) string {
	body, star := pattern, ""
	if len(body) > 0 && body[len(body)-1] == '*' {
		body, star = body[:len(body)-1], "*"
	}
	out := make([]byte, 0, len(body)+4)
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\', c)
		default:
			out = append(out, c)
		}
	}
	return string(out) + star
}

// Skew returns the shared clock offset (0 when never moved).
//
// The same read fetches the version of the SecretIds' scenario choices
// (SecretsVersion): every API call reads the clock first, so a choice made
// on one replica is seen by the next call on any other without a round
// trip of its own.
func (r *Redis) Skew() (time.Duration, error) {
	// Every clock read lands here: while the engine is known to be lost,
	// fail at once (the clock keeps its last offset) rather than wait for
	// a dial on every read.
	if err := r.Ready(); err != nil && r.started.Load() {
		return 0, err
	}
	ctx, cancel := r.ctx()
	defer cancel()
	vals, err := redis.Values(r.do(ctx, "MGET", r.kClock, r.kSecretsV))
	if err == nil && len(vals) != 2 {
		err = fmt.Errorf("MGET answered %d values, want 2", len(vals))
	}
	if err != nil {
		return 0, r.fail(err)
	}
	r.secretsV.Store(parseInt(vals[1]))
	// A value that does not parse (not ours) reads as no offset.
	return time.Duration(parseInt(vals[0])), nil
}

// parseInt reads an MGET value; missing or malformed is 0.
func parseInt(v any) int64 {
	n, _ := redis.Int64(v, nil)
	return n
}

// SecretsVersion is the version of the SecretIds' scenario choices as of
// the last clock read (0 before any choice).
func (r *Redis) SecretsVersion() int64 { return r.secretsV.Load() }

// SetSecretScenario records name as secretID's default scenario ("" drops
// the choice) for every replica.
func (r *Redis) SetSecretScenario(secretID, name string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	choice := command{"HSET", []any{r.kSecrets, secretID, name}}
	if name == "" {
		choice = command{"HDEL", []any{r.kSecrets, secretID}}
	}
	res, err := r.multi(ctx, choice, command{"INCR", []any{r.kSecretsV}})
	if err != nil {
		return r.fail(err)
	}
	v, _ := redis.Int64(res[1], nil)
	r.secretsV.Store(v)
	return nil
}

// SecretScenarios returns every SecretId's choice and their version.
func (r *Redis) SecretScenarios() (map[string]string, int64, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	res, err := r.multi(ctx, command{"HGETALL", []any{r.kSecrets}}, command{"GET", []any{r.kSecretsV}})
	if err != nil {
		return nil, 0, r.fail(err)
	}
	all, err := redis.StringMap(res[0], nil)
	if err != nil {
		return nil, 0, r.fail(err)
	}
	return all, parseInt(res[1]), nil
}

// AddSkew moves the shared offset by d and returns the new one.
func (r *Redis) AddSkew(d time.Duration) (time.Duration, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	ns, err := redis.Int64(r.do(ctx, "INCRBY", r.kClock, int64(d)))
	if err != nil {
		return 0, r.fail(err)
	}
	return time.Duration(ns), nil
}

// SetSkew sets the shared offset.
func (r *Redis) SetSkew(d time.Duration) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if _, err := r.do(ctx, "SET", r.kClock, int64(d)); err != nil {
		return r.fail(err)
	}
	return nil
}

// Upload slots of the file area (files.Shared, through package
// emulator's adapter): a hash per slot with its expiry ("exp", Unix ns of
// the emulator's clock) and, once uploaded, its bytes ("data").

// ErrUploadExpired is PutUpload's answer for a slot past its time.
var ErrUploadExpired = errors.New("store: upload link expired")

// putIfExists stores the bytes of a slot that exists. KEYS: the slot.
// ARGV: data. Returns 1, or 0 for an unknown slot.
var putIfExists = redis.NewScript(1, `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
return 1
`)

// NewUpload makes an empty slot working until expiresAt, kept for keep.
func (r *Redis) NewUpload(key string, expiresAt time.Time, keep time.Duration) error {
	ctx, cancel := r.ctx()
	defer cancel()
	_, err := r.multi(ctx, command{"HSET", []any{r.upload + key, "exp", expiresAt.UnixNano()}},
		command{"PEXPIRE", []any{r.upload + key, keep.Milliseconds()}})
	return r.fail(err)
}

// PutUpload stores data in a slot: ErrNotFound for an unknown slot,
// ErrUploadExpired for one past its time at now.
func (r *Redis) PutUpload(key string, data []byte, now time.Time) error {
	_, exp, err := r.openUpload(key, false)
	if err != nil {
		return err
	}
	if now.After(exp) {
		return ErrUploadExpired
	}
	ctx, cancel := r.ctx()
	defer cancel()
	n, err := redis.Int(r.run(ctx, putIfExists, r.upload+key, data))
	if err != nil {
		return r.fail(err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// OpenUpload returns a slot's bytes (nil before the upload) and expiry.
func (r *Redis) OpenUpload(key string) ([]byte, time.Time, error) {
	return r.openUpload(key, true)
}

func (r *Redis) openUpload(key string, withData bool) ([]byte, time.Time, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	args := []any{r.upload + key, "exp"}
	if withData {
		args = append(args, "data")
	}
	vals, err := redis.ByteSlices(r.do(ctx, "HMGET", args...))
	if err == nil && len(vals) != len(args)-1 {
		err = fmt.Errorf("HMGET answered %d values, want %d", len(vals), len(args)-1)
	}
	if err != nil {
		return nil, time.Time{}, r.fail(err)
	}
	ns, perr := strconv.ParseInt(string(vals[0]), 10, 64)
	if perr != nil {
		return nil, time.Time{}, ErrNotFound
	}
	var data []byte
	if withData {
		data = vals[1]
	}
	return data, time.Unix(0, ns), nil
}
