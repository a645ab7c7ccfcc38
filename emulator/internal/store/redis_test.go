package store

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"

	"github.com/faceid-emulator/faceid-emulator/internal/redistest"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestParseRedisURL(t *testing.T) {
	cases := []struct {
		url, password string
		addr          string
		db            int
		user, pass    string
		tls           bool
		bad           bool
	}{
		{url: "redis://127.0.0.1:6380/2", addr: "127.0.0.1:6380", db: 2},
		{url: "redis://valkey", addr: "valkey:6379"},
		{url: "rediss://cache.example:6390/0", addr: "cache.example:6390", tls: true},
		{url: "redis://app:s3cret@h:1/1", password: "env", addr: "h:1", db: 1, user: "app", pass: "s3cret"},
		{url: "redis://h:1/0", password: "from-env", addr: "h:1", pass: "from-env"},
		{url: "http://h:1/0", bad: true},
		{url: "redis:///0", bad: true},
		{url: "redis://h:1/x", bad: true},
		{url: "redis://h:1/0/1", bad: true},
		{url: "redis://h:1/-1", bad: true},
		{url: "redis://h:1/0?dial_timeout=1s", bad: true},
		{url: "redis://:p%40ss@h/3", addr: "h:6379", db: 3, pass: "p@ss"},
		{url: "rediss://u:pw@[::1]:7000/0", addr: "[::1]:7000", user: "u", pass: "pw", tls: true},
	}
	for _, tc := range cases {
		o, err := ParseRedisURL(tc.url, tc.password)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted", tc.url)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		for _, f := range []struct {
			name      string
			got, want any
		}{
			{"addr", o.Addr, tc.addr}, {"db", o.DB, tc.db}, {"user", o.Username, tc.user},
			{"password", o.Password, tc.pass}, {"tls", o.TLSConfig != nil, tc.tls},
		} {
			if f.got != f.want {
				t.Errorf("%s: %s = %v, want %v", tc.url, f.name, f.got, f.want)
			}
		}
	}
	if _, err := ParseRedisURL("ftp://u:topsecret@h/0", ""); err == nil || strings.Contains(err.Error(), "topsecret") {
		t.Errorf("error names the password or is missing: %v", err)
	}
	if _, err := OpenRedis(RedisConfig{URL: "redis://h:1/0"}); err == nil {
		t.Error("OpenRedis without a codec succeeded")
	}
}

// TestRedisReplicas: two stores on one engine (two replicas) see each
// other's sessions, and concurrent updates of one session from both lose
// no change.
func TestRedisReplicas(t *testing.T) {
	e := redistest.Start(t)
	a, b := openRedis(t, e, 0), openRedis(t, e, 0)
	if err := a.Create(full("T1", t0)); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(pending("T1", "B", t0)); !errors.Is(err, ErrExists) {
		t.Errorf("Create of a token another replica made: %v", err)
	}
	if got, err := b.Get("T1"); err != nil || got.SecretID != "AKIDSTORE" {
		t.Fatalf("B reads A's session: %+v %v", got, err)
	}
	var wg sync.WaitGroup
	const workers, each = 8, 25
	for w := range workers {
		wg.Add(1)
		go func(s Store) {
			defer wg.Done()
			for range each {
				if _, err := s.Update("T1", func(x *Session) error { x.Polls++; return nil }); err != nil {
					t.Error(err)
					return
				}
			}
		}([]Store{a, b}[w%2])
	}
	wg.Wait()
	if got, _ := a.Get("T1"); got.Polls != 2+workers*each {
		t.Errorf("Polls = %d after %d updates from two replicas, want %d", got.Polls, workers*each, 2+workers*each)
	}
	if n := b.Delete(Filter{SecretID: "AKIDSTORE"}); n != 1 || a.Len() != 0 {
		t.Errorf("Delete on B = %d, Len on A = %d", n, a.Len())
	}
}

// TestRedisTTL: a session's key expires with its flow's lifetime; the
// order entry it leaves is dropped by the next List, so Len agrees.
func TestRedisTTL(t *testing.T) {
	e := redistest.Start(t)
	r, err := OpenRedis(RedisConfig{URL: e.URL(1), Codec: testCodec{}, Prefix: "ttl:", TTL: func(flow string) time.Duration {
		if flow == "other" {
			return 300 * time.Millisecond
		}
		return time.Hour
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	short := pending("S1", "A", t0)
	short.Flow = "other"
	_ = r.Create(short)
	_ = r.Create(pending("L1", "A", t0))
	c, err := redis.Dial("tcp", e.Addr(), redis.DialDatabase(1), redis.DialReadTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pttl := func(key string) time.Duration {
		ms, err := redis.Int64(c.Do("PTTL", key))
		if err != nil {
			t.Fatalf("PTTL %s: %v", key, err)
		}
		return time.Duration(ms) * time.Millisecond
	}
	if ttl := pttl("ttl:s:L1"); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("TTL of a web session = %v, want 1h", ttl)
	}
	if _, err := r.Update("L1", func(x *Session) error { x.Polls++; return nil }); err != nil {
		t.Fatal(err)
	}
	if ttl := pttl("ttl:s:L1"); ttl < 59*time.Minute {
		t.Errorf("Update dropped the TTL: %v", ttl)
	}
	waitFor(t, 10*time.Second, "the short session expires", func() bool {
		_, err := r.Get("S1")
		return errors.Is(err, ErrNotFound)
	})
	if got := tokens(r.List(Filter{})); len(got) != 1 || got[0] != "L1" || r.Len() != 1 {
		t.Errorf("after expiry: %v, Len %d", got, r.Len())
	}
}

// TestRedisUnavailable: with the engine gone, calls fail quickly with
// ErrUnavailable and Ready reports it; when it is back, the store recovers
// without being reopened.
func TestRedisUnavailable(t *testing.T) {
	e := redistest.Start(t)
	r, err := OpenRedis(RedisConfig{URL: e.URL(0), Codec: testCodec{}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	waitFor(t, 5*time.Second, "ready", func() bool { return r.Ready() == nil })
	if err := r.Create(pending("T1", "A", t0)); err != nil {
		t.Fatal(err)
	}
	e.Stop()
	start := time.Now()
	_, err = r.Get("T1")
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Get with the engine stopped: %v, want ErrUnavailable", err)
	}
	if err := r.Create(pending("T2", "A", t0)); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Create with the engine stopped: %v", err)
	}
	if _, err := r.Update("T1", func(*Session) error { return nil }); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Update with the engine stopped: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("three failing calls took %v", d)
	}
	if r.Ready() == nil {
		t.Error("Ready with the engine stopped")
	}
	e.Restart(t)
	waitFor(t, 10*time.Second, "ready again", func() bool { return r.Ready() == nil })
	if err := r.Create(pending("T3", "A", t0)); err != nil {
		t.Errorf("Create after the engine came back: %v", err)
	}
}

// TestRedisIdleRestart: an engine restarted while the store is idle
// (only the monitor notices) costs no failed call once ready again: the
// pooled connections to the old engine are dropped, not used.
func TestRedisIdleRestart(t *testing.T) {
	e := redistest.Start(t)
	r, err := OpenRedis(RedisConfig{URL: e.URL(0), Codec: testCodec{}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	waitFor(t, 5*time.Second, "ready", func() bool { return r.Ready() == nil })
	for _, token := range []string{"T1", "T2", "T3"} {
		if err := r.Create(pending(token, "A", t0)); err != nil {
			t.Fatal(err)
		}
	}
	e.Stop()
	waitFor(t, 10*time.Second, "not ready", func() bool { return r.Ready() != nil })
	e.Restart(t)
	waitFor(t, 10*time.Second, "ready again", func() bool { return r.Ready() == nil })
	if _, err := r.Get("T1"); err != nil && !errors.Is(err, ErrNotFound) {
		t.Errorf("first Get after the restart: %v", err)
	}
	if err := r.Create(pending("T4", "A", t0)); err != nil {
		t.Errorf("first Create after the restart: %v", err)
	}
}

// TestRedisNotYetUp: a store opened before its engine starts is not ready,
// and becomes ready once the engine answers.
func TestRedisNotYetUp(t *testing.T) {
	e := redistest.Start(t)
	e.Stop()
	r, err := OpenRedis(RedisConfig{URL: e.URL(0), Codec: testCodec{}, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Ready(); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Ready before the engine started: %v", err)
	}
	e.Restart(t)
	waitFor(t, 10*time.Second, "ready", func() bool { return r.Ready() == nil })
}

func TestRedisCounters(t *testing.T) {
	e := redistest.Start(t)
	a, b := openRedis(t, e, 0), openRedis(t, e, 0)
	var got []int
	for i := range 5 {
		n, err := []*Redis{a, b}[i%2].CountScoped("A", "s", "Apply", 2)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n)
	}
	if fmt.Sprint(got) != "[1 2 3 1 2]" {
		t.Errorf("scoped counts over two replicas = %v, want [1 2 3 1 2]", got)
	}
	for i := 1; i <= 3; i++ {
		if n, _ := []*Redis{a, b}[i%2].CountToken("T", "Get"); n != i {
			t.Errorf("token count %d = %d", i, n)
		}
	}
	_, _ = a.CountToken("U", "Get")
	if err := b.ResetCounts("A", []string{"T"}); err != nil {
		t.Fatal(err)
	}
	if n, _ := a.CountToken("T", "Get"); n != 1 {
		t.Errorf("T after reset = %d", n)
	}
	if n, _ := a.CountToken("U", "Get"); n != 2 {
		t.Errorf("U after A's reset = %d, want 2", n)
	}
	if err := a.ResetCounts("", nil); err != nil {
		t.Fatal(err)
	}
	if n, _ := b.CountToken("U", "Get"); n != 1 {
		t.Errorf("U after full reset = %d", n)
	}
	if d, _ := a.AddSkew(time.Hour); d != time.Hour {
		t.Errorf("AddSkew = %v", d)
	}
	if d, _ := b.Skew(); d != time.Hour {
		t.Errorf("B's skew = %v", d)
	}
	_ = b.SetSkew(-time.Minute)
	if d, _ := a.Skew(); d != -time.Minute {
		t.Errorf("A's skew after B's Set = %v", d)
	}
	// SecretId scenario choices: B sees A's with its next clock read.
	before := b.SecretsVersion()
	if err := a.SetSecretScenario("AKID1", "fail-ocr"); err != nil {
		t.Fatal(err)
	}
	_, _ = b.Skew()
	all, v, err := b.SecretScenarios()
	if err != nil || all["AKID1"] != "fail-ocr" || v == before || b.SecretsVersion() != v {
		t.Errorf("B after A's choice: %v version %d (clock read %d, before %d) %v", all, v, b.SecretsVersion(), before, err)
	}
	_ = b.SetSecretScenario("AKID1", "")
	if all, _, _ := a.SecretScenarios(); len(all) != 0 {
		t.Errorf("choices after removal: %v", all)
	}
}

func TestEscapeGlob(t *testing.T) {
	for in, want := range map[string]string{"p:cs:*": "p:cs:*", "a*b?[c]\\:*": `a\*b\?\[c\]\\:*`, "plain": "plain"} {
		if got := escapeGlob(in); got != want {
			t.Errorf("escapeGlob(%q) = %q, want %q", in, got, want)
		}
	}
}
