package store

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomodule/redigo/redis"
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
	// replica changing the same session at the same time), which back off
	// at random between attempts; the call's 2 s deadline bounds them too.
	maxWatchRetries = 1000
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
// them in creation order (a sequence, as the bbolt store keeps: the
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
	rdb  *redis.Pool
	ping *redis.Pool // the monitor's
	cfg  RedisConfig
	// gen counts the engine losses: a pooled connection dialled before the
	// last one is dropped when borrowed rather than failing a call.
	gen    atomic.Int64
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

// RedisOptions are the connection settings a store URL gives.
type RedisOptions struct {
	Addr     string // host:port
	DB       int
	Username string
	Password string
	// TLSConfig is set for rediss:// (the system's roots, SSL_CERT_FILE
	// included; the server name is the URL's host).
	TLSConfig *tls.Config
}

// ParseRedisURL checks a redis:// or rediss:// URL and returns the
// connection settings; password fills in when the URL has none.
func ParseRedisURL(raw, password string) (*RedisOptions, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("store: %q: want redis://host:port/db or rediss://host:port/db", redactURL(raw))
	}
	bad := func(why string) error { return fmt.Errorf("store: %s: %s", redactURL(raw), why) }
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, bad("query options are not supported")
	}
	o := &RedisOptions{Addr: u.Host}
	if u.Port() == "" {
		o.Addr = net.JoinHostPort(u.Hostname(), "6379")
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 {
			return nil, bad(fmt.Sprintf("invalid database number %q", db))
		}
		o.DB = n
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if o.Password == "" {
		o.Password = password
	}
	if u.Scheme == "rediss" {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, ServerName: u.Hostname()}
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
	// Bounded waits everywhere, and no automatic retries (redigo has
	// none): a retried script could count a call twice, and a lost engine
	// must answer errors quickly.
	dialOpts := []redis.DialOption{
		redis.DialConnectTimeout(cfg.Timeout / 2),
		redis.DialReadTimeout(cfg.Timeout / 2),
		redis.DialWriteTimeout(cfg.Timeout / 2),
		redis.DialDatabase(o.DB),
		redis.DialUsername(o.Username),
		redis.DialPassword(o.Password),
		redis.DialClientName("faceid-emulator"),
		redis.DialUseTLS(o.TLSConfig != nil),
		redis.DialTLSConfig(o.TLSConfig),
	}
	p := cfg.Prefix
	r := &Redis{
		cfg: cfg, addr: o.Addr,
		kIdx: p + "order", kBorn: p + "born", kSeq: p + "seq", kClock: p + "clock", kSecrets: p + "secrets", kSecretsV: p + "secrets-version",
		sess: p + "s:", cScope: p + "cs:", cToken: p + "ct:", upload: p + "up:",
		stop: make(chan struct{}), kick: make(chan struct{}, 1),
	}
	// Replicas under load keep many calls in flight: a pool that does not
	// make them queue (connections are opened only when needed), and
	// whose callers wait for a free connection at most half the timeout.
	r.rdb = r.pool(dialOpts, 64)
	// The monitor has a connection of its own, so that a busy pool does not
	// read as a lost engine.
	r.ping = r.pool(dialOpts, 1)
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
		_, err := r.doOn(ctx, r.ping, "PING")
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
	// The pooled connections are likely dead (a restarted engine closed
	// them): they are dropped when next borrowed.
	r.gen.Add(1)
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
	if err == nil || errors.Is(err, redis.ErrNil) {
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
	case errors.Is(err, errPoolTimeout):
		return false
	case errors.As(err, &ne), errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	}
	var rerr redis.Error
	return !errors.As(err, &rerr)
}

// errPoolTimeout is a call that waited too long for a free connection:
// calls piling up under load, not an engine failure.
var errPoolTimeout = errors.New("store: redis: no free connection in the pool")

// genConn is a connection with the engine-loss count it was dialled at.
type genConn struct {
	redis.ConnWithContext
	gen int64
}

// pool makes a connection pool of at most size connections.
func (r *Redis) pool(opts []redis.DialOption, size int) *redis.Pool {
	return &redis.Pool{
		DialContext: func(ctx context.Context) (redis.Conn, error) {
			gen := r.gen.Load()
			c, err := redis.DialContext(ctx, "tcp", r.addr, opts...)
			if err != nil {
				return nil, err
			}
			cc, ok := c.(redis.ConnWithContext)
			if !ok {
				c.Close()
				return nil, errors.New("store: redis: connection without context support")
			}
			return genConn{cc, gen}, nil
		},
		// An idle connection from before the engine was last lost is most
		// likely dead (a restarted engine): drop it instead of failing a
		// call on it.
		TestOnBorrow: func(c redis.Conn, _ time.Time) error {
			if g, ok := c.(genConn); ok && g.gen != r.gen.Load() {
				return errors.New("dialled before the engine was lost")
			}
			return nil
		},
		MaxActive:   size,
		MaxIdle:     size,
		IdleTimeout: 5 * time.Minute,
		Wait:        true,
	}
}

// conn borrows a connection from p, waiting at most half the timeout for
// a free one. The caller closes it (back to the pool; a connection left
// in WATCH or MULTI is reset by the pool).
func (r *Redis) conn(ctx context.Context, p *redis.Pool) (redis.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout/2)
	defer cancel()
	c, err := p.GetContext(wctx)
	if err != nil {
		var ne net.Error
		if !errors.As(err, &ne) && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return nil, errPoolTimeout
		}
		return nil, err
	}
	return c, nil
}

// doOn runs one command on a connection of p.
func (r *Redis) doOn(ctx context.Context, p *redis.Pool, cmd string, args ...any) (any, error) {
	c, err := r.conn(ctx, p)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return redis.DoContext(c, ctx, cmd, args...)
}

// do runs one command on a pooled connection.
func (r *Redis) do(ctx context.Context, cmd string, args ...any) (any, error) {
	return r.doOn(ctx, r.rdb, cmd, args...)
}

// command is one command of a transaction.
type command struct {
	name string
	args []any
}

// multi runs cmds in one MULTI/EXEC transaction on one connection and
// returns their replies; the first command error is the error.
func (r *Redis) multi(ctx context.Context, cmds ...command) ([]any, error) {
	c, err := r.conn(ctx, r.rdb)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return execute(ctx, c, cmds)
}

// execute sends MULTI, cmds and EXEC on c. A nil reply (a WATCHed key
// changed) is redis.ErrNil.
func execute(ctx context.Context, c redis.Conn, cmds []command) ([]any, error) {
	if err := c.Send("MULTI"); err != nil {
		return nil, err
	}
	for _, cmd := range cmds {
		if err := c.Send(cmd.name, cmd.args...); err != nil {
			return nil, err
		}
	}
	vals, err := redis.Values(redis.DoContext(c, ctx, "EXEC"))
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		if e, ok := v.(redis.Error); ok {
			return vals, e
		}
	}
	return vals, nil
}

// run runs a script on a pooled connection (EVALSHA, EVAL when the engine
// does not have it yet).
func (r *Redis) run(ctx context.Context, s *redis.Script, keysAndArgs ...any) (any, error) {
	c, err := r.conn(ctx, r.rdb)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return s.DoContext(ctx, c, keysAndArgs...)
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
var createScript = redis.NewScript(4, `
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
	res, err := redis.Values(r.run(ctx, createScript, r.sess+s.Token, r.kIdx, r.kBorn, r.kSeq,
		data, r.ttl(s.Flow).Milliseconds(), s.Token, s.CreatedAt.UnixNano(), r.cfg.Max, r.sess))
	if err != nil {
		return r.fail(err)
	}
	if n, _ := res[0].(int64); n == -1 {
		return ErrExists
	}
	// Capacity evictions are never silent: this replica's hub hears of
	// the ones its Create caused.
	if obs := r.obs.Load(); obs != nil && len(res) > 1 {
		if tokens, _ := redis.Strings(res[1], nil); len(tokens) > 0 {
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
	data, err := redis.Bytes(r.do(ctx, "GET", r.sess+token))
	if errors.Is(err, redis.ErrNil) {
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
	c, err := r.conn(ctx, r.rdb)
	if err != nil {
		return nil, r.fail(err)
	}
	defer c.Close() // the pool UNWATCHes a connection left watching
	key := r.sess + token
	for attempt := range maxWatchRetries {
		out, err := r.updateOnce(ctx, c, key, fn)
		var fe fnError
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, redis.ErrNil):
			// Another replica wrote the session: EXEC answered nil. Back off
			// a random, growing moment (at most 5 ms) so that writers that
			// keep colliding on one hot session spread out instead of
			// starving one another; the call's deadline still bounds it all.
			backoff := time.Duration(rand.Int64N(int64(min(attempt+1, 50)) * int64(100*time.Microsecond)))
			select {
			case <-ctx.Done():
				return nil, r.fail(ctx.Err())
			case <-time.After(backoff):
			}
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

// updateOnce is one optimistic attempt of Update on c: WATCH, GET,
// MULTI, SET, EXEC. A lost race is redis.ErrNil.
func (r *Redis) updateOnce(ctx context.Context, c redis.Conn, key string, fn func(*Session) error) (*Session, error) {
	if _, err := redis.DoContext(c, ctx, "WATCH", key); err != nil {
		return nil, err
	}
	data, err := redis.Bytes(redis.DoContext(c, ctx, "GET", key))
	if errors.Is(err, redis.ErrNil) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	s, err := decodeSession(r.cfg.Codec, data)
	if err != nil {
		return nil, err
	}
	if err := fn(s); err != nil {
		return nil, fnError{err}
	}
	enc, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	if _, err := execute(ctx, c, []command{{"SET", []any{key, enc, "KEEPTTL"}}}); err != nil {
		return nil, err
	}
	return s, nil
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
	tokens, err := redis.Strings(r.do(ctx, "ZRANGE", r.kIdx, 0, -1))
	if err != nil {
		return r.fail(err)
	}
	var gone []string
	for start := 0; start < len(tokens); start += redisBatch {
		batch := tokens[start:min(start+redisBatch, len(tokens))]
		if _, err := r.values(ctx, batch, &gone, func(i int, v []byte) bool { visit(batch[i], v); return true }); err != nil {
			return err
		}
	}
	return r.dropExpired(ctx, gone)
}

// values reads the sessions of tokens (one MGET) and calls visit with each
// one still there, in order, until it returns false (more is then false);
// the tokens whose session expired are added to gone.
func (r *Redis) values(ctx context.Context, tokens []string, gone *[]string, visit func(i int, data []byte) bool) (more bool, err error) {
	keys := make([]any, len(tokens))
	for i, t := range tokens {
		keys[i] = r.sess + t
	}
	vals, err := redis.ByteSlices(r.do(ctx, "MGET", keys...))
	if err != nil {
		return false, r.fail(err)
	}
	for i, v := range vals {
		if v == nil {
			*gone = append(*gone, tokens[i])
			continue
		}
		if !visit(i, v) {
			return false, nil
		}
	}
	return true, nil
}

// dropExpired removes from the order set the tokens whose session expired.
func (r *Redis) dropExpired(ctx context.Context, gone []string) error {
	if len(gone) == 0 {
		return nil
	}
	_, err := r.remove(ctx, gone)
	return err
}

// WalkNewest implements NewestWalker: it reads the creation order from its
// newest end a page at a time (16 tokens first, then more, up to
// redisBatch), so that the newest N cost O(N) round trips' worth of data,
// not the whole list. Pages follow the order's scores, not positions, so
// that sessions other replicas create meanwhile do not shift them. An
// engine failure ends the walk (and makes the store unavailable).
func (r *Redis) WalkNewest(fn func(*Session) bool) {
	ctx, cancel := r.walkCtx()
	defer cancel()
	var gone []string
	defer func() { _ = r.dropExpired(ctx, gone) }()
	upper, page := "+inf", 16
	for {
		reply, err := redis.Strings(r.do(ctx, "ZREVRANGEBYSCORE", r.kIdx, upper, "-inf", "WITHSCORES", "LIMIT", 0, page))
		if err != nil {
			r.fail(err)
			return
		}
		tokens := make([]string, 0, len(reply)/2)
		for i := 0; i+1 < len(reply); i += 2 {
			tokens = append(tokens, reply[i])
		}
		if len(tokens) == 0 {
			return
		}
		more, err := r.values(ctx, tokens, &gone, func(_ int, data []byte) bool {
			s, err := decodeSession(r.cfg.Codec, data)
			return err != nil || fn(s)
		})
		if err != nil || !more || len(tokens) < page {
			return
		}
		upper = "(" + reply[len(reply)-1]
		page = min(page*4, redisBatch)
	}
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
		keys := make([]any, len(batch))
		members := make([]any, len(batch)+1)
		members[0] = r.kIdx
		born := make([]any, len(batch)+1)
		born[0] = r.kBorn
		for i, t := range batch {
			keys[i] = r.sess + t
			members[i+1] = t
			born[i+1] = t
		}
		res, err := r.multi(ctx, command{"DEL", keys}, command{"ZREM", members}, command{"HDEL", born})
		if err != nil {
			return n, r.fail(err)
		}
		del, _ := redis.Int(res[0], nil)
		n += del
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
		tokens, err := redis.Strings(r.do(ctx, "ZRANGE", r.kIdx, start, start+redisBatch-1))
		if err != nil {
			r.fail(err)
			return 0
		}
		if len(tokens) == 0 {
			break
		}
		args := make([]any, len(tokens)+1)
		args[0] = r.kBorn
		for i, t := range tokens {
			args[i+1] = t
		}
		born, err := redis.Strings(r.do(ctx, "HMGET", args...))
		if err != nil {
			r.fail(err)
			return 0
		}
		younger := false
		for i, s := range born {
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
	n, err := redis.Int(r.do(ctx, "ZCARD", r.kIdx))
	if err != nil {
		r.fail(err)
		return 0
	}
	return n
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
