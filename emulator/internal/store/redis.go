package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// ErrUnavailable wraps the errors of a store whose engine cannot be
// reached.
var ErrUnavailable = errors.New("store: the session store is unavailable")

// RedisConfig configures a Redis store.
type RedisConfig struct {
	// URL is redis://[user:password@]host:port/db or rediss://... (TLS).
	URL string
	// Password is used when the URL has none (EMULATOR_STORE_PASSWORD).
	Password string
	// Prefix starts every key; "" = DefaultRedisPrefix.
	Prefix string
	// Max bounds the sessions kept (all replicas together); the oldest
	// are evicted first. 0 = no limit.
	Max int
	// Codec makes each flow's Data when a session is read back.
	Codec Codec
	// TTL is how long the engine keeps a session of a flow (its result
	// lifetime plus grace); 0 or a nil func = until evicted.
	TTL func(flow string) time.Duration
	// CountTTL is how long an idle call counter is kept (the longest
	// session lifetime); 0 = until reset.
	CountTTL time.Duration
	// Timeout bounds each operation (0 = 2s), so that a lost engine makes
	// calls fail quickly rather than hang.
	Timeout time.Duration
	// Logger receives connection events; nil = discard.
	Logger *slog.Logger
}

// DefaultRedisPrefix starts the keys of the Redis store.
const DefaultRedisPrefix = "faceid-emulator:"

// Bounds of the Redis store.
const (
	defaultRedisTimeout = 2 * time.Second
	// batch is how many sessions one MGET or one deletion takes.
	redisBatch = 256
	// maxWatchRetries bounds the optimistic retries of one Update (another
	// replica changing the same session at the same time).
	maxWatchRetries = 64
	// monitorUp and monitorDown are how often the engine is pinged while
	// it answers and while it does not; logEvery spaces the "still
	// unreachable" messages.
	monitorUp   = time.Second
	monitorDown = 250 * time.Millisecond
	logEvery    = 10 * time.Second
)

// Redis is a Store kept in Valkey or Redis, shared by every emulator
// replica that uses the same engine and prefix. Sessions are JSON values
// (as in bbolt) with the flow's lifetime as their TTL; a sorted set keeps
// them in creation order (a sequence, as bbolt's order bucket: the
// emulator's clock can be set back) and a hash their creation times for
// EvictBefore. Create is one script (atomic with capacity eviction),
// Update is optimistic (WATCH/MULTI, retried when another replica wrote the
// session in between), deletions are MULTI transactions.
//
// Nothing connects at construction: a monitor goroutine pings the engine,
// logs while it cannot reach it, and Ready reports the outcome; a command
// that fails on the network marks the store unavailable at once.
//
// Session keys expire by TTL on their own; their entries in the order set
// and the creation hash are dropped by the next List, Delete or
// EvictBefore that meets them, so Len may count a few expired sessions
// until the next sweep.
type Redis struct {
	rdb    *redis.Client
	ping   *redis.Client // the monitor's
	cfg    RedisConfig
	addr   string
	kIdx   string // sorted set: token by creation sequence
	kBorn  string // hash: token -> CreatedAt (Unix ns)
	kSeq   string // creation sequence
	kClock string // the shared clock offset (ns)
	// kSecrets is the SecretIds' default scenarios chosen at run time
	// (hash), kSecretsV their version, bumped by every choice.
	kSecrets, kSecretsV string
	secretsV            atomic.Int64 // kSecretsV as of the last clock read
	sess                string       // prefix of session keys
	cScope              string       // prefix of scoped counter hashes (one per SecretId)
	cToken              string       // prefix of token counter hashes (one per token)
	upload              string       // prefix of upload slot hashes
	down                atomic.Pointer[error]
	started             atomic.Bool  // the engine answered at least once
	lastLog             atomic.Int64 // Unix ns of the last "unreachable" message
	stop                chan struct{}
	kick                chan struct{} // a call failed: ping now
	stopped             sync.WaitGroup
	closed              atomic.Bool
	obs                 atomic.Pointer[Observer]
}

// ParseRedisURL checks a redis:// or rediss:// URL and returns the
// client options; password fills in when the URL has none.
func ParseRedisURL(raw, password string) (*redis.Options, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		return nil, fmt.Errorf("store: %q: want redis://host:port/db or rediss://host:port/db", redactURL(raw))
	}
	o, err := redis.ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", redactURL(raw), err)
	}
	if o.Password == "" {
		o.Password = password
	}
	return o, nil
}

// redactURL drops the password from a store URL for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// OpenRedis returns a Redis store. It does not connect: the engine may
// come up later (Ready tells).
func OpenRedis(cfg RedisConfig) (*Redis, error) {
	if cfg.Codec == nil {
		return nil, errors.New("store: OpenRedis needs a Codec")
	}
	o, err := ParseRedisURL(cfg.URL, cfg.Password)
	if err != nil {
		return nil, err
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultRedisPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultRedisTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// Bounded waits everywhere, and no automatic retries: a retried
	// script could count a call twice, and a lost engine must answer
	// errors quickly.
	o.MaxRetries = -1
	o.DialerRetries = 1
	o.DialTimeout = cfg.Timeout / 2
	o.ReadTimeout = cfg.Timeout / 2
	o.WriteTimeout = cfg.Timeout / 2
	o.PoolTimeout = cfg.Timeout / 2
	o.ContextTimeoutEnabled = true
	o.DisableIdentity = true // no CLIENT SETINFO: older engines refuse it
	// RESP2, which every Valkey and Redis speaks, and no maintenance
	// notifications (a managed-Redis feature whose "auto" handshake also
	// races in this client version under the race detector).
	o.Protocol = 2
	o.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	o.ClientName = "faceid-emulator"
	// Replicas under load keep many calls in flight: a pool that does not
	// make them queue (connections are opened only when needed).
	o.PoolSize = 64
	// The monitor has a connection of its own, so that a busy pool does not
	// read as a lost engine.
	mo := *o
	mo.PoolSize, mo.MinIdleConns, mo.MaxIdleConns = 1, 0, 1
	p := cfg.Prefix
	r := &Redis{
		rdb: redis.NewClient(o), ping: redis.NewClient(&mo), cfg: cfg, addr: o.Addr,
		kIdx: p + "order", kBorn: p + "born", kSeq: p + "seq", kClock: p + "clock", kSecrets: p + "secrets", kSecretsV: p + "secrets-version",
		sess: p + "s:", cScope: p + "cs:", cToken: p + "ct:", upload: p + "up:",
		stop: make(chan struct{}), kick: make(chan struct{}, 1),
	}
	unreachable := error(fmt.Errorf("%w: not connected yet to %s", ErrUnavailable, r.addr))
	r.down.Store(&unreachable)
	r.stopped.Add(1)
	go r.monitor()
	return r, nil
}

// Addr is the engine's host:port.
func (r *Redis) Addr() string { return r.addr }

// Ready returns nil while the engine answers, or why it does not.
func (r *Redis) Ready() error {
	if p := r.down.Load(); p != nil {
		return *p
	}
	return nil
}

// monitor pings the engine: while it does not answer it logs (at once,
// then every logEvery) and pings more often, so that readiness comes back
// soon after the engine does.
func (r *Redis) monitor() {
	defer r.stopped.Done()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Timeout)
		err := r.ping.Ping(ctx).Err()
		cancel()
		wait := monitorUp
		if err != nil {
			r.setDown(err)
			if time.Since(time.Unix(0, r.lastLog.Load())) >= logEvery {
				r.logDown(err)
			}
			wait = monitorDown
		} else if r.down.Swap(nil) != nil {
			if r.started.Swap(true) {
				r.cfg.Logger.Info("session store reachable again", "addr", r.addr)
			} else {
				r.cfg.Logger.Info("session store connected", "addr", r.addr)
			}
		}
		select {
		case <-r.stop:
			return
		case <-r.kick:
		case <-time.After(wait):
		}
	}
}

// setDown makes the store unavailable for err, logging when it was
// available, and returns the error callers get.
func (r *Redis) setDown(err error) error {
	e := fmt.Errorf("%w: %s: %v", ErrUnavailable, r.addr, err)
	if r.down.Swap(&e) == nil {
		r.logDown(err)
	}
	return e
}

// markDown is setDown for a call that failed, and wakes the monitor.
func (r *Redis) markDown(err error) error {
	e := r.setDown(err)
	// A failed call may be a connection the engine dropped while it came
	// and went: ping at once rather than answer errors until the next tick.
	select {
	case r.kick <- struct{}{}:
	default:
	}
	return e
}

func (r *Redis) logDown(err error) {
	r.lastLog.Store(time.Now().UnixNano())
	if r.started.Load() {
		r.cfg.Logger.Error("session store unreachable; API calls answer InternalError and ready 503 until it is back (retrying)", "addr", r.addr, "err", err)
	} else {
		r.cfg.Logger.Warn("waiting for the session store (retrying); ready answers 503 until it connects", "addr", r.addr, "err", err)
	}
}

// fail marks the store unavailable when err is a connection failure (not
// a missing key, a lost WATCH race or an error the engine answered), and
// returns err wrapped in ErrUnavailable then.
func (r *Redis) fail(err error) error {
	if err == nil || errors.Is(err, redis.Nil) || errors.Is(err, redis.TxFailedErr) {
		return err
	}
	if !engineLost(err) {
		return fmt.Errorf("store: redis: %w", err)
	}
	return r.markDown(err)
}

// engineLost tells a failure to reach the engine (refused, reset, closed,
// timed out) from an error the engine answered or a busy connection pool
// (calls piling up under load are not an engine failure).
func engineLost(err error) bool {
	var ne net.Error
	switch {
	case errors.Is(err, redis.ErrPoolTimeout):
		return false
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, redis.ErrClosed):
		return true
	}
	var rerr redis.Error
	return !errors.As(err, &rerr)
}

func (r *Redis) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), r.cfg.Timeout)
}

// walkTimeout bounds a whole walk over the sessions (List, Delete,
// EvictBefore: hundreds of batches for a full store); each command in it
// is still bounded by the read and write timeouts.
const walkTimeout = time.Minute

func (r *Redis) walkCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), walkTimeout)
}

func (r *Redis) ttl(flow string) time.Duration {
	if r.cfg.TTL == nil {
		return 0
	}
	return max(r.cfg.TTL(flow), 0)
}

// createScript adds a session unless its token is taken, appends it to the
// creation order and evicts the oldest beyond the capacity, atomically.
// KEYS: session, order, born, seq. ARGV: JSON, TTL ms (0 = none), token,
// CreatedAt ns, capacity (0 = none), session key prefix. Returns {-1} for
// a taken token, else {0, tokens evicted for capacity}.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {-1} end
if tonumber(ARGV[2]) > 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[2], seq, ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
local cap = tonumber(ARGV[5])
local victims = {}
if cap > 0 then
  local over = redis.call('ZCARD', KEYS[2]) - cap
  if over > 0 then
    victims = redis.call('ZRANGE', KEYS[2], 0, over - 1)
    for _, t in ipairs(victims) do
      redis.call('DEL', ARGV[6] .. t)
      redis.call('HDEL', KEYS[3], t)
    end
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  end
end
return {0, victims}
`)

// Create implements Store.
func (r *Redis) Create(s *Session) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	ctx, cancel := r.ctx()
	defer cancel()
	res, err := createScript.Run(ctx, r.rdb, []string{r.sess + s.Token, r.kIdx, r.kBorn, r.kSeq},
		data, r.ttl(s.Flow).Milliseconds(), s.Token, s.CreatedAt.UnixNano(), r.cfg.Max, r.sess).Slice()
	if err != nil {
		return r.fail(err)
	}
	if n, _ := res[0].(int64); n == -1 {
		return ErrExists
	}
	// Capacity evictions are never silent: this replica's hub hears of
	// the ones its Create caused.
	if obs := r.obs.Load(); obs != nil && len(res) > 1 {
		if victims, _ := res[1].([]any); len(victims) > 0 {
			tokens := make([]string, 0, len(victims))
			for _, v := range victims {
				if t, ok := v.(string); ok {
					tokens = append(tokens, t)
				}
			}
			(*obs).Evicted(ReasonCapacity, tokens)
		}
	}
	return nil
}

// SetObserver implements Observable (capacity evictions; a shared
// store's write latency is not reported).
func (r *Redis) SetObserver(o Observer) { r.obs.Store(&o) }

// Get implements Store.
func (r *Redis) Get(token string) (*Session, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	data, err := r.rdb.Get(ctx, r.sess+token).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, r.fail(err)
	}
	return decodeSession(r.cfg.Codec, data)
}

// fnError carries the error of Update's fn through the transaction.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// Update implements Store. fn may run more than once: when another
// replica changed the session between the read and the write, the write
// is dropped and fn runs again on the new value.
func (r *Redis) Update(token string, fn func(*Session) error) (*Session, error) {
	ctx, cancel := r.ctx()
	defer cancel()
	key := r.sess + token
	var out *Session
	for range maxWatchRetries {
		err := r.rdb.Watch(ctx, func(tx *redis.Tx) error {
			data, err := tx.Get(ctx, key).Bytes()
			if errors.Is(err, redis.Nil) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			s, err := decodeSession(r.cfg.Codec, data)
			if err != nil {
				return err
			}
			if err := fn(s); err != nil {
				return fnError{err}
			}
			enc, err := json.Marshal(s)
			if err != nil {
				return err
			}
			if _, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.SetArgs(ctx, key, enc, redis.SetArgs{KeepTTL: true})
				return nil
			}); err != nil {
				return err
			}
			out = s
			return nil
		}, key)
		var fe fnError
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, redis.TxFailedErr):
			continue
		case errors.As(err, &fe):
			return nil, fe.err
		case errors.Is(err, ErrNotFound):
			return nil, err
		case strings.HasPrefix(err.Error(), "store:"):
			return nil, err // a session that does not decode
		default:
			return nil, r.fail(err)
		}
	}
	return nil, fmt.Errorf("store: session %s changed %d times during one update", token, maxWatchRetries)
}

// head is the part of a session that filters read: no flow's Data is
// decoded to select sessions for deletion.
type head struct {
	SecretID  string    `json:"secretId"`
	Flow      string    `json:"flow"`
	State     string    `json:"state"`
	CreatedAt time.Time `json:"createdAt"`
}

// walk reads every session in creation order, redisBatch at a time, and
// calls visit with its token and value; entries whose session expired are
// dropped from the order set on the way.
func (r *Redis) walk(ctx context.Context, visit func(token string, data []byte)) error {
	tokens, err := r.rdb.ZRange(ctx, r.kIdx, 0, -1).Result()
	if err != nil {
		return r.fail(err)
	}
	var gone []string
	for start := 0; start < len(tokens); start += redisBatch {
		batch := tokens[start:min(start+redisBatch, len(tokens))]
		keys := make([]string, len(batch))
		for i, t := range batch {
			keys[i] = r.sess + t
		}
		vals, err := r.rdb.MGet(ctx, keys...).Result()
		if err != nil {
			return r.fail(err)
		}
		for i, v := range vals {
			s, ok := v.(string)
			if !ok {
				gone = append(gone, batch[i])
				continue
			}
			visit(batch[i], []byte(s))
		}
	}
	if len(gone) > 0 {
		_, err := r.remove(ctx, gone)
		return err
	}
	return nil
}

// List implements Store. An engine failure lists nothing (and makes the
// store unavailable, which ready and the API report).
func (r *Redis) List(f Filter) []*Session {
	ctx, cancel := r.walkCtx()
	defer cancel()
	var out []*Session
	_ = r.walk(ctx, func(_ string, data []byte) {
		if s, err := decodeSession(r.cfg.Codec, data); err == nil && f.Match(s) {
			out = append(out, s)
		}
	})
	return out
}

// Delete implements Store.
func (r *Redis) Delete(f Filter) int {
	ctx, cancel := r.walkCtx()
	defer cancel()
	var doomed []string
	err := r.walk(ctx, func(token string, data []byte) {
		var h head
		if json.Unmarshal(data, &h) != nil {
			return
		}
		if f.Match(&Session{SecretID: h.SecretID, Flow: h.Flow, State: h.State, CreatedAt: h.CreatedAt}) {
			doomed = append(doomed, token)
		}
	})
	if err != nil {
		return 0
	}
	n, _ := r.remove(ctx, doomed)
	return n
}

// remove deletes sessions with their order and creation entries, in one
// transaction per batch, and returns how many sessions existed.
func (r *Redis) remove(ctx context.Context, tokens []string) (int, error) {
	n := 0
	for start := 0; start < len(tokens); start += redisBatch {
		batch := tokens[start:min(start+redisBatch, len(tokens))]
		keys := make([]string, len(batch))
		members := make([]any, len(batch))
		for i, t := range batch {
			keys[i] = r.sess + t
			members[i] = t
		}
		var del *redis.IntCmd
		_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			del = p.Del(ctx, keys...)
			p.ZRem(ctx, r.kIdx, members...)
			p.HDel(ctx, r.kBorn, batch...)
			return nil
		})
		if err != nil {
			return n, r.fail(err)
		}
		n += int(del.Val())
	}
	return n, nil
}

// EvictBefore implements Store: in creation order, up to the first session
// not older than t (as Memory does), reading only the creation times.
func (r *Redis) EvictBefore(t time.Time) int {
	ctx, cancel := r.walkCtx()
	defer cancel()
	limit := t.UnixNano()
	var doomed []string
	for start := int64(0); ; start += redisBatch {
		tokens, err := r.rdb.ZRange(ctx, r.kIdx, start, start+redisBatch-1).Result()
		if err != nil {
			r.fail(err)
			return 0
		}
		if len(tokens) == 0 {
			break
		}
		born, err := r.rdb.HMGet(ctx, r.kBorn, tokens...).Result()
		if err != nil {
			r.fail(err)
			return 0
		}
		younger := false
		for i, v := range born {
			s, _ := v.(string)
			ns, err := strconv.ParseInt(s, 10, 64)
			if err == nil && ns >= limit {
				younger = true
				break
			}
			doomed = append(doomed, tokens[i])
		}
		if younger || len(tokens) < redisBatch {
			break
		}
	}
	n, _ := r.remove(ctx, doomed)
	return n
}

// Len implements Store: the sessions in the creation order, all replicas'
// (expired ones included until a sweep drops them).
func (r *Redis) Len() int {
	ctx, cancel := r.ctx()
	defer cancel()
	n, err := r.rdb.ZCard(ctx, r.kIdx).Result()
	if err != nil {
		r.fail(err)
		return 0
	}
	return int(n)
}

// Close implements Store.
func (r *Redis) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	close(r.stop)
	r.stopped.Wait()
	r.ping.Close()
	return r.rdb.Close()
}
