package store

import (
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The state beyond sessions that replicas on one engine share: the call
// counters of scripted behaviours (flow.Counters) and the clock offset the
// control API moves (clock.Offset). The methods have the shapes of
// flow.SharedCounts and clock.SharedSkew.

// scopedScript counts one call under a (SecretId) hash field and restarts
// the count past times (at once for times 0), as flow.Counters does in
// memory. KEYS: the SecretId's hash. ARGV: field, times, TTL ms.
var scopedScript = redis.NewScript(`
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
	n, err := scopedScript.Run(ctx, r.rdb, []string{r.cScope + secretID},
		scenario+"\x00"+action, times, r.cfg.CountTTL.Milliseconds()).Int()
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
	var incr *redis.IntCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.HIncrBy(ctx, key, action, 1)
		if ttl := r.cfg.CountTTL; ttl > 0 {
			p.PExpire(ctx, key, ttl)
		}
		return nil
	})
	if err != nil {
		return 0, r.fail(err)
	}
	return int(incr.Val()), nil
}

// ResetCounts forgets the counts of one SecretId and its tokens, or with
// secretID "" every count.
func (r *Redis) ResetCounts(secretID string, tokens []string) error {
	ctx, cancel := r.walkCtx()
	defer cancel()
	if secretID == "" {
		for _, pattern := range []string{r.cScope + "*", r.cToken + "*"} {
			iter := r.rdb.Scan(ctx, 0, escapeGlob(pattern), redisBatch).Iterator()
			var keys []string
			for iter.Next(ctx) {
				keys = append(keys, iter.Val())
			}
			if err := iter.Err(); err != nil {
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

func (r *Redis) del(keys []string) error {
	ctx, cancel := r.ctx()
	defer cancel()
	for start := 0; start < len(keys); start += redisBatch {
		if err := r.rdb.Del(ctx, keys[start:min(start+redisBatch, len(keys))]...).Err(); err != nil {
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
	vals, err := r.rdb.MGet(ctx, r.kClock, r.kSecretsV).Result()
	if err != nil {
		return 0, r.fail(err)
	}
	r.secretsV.Store(parseInt(vals[1]))
	// A value that does not parse (not ours) reads as no offset.
	return time.Duration(parseInt(vals[0])), nil
}

// parseInt reads an MGET value; missing or malformed is 0.
func parseInt(v any) int64 {
	s, _ := v.(string)
	n, _ := strconv.ParseInt(s, 10, 64)
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
	var v *redis.IntCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if name == "" {
			p.HDel(ctx, r.kSecrets, secretID)
		} else {
			p.HSet(ctx, r.kSecrets, secretID, name)
		}
		v = p.Incr(ctx, r.kSecretsV)
		return nil
	})
	if err != nil {
		return r.fail(err)
	}
	r.secretsV.Store(v.Val())
	return nil
}

// SecretScenarios returns every SecretId's choice and their version.
func (r *Redis) SecretScenarios() (map[string]string, int64, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	var all *redis.MapStringStringCmd
	var v *redis.StringCmd
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		all = p.HGetAll(ctx, r.kSecrets)
		v = p.Get(ctx, r.kSecretsV)
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, 0, r.fail(err)
	}
	n, _ := strconv.ParseInt(v.Val(), 10, 64)
	return all.Val(), n, nil
}

// AddSkew moves the shared offset by d and returns the new one.
func (r *Redis) AddSkew(d time.Duration) (time.Duration, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	ns, err := r.rdb.IncrBy(ctx, r.kClock, int64(d)).Result()
	if err != nil {
		return 0, r.fail(err)
	}
	return time.Duration(ns), nil
}

// SetSkew sets the shared offset.
func (r *Redis) SetSkew(d time.Duration) error {
	ctx, cancel := r.ctx()
	defer cancel()
	if err := r.rdb.Set(ctx, r.kClock, int64(d), 0).Err(); err != nil {
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
var putIfExists = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[1])
return 1
`)

// NewUpload makes an empty slot working until expiresAt, kept for keep.
func (r *Redis) NewUpload(key string, expiresAt time.Time, keep time.Duration) error {
	ctx, cancel := r.ctx()
	defer cancel()
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, r.upload+key, "exp", expiresAt.UnixNano())
		p.PExpire(ctx, r.upload+key, keep)
		return nil
	})
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
	n, err := putIfExists.Run(ctx, r.rdb, []string{r.upload + key}, data).Int()
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
	fields := []string{"exp"}
	if withData {
		fields = append(fields, "data")
	}
	vals, err := r.rdb.HMGet(ctx, r.upload+key, fields...).Result()
	if err != nil {
		return nil, time.Time{}, r.fail(err)
	}
	s, _ := vals[0].(string)
	ns, perr := strconv.ParseInt(s, 10, 64)
	if perr != nil {
		return nil, time.Time{}, ErrNotFound
	}
	var data []byte
	if withData {
		if d, ok := vals[1].(string); ok {
			data = []byte(d)
		}
	}
	return data, time.Unix(0, ns), nil
}
